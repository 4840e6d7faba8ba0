package dev.scale.cli;

import dev.scale.cli.context.Context;
import dev.scale.errors.ScaleException;
import dev.scale.providers.managed.Credentials;
import dev.scale.providers.managed.ManagedService;
import dev.scale.providers.lifecycle.ManagedServices;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "logout", mixinStandardHelpOptions = true,
        description = "Forget the credentials scale login stored for a service (or all of them). Instances stay; removing them needs the credentials again.",
        footer = {"", "Examples:", "  scale logout neon", "  scale logout --all"})
final class LogoutCommand implements Callable<Integer> {
    @ParentCommand
    ScaleCommand parent;

    @ArgGroup(multiplicity = "1")
    Which which;

    static final class Which {
        @Parameters(index = "0", paramLabel = "SERVICE", completionCandidates = LoginCommand.ServiceNames.class, description = "One of: ${COMPLETION-CANDIDATES}")
        String service;

        @Option(names = "--all", description = "Every service's stored credentials.")
        boolean all;
    }

    @Override
    public Integer call() {
        Context ctx = parent.context();
        List<ManagedService.Credential> forget = new ArrayList<>();
        for (ManagedService m : ctx.instances().managed()) {
            if (which.all || m.name().equals(which.service)) {
                forget.addAll(m.credentials());
            }
        }
        if (forget.isEmpty()) {
            throw ScaleException.usage("'" + which.service + "' is not a managed service scale knows", "use one of: " + String.join(", ", ManagedServices.NAMES));
        }
        Credentials store = new Credentials(ctx.dirs());
        int n = store.forget(forget.stream().map(ManagedService.Credential::variable).toList());
        ctx.info(n == 0 ? "nothing was stored for " + (which.all ? "any service" : which.service)
                : "forgot " + n + " stored credential" + (n == 1 ? "" : "s") + (which.all ? "" : " of " + which.service));
        if (forget.stream().anyMatch(c -> ctx.env().containsKey(c.variable()))) {
            ctx.info("the environment still sets " + String.join(", ", forget.stream().map(ManagedService.Credential::variable)
                    .filter(ctx.env()::containsKey).toList()) + ": unset it too");
        }
        return 0;
    }
}
