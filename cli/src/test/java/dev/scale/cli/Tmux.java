package dev.scale.cli;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real pseudo-terminal for tests: tmux running this build's scale (a `scale` on PATH in {@link #bin}), typed
 * at as a person would, its screen read back. In CI (CI=true) a missing tmux is a failure: .ci/run installs it.
 */
public final class Tmux implements AutoCloseable {
    private final Path home;
    private final Path bin;
    private final String session;

    public Tmux(Path home) throws IOException {
        require("tmux");
        this.home = home;
        this.session = "scale-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 100000;
        // A `scale` on PATH that runs this build, for tmux and for the completion scripts.
        this.bin = Run.launcher(home).getParent();
    }

    public Path bin() {
        return bin;
    }

    public String session() {
        return session;
    }

    /** The program is on PATH; else the test fails in CI and is skipped elsewhere. */
    public static void require(String program) {
        boolean found = false;
        for (String dir : System.getenv("PATH").split(":")) {
            found |= Files.isExecutable(Path.of(dir, program));
        }
        if (!found && "true".equals(System.getenv("CI"))) {
            fail(program + " is not installed; .ci/run must install it");
        }
        assumeTrue(found, program + " is not installed");
    }

    private String envPrefix() {
        Map<String, String> env = Run.env(home);
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        env.put("PATH", bin + ":" + System.getenv("PATH"));
        env.put("TERM", "xterm-256color");
        StringBuilder b = new StringBuilder("env");
        env.forEach((k, v) -> b.append(' ').append(k).append("='").append(v.replace("'", "'\\''")).append('\''));
        return b.toString();
    }

    public static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(20, TimeUnit.SECONDS);
        return out;
    }

    /** Runs a shell command in a new 120x40 terminal, with scale's state in the test's home and no Docker engine. */
    public void start(String shellCommand) throws Exception {
        run("tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", envPrefix() + " " + shellCommand + "; sleep 60");
    }

    /** Types text literally (tmux would read a trailing ';' as its own separator, hence the escape). */
    public void type(String text) throws Exception {
        run("tmux", "send-keys", "-t", session, "-l", text.endsWith(";") ? text.substring(0, text.length() - 1) + "\\;" : text);
    }

    public void key(String key) throws Exception {
        run("tmux", "send-keys", "-t", session, key);
    }

    public String screen() throws Exception {
        return run("tmux", "capture-pane", "-t", session, "-p");
    }

    public String waitFor(String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
        String s = "";
        while (System.nanoTime() < deadline) {
            s = screen();
            if (s.contains(text)) {
                return s;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("'" + text + "' never appeared; screen:\n" + s);
    }

    @Override
    public void close() throws Exception {
        run("tmux", "kill-session", "-t", session);
    }
}
