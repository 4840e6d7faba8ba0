package dev.scale.cli;

import dev.scale.cli.context.ProgressLines;
import dev.scale.cli.context.ShutdownHook;

import dev.scale.cli.context.Context;

import dev.scale.cli.shell.Shell;
import dev.scale.providers.Instance;
import dev.scale.providers.lifecycle.Instances;
import dev.scale.providers.Kinds;
import dev.scale.providers.Names;
import dev.scale.providers.Provider;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "try", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Start a disposable instance and open a shell on it; the instance is removed when the shell ends",
                "(exit, Ctrl-D, a closed terminal, SIGTERM; if scale itself is killed, its time to live removes it)."},
        footer = {"", "Examples:",
                "  scale try redis",
                "  scale try postgres:16 --provider docker",
                "  printf 'SET a 1\\nGET a\\n' | scale try redis      scriptable: prints OK and \"1\""})
final class TryCommand implements Callable<Integer> {
    @ParentCommand
    ScaleCommand parent;

    @Parameters(paramLabel = "KIND[:VERSION]", completionCandidates = Datastores.Names.class,
            description = "One of ${COMPLETION-CANDIDATES}; e.g. redis:7.2. See scale kinds.")
    String kind;

    @Option(names = "--name", paramLabel = "NAME", description = "Instance name. Default: the kind, then kind-2, …")
    String name;

    @Option(names = "--ttl", paramLabel = "DURATION", description = "Time to live if scale is killed. Default: 1h, or SCALE_TTL.")
    String ttl;

    @Option(names = "--provider", paramLabel = "PROVIDER", defaultValue = "auto", completionCandidates = ProviderNames.class, description = "${COMPLETION-CANDIDATES}: " + ProviderNames.HELP)
    String provider;

    @picocli.CommandLine.Mixin
    PodSize size;

    @Option(names = "--image", paramLabel = "IMAGE", description = "Docker image to run instead of the official one.")
    String image;

    @Override
    public Integer call() throws IOException {
        Context ctx = parent.context();
        List<Kinds.Requested> requested = List.of(ctx.kinds().parse(kind));
        Datastores.shell(requested.get(0).kind());   // a kind with no shell yet is refused before anything starts
        Duration life = Names.parseTtl(ttl != null ? ttl : ctx.config().defaultTtl());
        Instances.checkRequest(requested, name, image);
        boolean interactive = ctx.terminal();
        Instances instances = ctx.instances();
        Provider chosen = instances.choose(provider, interactive ? ctx::info : note -> { });
        size.applyTo(chosen);
        String[] started = new String[1];
        // SIGTERM, SIGHUP (terminal closed) and Ctrl-C outside the shell end the JVM through its hooks.
        try (var cleanup = ShutdownHook.register("scale-try-cleanup", () -> {
            instances.cancelStarts();
            if (started[0] != null) {
                instances.down(List.of(started[0]));
            }
        })) {
            try {
                Instance instance = instances.up(requested, name, life, image, chosen,
                        interactive ? new ProgressLines(ctx) : dev.scale.providers.Progress.noticesOnly(ctx::info)).get(0);
                started[0] = instance.name();
                Shell shell = Main.shell(ctx);
                if (!shell.use(instance)) {
                    return 1;
                }
                return shell.run();
            } finally {
                if (started[0] != null) {
                    instances.down(List.of(started[0]));
                    if (interactive) {
                        ctx.info("removed " + started[0]);
                    }
                }
            }
        }
    }
}
