package dev.scale.cli;

import dev.scale.cli.context.Context;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;

@Command(name = "scale",
        mixinStandardHelpOptions = true,
        versionProvider = ScaleCommand.Version.class,
        sortOptions = false,
        description = {"Real datastores in seconds, measured for your use, gone without a trace.", ""},
        footer = {"", "Examples:",
                "  scale try redis                a disposable Redis and a shell on it, gone when the shell ends",
                "  scale up redis postgres        start both, print their connection details",
                "  scale run --with postgres,redis -- mvn test    for CI: start, run, always remove",
                "  eval \"$(scale env redis)\"      export REDIS_URL and friends into this shell",
                "  scale ls                       what is running, and for how long still",
                "  scale down --all               remove everything scale started",
                "", "Exit codes: 0 ok, 1 failure, 2 bad input, 3 environment unavailable, 4 internal error."})
public final class ScaleCommand implements Runnable {
    /** scale's commands, in the order help lists them. Added by {@link Main#commandLine}, in full or as a name and a description. */
    static final java.util.List<Class<?>> COMMANDS = java.util.List.of(TryCommand.class, KindsCommand.class, ShellCommand.class, RunCommand.class,
            ProbeCommand.class, FitCommand.class, UpCommand.class, LsCommand.class, EnvCommand.class, DbCommand.class, RestartCommand.class, DownCommand.class, GcCommand.class,
            CacheCommand.class, DoctorCommand.class, LoginCommand.class, LogoutCommand.class, CompletionCommand.class);

    private final Context context;

    @Option(names = {"-v", "--verbose"}, scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Show stack traces and library logs on errors.")
    boolean verbose;

    public ScaleCommand(Context context) {
        this.context = context;
    }

    Context context() {
        return context;
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** With no command: the shell on a terminal, the usage otherwise. */
    @Override
    public void run() {
        if (context.terminal()) {
            try {
                Main.shell(context).run();
            } catch (java.io.IOException e) {
                throw dev.scale.errors.ScaleException.failure("shell: " + e.getMessage(), e);
            }
            return;
        }
        spec.commandLine().usage(context.out());
    }

    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = ScaleCommand.class.getResourceAsStream("/scale-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"scale " + p.getProperty("version", "dev")};
        }
    }
}
