package dev.scale.cli;

import dev.scale.cli.context.Context;
import dev.scale.errors.ScaleException;
import dev.scale.providers.managed.Credentials;
import dev.scale.providers.managed.ManagedService;
import dev.scale.providers.lifecycle.ManagedServices;
import dev.scale.providers.managed.ServiceApi;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "login", mixinStandardHelpOptions = true,
        description = {"Store a managed service's credentials, so that --provider SERVICE works without exporting them.",
                "They go to credentials.json in scale's config directory, readable by you only (0600); a variable set in the",
                "environment still wins. Secrets are read without echo from the terminal, or one per line from stdin,",
                "and are never printed. scale checks them against the service's API before it stores them."},
        footer = {"", "Examples:", "  scale login neon", "  printf '%%s\\n' \"$NEON_API_KEY\" | scale login neon",
                "  NEON_API_KEY=… scale login neon --from-env", "  scale logout neon"})
final class LoginCommand implements Callable<Integer> {
    @ParentCommand
    ScaleCommand parent;

    @Parameters(index = "0", paramLabel = "SERVICE", completionCandidates = ServiceNames.class, description = "One of: ${COMPLETION-CANDIDATES}")
    String service;

    @Option(names = "--from-env", description = "Store the values of the service's variables as set in the environment now, asking nothing.")
    boolean fromEnv;

    @Option(names = "--no-check", description = "Store without asking the service's API first (offline, or an API URL not reachable from here).")
    boolean noCheck;

    static final class ServiceNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return ManagedServices.NAMES.iterator();
        }
    }

    @Override
    public Integer call() throws IOException {
        Context ctx = parent.context();
        ManagedService m = ctx.instances().managed(service).orElseThrow(() -> ScaleException.usage(
                "'" + service + "' is not a managed service scale knows", "use one of: " + String.join(", ", ManagedServices.NAMES)));
        Map<String, String> values = new LinkedHashMap<>();
        BufferedReader stdin = null;
        for (ManagedService.Credential c : m.credentials()) {
            String value;
            if (fromEnv) {
                value = ctx.env().get(c.variable());
                if (value == null || value.isBlank()) {
                    throw ScaleException.usage(c.variable() + " is not set, so --from-env has nothing to store", "export it, or leave out --from-env");
                }
            } else if (System.console() != null && ctx.terminal()) {
                ctx.err().print(c.prompt() + " [" + c.variable() + "]: ");
                ctx.err().flush();
                value = c.secret() ? new String(System.console().readPassword()) : System.console().readLine();
            } else {
                stdin = stdin != null ? stdin : new BufferedReader(new InputStreamReader(ctx.in(), StandardCharsets.UTF_8));
                value = stdin.readLine();
            }
            if (value == null || value.isBlank()) {
                throw ScaleException.usage("no value given for " + c.variable(), "give one line per credential: "
                        + String.join(", ", m.credentials().stream().map(ManagedService.Credential::variable).toList()));
            }
            values.put(c.variable(), value.strip());
        }
        if (!noCheck) {
            Map<String, String> env = new HashMap<>(ctx.env());
            env.putAll(values);
            ManagedService fresh = ManagedServices.all(ctx.dirs(), ctx.kinds(), env, ctx.clock(), dev.scale.providers.managed.Reaper.none(ctx.clock())).stream()
                    .filter(s -> s.name().equals(service)).findFirst().orElseThrow();
            try {
                ctx.info(fresh.check());
            } catch (ServiceApi.Refused refused) {
                throw refused.status == 401 || refused.status == 403
                        ? ScaleException.environment(m.service() + " refused these credentials, so they were not stored", "check them and log in again", null)
                        : refused;
            }
        }
        Credentials store = new Credentials(ctx.dirs());
        store.store(values);
        ctx.info("stored " + String.join(", ", values.keySet()) + " in " + store.file() + " (0600)");
        return 0;
    }
}
