package dev.scale.cli;

import dev.scale.cli.context.Context;

import dev.scale.errors.ExitCode;
import dev.scale.errors.Printable;
import dev.scale.errors.ScaleException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** Entry point. {@link #run} is the seam tests use: arguments, writers and environment in, exit code out. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        int code = run(args, out, err, System.getenv(), System.console() != null);
        out.flush();
        err.flush();
        System.exit(code);
    }

    public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env, boolean terminal) {
        return run(args, System.in, out, err, env, terminal);
    }

    public static int run(String[] args, java.io.InputStream in, PrintWriter out, PrintWriter err, Map<String, String> env, boolean terminal) {
        if (HelpText.asked(args, terminal)) {
            String usage = HelpText.stored(terminal && !env.containsKey("NO_COLOR") && CommandLine.Help.Ansi.AUTO.enabled());
            if (usage != null) {
                out.print(usage);
                out.flush();
                return 0;
            }
        }
        Context context = new Context(Datastores.kinds(), in, out, err, env, Clock.systemUTC(), terminal);
        if (args.length > 0 && args[0].equals(CompleteCommand.NAME)) {
            try {
                return new CompleteCommand(context, Arrays.asList(args).subList(1, args.length)).call();
            } catch (RuntimeException e) {
                return ExitCode.FAILURE.code(); // a completion that fails offers nothing, silently
            }
        }
        if (args.length == 1 && args[0].equals(TRAIN)) {
            return train(in, env);
        }
        CommandLine cli = commandLine(context, commandNamed(Arrays.asList(args)));
        try {
            return cli.execute(args);
        } finally {
            context.close(); // the tunnel to a remote engine's API, if one was opened
        }
    }

    /** The launcher's training run for the class-data archive (hidden): see {@link #train}. */
    static final String TRAIN = "__train";

    /**
     * What the launcher runs once per build, in the state and config directories it gives, so that the class-data
     * archive made at this JVM's exit holds the classes scale's everyday commands load: help, ls, env, and an
     * embedded Redis and PostgreSQL started and removed (which also makes the PostgreSQL template in the cache), and ls
     * once more on the user's Docker engine, which it only reads.
     * Its output is discarded; a step that cannot run here (no embedded PostgreSQL on this platform) is skipped.
     */
    private static int train(java.io.InputStream in, Map<String, String> env) {
        PrintWriter discard = new PrintWriter(java.io.Writer.nullWriter());
        // Only what places scale's own directories: no Docker engine (down must never meet the user's containers)
        // and no service credentials (nothing leaves this machine).
        Map<String, String> trainingEnv = new java.util.HashMap<>();
        for (String name : List.of("HOME", "PATH", "SCALE_STATE_DIR", "SCALE_CONFIG_DIR", "SCALE_CACHE_DIR", "XDG_CACHE_HOME", "TMPDIR")) {
            if (env.get(name) != null) {
                trainingEnv.put(name, env.get(name));
            }
        }
        trainingEnv.put("DOCKER_HOST", "unix:///nonexistent/scale-training.sock");
        List<String[]> steps = List.of(new String[] {"--help"}, new String[] {"up", "--help"}, new String[] {"ls"},
                new String[] {"ls", "--output", "json"}, new String[] {"up", "redis", "postgres", "--provider", "embedded", "--ttl", "5m"},
                new String[] {"ls"}, new String[] {"env", "redis", "postgres"}, new String[] {"db", "new", "postgres"},
                new String[] {"down", "redis", "postgres"}, new String[] {"gc"});
        // ls, which only reads, also on the user's own engine, so that the archive holds the Docker client's classes
        Map<String, String> dockerEnv = new java.util.HashMap<>(trainingEnv);
        dockerEnv.remove("DOCKER_HOST");
        for (String name : List.of("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH")) {
            if (env.get(name) != null) {
                dockerEnv.put(name, env.get(name));
            }
        }
        for (String[] step : steps) {
            train(step, in, discard, trainingEnv);
        }
        train(new String[] {"ls"}, in, discard, dockerEnv);
        train(new String[] {"ls", "--output", "json"}, in, discard, dockerEnv);
        return 0;
    }

    private static void train(String[] step, java.io.InputStream in, PrintWriter discard, Map<String, String> env) {
        try {
            run(step, in, discard, discard, env, false);
        } catch (RuntimeException e) {
            // a step that fails still loaded classes; the next one runs
        }
    }

    /** A context on scale's registry, writing to these writers (a seam for tests). */
    public static Context context(PrintWriter out, PrintWriter err, Map<String, String> env, boolean terminal) {
        return new Context(Datastores.kinds(), out, err, env, Clock.systemUTC(), terminal);
    }

    /** The shell for a context, with every kind's part of it from the registry. */
    public static dev.scale.cli.shell.Shell shell(Context context) {
        return new dev.scale.cli.shell.Shell(context, Main::commandLine, Datastores::shell);
    }

    /** scale's whole command tree for a context; the shell's meta commands run through it. */
    public static CommandLine commandLine(Context context) {
        return commandLine(context, ALL);
    }

    /** {@link #commandLine(Context, String)}'s word for every command in full. */
    static final String ALL = "";

    /** The command the words name (their first that is not an option), or null when they name none. */
    static String commandNamed(java.util.List<String> words) {
        return words.stream().filter(w -> !w.startsWith("-")).findFirst().orElse(null);
    }

    /**
     * scale's command tree, with {@code command} (a name or an alias) built in full and every other as its name and
     * description only: enough for the list of commands in help, and for "did you mean". Reading one command's
     * options takes picocli some 15 ms of reflection; sixteen of them were most of scale's start-up
     * (bench/cli-start.sh). {@link #ALL} builds them all; null none.
     */
    static CommandLine commandLine(Context context, String command) {
        CommandLine cli = new CommandLine(new ScaleCommand(context));
        for (Class<?> type : ScaleCommand.COMMANDS) {
            CommandLine.Command a = type.getAnnotation(CommandLine.Command.class);
            if (ALL.equals(command) || a.name().equals(command) || Arrays.asList(a.aliases()).contains(command)) {
                cli.addSubcommand(type);
            } else {
                CommandLine.Model.CommandSpec named = CommandLine.Model.CommandSpec.create().name(a.name()).aliases(a.aliases());
                named.usageMessage().description(a.description()).hidden(a.hidden());
                cli.addSubcommand(a.name(), named);
            }
        }
        if (cli.getSubcommands().get("run").getCommand() instanceof RunCommand) {
            // `scale run … -- mvn -q test` and `scale run … mvn -q test` alike: the command's options are its own.
            cli.getSubcommands().get("run").setStopAtPositional(true);
        }
        CommandLine probe = cli.getSubcommands().get("probe");
        if (probe.getCommand() instanceof ProbeCommand) {
            for (var p : dev.scale.probes.fit.Probes.all()) {
                probe.addSubcommand(p.name(), VerdictProbeCommand.create(context, p));
            }
        }
        cli.setOut(context.out());
        cli.setErr(context.err());
        cli.setColorScheme(CommandLine.Help.defaultColorScheme(
                context.terminal() && !context.env().containsKey("NO_COLOR") ? CommandLine.Help.Ansi.AUTO : CommandLine.Help.Ansi.OFF));
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> report(context, ex, verbose(parseResult)));
        // Libraries log only with --verbose, as picocli parsed it: words after `scale run ... --` are the child's, never scale's.
        cli.setExecutionStrategy(parseResult -> {
            boolean verbose = verbose(parseResult);
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "off");
            System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
            return new CommandLine.RunLast().execute(parseResult);
        });
        cli.setParameterExceptionHandler((ex, args) -> {
            String help = ex.getCommandLine().getCommandSpec().qualifiedName() + " --help";
            context.err().println("scale: " + Printable.line(ex.getMessage()) + " (see '" + help + "')");
            context.err().flush();
            return ExitCode.USAGE.code();
        });
        return cli;
    }

    /** Whether --verbose was given to scale or any of its commands (it is inherited), not to a `run` child. */
    static boolean verbose(CommandLine.ParseResult parseResult) {
        CommandLine.ParseResult top = parseResult;
        while (top != null) {
            if (top.hasMatchedOption("--verbose")) {
                return true;
            }
            top = top.subcommand();
        }
        return false;
    }

    static int report(Context context, Exception ex, boolean verbose) {
        PrintWriter err = context.err();
        if (ex instanceof ScaleException se) {
            err.println("scale: " + se.oneLine());
            if (verbose && se.getCause() != null) {
                se.getCause().printStackTrace(err);
            }
            err.flush();
            return se.exitCode().code();
        }
        err.println("scale: internal error: " + Printable.line(String.valueOf(ex)) + " (run again with --verbose for details)");
        if (verbose) {
            ex.printStackTrace(err);
        }
        err.flush();
        return ExitCode.INTERNAL.code();
    }
}
