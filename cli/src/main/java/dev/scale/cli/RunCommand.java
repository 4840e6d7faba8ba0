package dev.scale.cli;

import dev.scale.cli.context.Context;
import dev.scale.cli.context.ProgressLines;
import dev.scale.cli.context.ShutdownHook;

import dev.scale.cli.shell.Init;
import dev.scale.providers.ConnectionEnv;
import dev.scale.providers.Instance;
import dev.scale.providers.lifecycle.Instances;
import dev.scale.providers.Kind;
import dev.scale.providers.Kinds;
import dev.scale.providers.Names;
import dev.scale.providers.Provider;
import dev.scale.errors.ScaleException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Start datastores, run a command with their connection variables, then remove them.",
                "Exits with the command's exit code (128+N if signal N ended it). SIGINT, SIGTERM and SIGHUP are",
                "passed to the command first; the datastores are removed in every case. If a datastore fails to",
                "start, the command is not run."},
        footer = {"", "Examples:",
                "  scale run --with postgres,redis -- mvn test",
                "  scale run --with postgres --init postgres=schema.sql -- ./integration-tests.sh",
                "  scale run --with redis:7 --provider docker --quiet -- npm test"})
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    ScaleCommand parent;

    @Option(names = "--with", required = true, split = ",", paramLabel = "KIND[:VERSION]", completionCandidates = Datastores.Names.class,
            description = "Datastores to start (${COMPLETION-CANDIDATES}), comma-separated or repeated: postgres,redis:7")
    List<String> with;

    @Option(names = "--init", paramLabel = "KIND=FILE",
            description = "Load FILE first, in the kind's own language: SQL for postgres, one command a line for redis and memcached "
                    + "(scale kinds lists each). KIND may be an instance name.")
    List<String> init = new ArrayList<>();

    @Option(names = "--provider", paramLabel = "PROVIDER", defaultValue = "auto", completionCandidates = ProviderNames.class, description = "${COMPLETION-CANDIDATES}: " + ProviderNames.HELP)
    String provider;

    @picocli.CommandLine.Mixin
    PodSize size;

    @Option(names = "--ttl", paramLabel = "DURATION", description = "Time to live, should scale be killed. Default: 1h, or SCALE_TTL.")
    String ttl;

    @Option(names = {"-q", "--quiet"}, description = "Print only the command's own output (and scale's errors).")
    boolean quiet;

    @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The command and its arguments, after --.")
    List<String> command;

    @Override
    public Integer call() {
        Context ctx = parent.context();
        List<Kinds.Requested> requested = with.stream().map(String::strip).filter(s -> !s.isEmpty()).map(ctx.kinds()::parse).toList();
        if (requested.isEmpty()) {
            throw ScaleException.usage("--with names no datastore", "e.g. --with postgres,redis");
        }
        Duration life = Names.parseTtl(ttl != null ? ttl : ctx.config().defaultTtl());
        Map<String, Path> inits = parseInits(requested);
        Instances instances = ctx.instances();
        Provider chosen = instances.choose(provider, quiet ? note -> { } : ctx::info);
        size.applyTo(chosen);
        List<Instance> started = new ArrayList<>();
        try (var cleanup = ShutdownHook.register("scale-run-cleanup", () -> {
            instances.cancelStarts();
            instances.down(started.stream().map(Instance::name).toList());
        })) {
            try {
                started.addAll(instances.up(requested, null, life, null, chosen,
                        quiet ? dev.scale.providers.Progress.NONE : new ProgressLines(ctx)));
                inits.forEach((key, file) -> Init.load(Datastores.shell(target(key, started).kind()), target(key, started), file));
                Map<String, String> env = new HashMap<>(ctx.env());
                env.putAll(ConnectionEnv.of(started));
                if (!quiet) {
                    ctx.info("running " + String.join(" ", command) + " with " + String.join(", ", ConnectionEnv.of(started).keySet()));
                }
                return Child.run(command, env);
            } finally {
                Map<String, Boolean> removed = instances.down(started.stream().map(Instance::name).toList());
                if (!quiet && !removed.isEmpty()) {
                    ctx.info("removed " + String.join(", ", removed.keySet()));
                }
            }
        }
    }

    /** KIND=FILE pairs, checked before anything starts: the kind is asked for, the file is readable. */
    private Map<String, Path> parseInits(List<Kinds.Requested> requested) {
        Map<String, Path> out = new LinkedHashMap<>();
        for (String pair : init) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw ScaleException.usage("bad --init '" + pair + "'", "use KIND=FILE, e.g. --init postgres=schema.sql");
            }
            String key = pair.substring(0, eq);
            Path file = Path.of(pair.substring(eq + 1));
            if (!Files.isReadable(file)) {
                throw ScaleException.usage("cannot read init file " + file, "give a readable file after " + key + "=");
            }
            out.put(key, file);
        }
        for (String key : out.keySet()) {
            boolean isKind = requested.stream().anyMatch(r -> matches(r.kind(), key));
            if (!isKind && !key.matches("[a-z][a-z0-9-]*")) {
                throw ScaleException.usage("--init names '" + key + "', which is not in --with", "use one of the kinds after --with");
            }
        }
        return out;
    }

    private static boolean matches(Kind kind, String key) {
        return kind.name().equals(key) || kind.aliases().contains(key);
    }

    /** The started instance an --init key means: its name, or its kind when one instance has that kind. */
    private static Instance target(String key, List<Instance> started) {
        for (Instance i : started) {
            if (i.name().equals(key)) {
                return i;
            }
        }
        List<Instance> ofKind = started.stream().filter(i -> matches(i.kind(), key)).toList();
        if (ofKind.size() == 1) {
            return ofKind.get(0);
        }
        throw ScaleException.usage(ofKind.isEmpty() ? "--init names '" + key + "', which is not in --with"
                : "--init " + key + " is ambiguous: " + ofKind.size() + " instances of that kind", "name one of them instead");
    }
}
