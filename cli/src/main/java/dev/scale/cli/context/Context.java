package dev.scale.cli.context;

import dev.scale.providers.Config;
import dev.scale.providers.Dirs;
import dev.scale.providers.Kinds;
import dev.scale.providers.lifecycle.Instances;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;

/** What every command works with: its writers, the environment, and the services. Passed, never global. */
public final class Context {
    private final PrintWriter out;
    private final PrintWriter err;
    private final Map<String, String> env;
    private final Clock clock;
    private final boolean terminal;
    private final java.io.InputStream in;
    private final Kinds kinds;
    private Instances instances;
    private Config config;
    private Dirs dirs;

    /** @param kinds every kind scale knows: the CLI's registry */
    public Context(Kinds kinds, PrintWriter out, PrintWriter err, Map<String, String> env, Clock clock, boolean terminal) {
        this(kinds, System.in, out, err, env, clock, terminal);
    }

    public Context(Kinds kinds, java.io.InputStream in, PrintWriter out, PrintWriter err, Map<String, String> env, Clock clock, boolean terminal) {
        this.kinds = kinds;
        this.in = in;
        this.out = out;
        this.err = err;
        this.env = env;
        this.clock = clock;
        this.terminal = terminal;
    }

    /** The same environment and services, writing elsewhere (the shell's terminal). */
    public Context withWriters(PrintWriter newOut, PrintWriter newErr) {
        Context c = new Context(kinds, in, newOut, newErr, env, clock, terminal);
        c.instances = instances();
        c.config = config;
        c.dirs = dirs;
        return c;
    }

    public java.io.InputStream in() { return in; }
    public Kinds kinds() { return kinds; }
    public PrintWriter out() { return out; }
    public PrintWriter err() { return err; }
    public Map<String, String> env() { return env; }
    public Clock clock() { return clock; }
    /** Whether stderr is an interactive terminal (progress may redraw; colour allowed unless NO_COLOR). */
    public boolean terminal() { return terminal; }

    public synchronized Dirs dirs() {
        if (dirs == null) {
            dirs = Dirs.fromEnv(env);
        }
        return dirs;
    }

    public synchronized Config config() {
        if (config == null) {
            config = Config.load(dirs(), env);
        }
        return config;
    }

    /** Lets go of what this command opened to reach its engine (the SSH tunnel to a remote one's API). */
    public synchronized void close() {
        if (instances != null) {
            instances.close();
        }
    }

    public synchronized Instances instances() {
        if (instances == null) {
            instances = new Instances(dirs(), config(), kinds, env, clock, new dev.scale.providers.managed.Reaper(self(), clock));
        }
        return instances;
    }

    /** The CLI's entry point, named rather than imported: cli.context must not depend on cli (ArchitectureTest). */
    static final String MAIN = "dev.scale.cli.Main";

    /** How to run this scale again in a process of its own (a reaper): this JVM, its class path, and the CLI's main class. */
    private static java.util.List<String> self() {
        String jvm = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return java.util.List.of(jvm, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                MAIN);
    }

    /** A diagnostic line on stderr. */
    public void info(String message) {
        err.println("scale: " + message);
        err.flush();
    }
}
