package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scale in a real pseudo-terminal (tmux), typed at as a person would, and its completion scripts in
 * real bash and zsh. In CI (CI=true) a missing tmux, bash or zsh is a failure: .ci/run installs them.
 */
class TerminalTest {
    @TempDir
    Path home;
    Path bin;
    String session;

    @BeforeEach
    void setUp() throws Exception {
        require("tmux");
        session = "scale-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 100000;
        // A `scale` on PATH that runs this build, for tmux and for the completion scripts.
        bin = Files.createDirectories(home.resolve("bin"));
        Path scale = bin.resolve("scale");
        Files.writeString(scale, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' -cp '" + System.getProperty("java.class.path") + "' dev.scale.cli.Main \"$@\"\n");
        Files.setPosixFilePermissions(scale, PosixFilePermissions.fromString("rwx------"));
    }

    @AfterEach
    void tearDown() throws Exception {
        run("tmux", "kill-session", "-t", session);
    }

    private static void require(String program) {
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

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(20, TimeUnit.SECONDS);
        return out;
    }

    private void start(String shellCommand) throws Exception {
        run("tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", envPrefix() + " " + shellCommand + "; sleep 60");
    }

    /** Types text literally (tmux would read a trailing ';' as its own separator, hence the escape). */
    private void type(String text) throws Exception {
        run("tmux", "send-keys", "-t", session, "-l", text.endsWith(";") ? text.substring(0, text.length() - 1) + "\\;" : text);
    }

    private void key(String key) throws Exception {
        run("tmux", "send-keys", "-t", session, key);
    }

    private String screen() throws Exception {
        return run("tmux", "capture-pane", "-t", session, "-p");
    }

    private String waitFor(String text) throws Exception {
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

    private void assertNoInstanceLeft() throws Exception {
        Path dir = home.resolve("state/embedded");
        if (Files.exists(dir)) {
            try (var left = Files.list(dir)) {
                assertThat(left.filter(Files::isDirectory)).isEmpty();
            }
        }
    }

    @Test
    void tryRedisCompletesACommandNameWithTabAndCtrlDRemovesTheInstance() throws Exception {
        start("scale try redis");
        waitFor("redis [redis]>");
        type("PIN");
        key("Tab");
        waitFor("PING");
        key("Enter");
        // the next prompt, not only the reply: a key typed before JLine reads again may be flushed when it re-enters raw mode
        waitFor("PONG\nredis [redis]>");
        key("C-d");
        waitFor("scale: removed redis");
        assertNoInstanceLeft();
    }

    @Test
    void tryPostgresPrintsAQueryAsATableAndCtrlDRemovesTheInstance() throws Exception {
        start("scale try postgres");
        waitFor("postgres [postgres]>");
        type("create table fruit (name text, qty int);");
        key("Enter");
        waitFor("CREATE TABLE");
        type("insert into fruit values ('apple', 3);");
        key("Enter");
        waitFor("INSERT 0 1");
        type("select * from fru");
        key("Tab");
        type(";");
        key("Enter");
        String s = waitFor("(1 row)");
        assertThat(s).contains(" name  | qty", "-------+-----", " apple |   3");
        key("C-d");
        waitFor("scale: removed postgres");
        assertNoInstanceLeft();
    }

    private void awaitNoInstanceLeft() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                assertNoInstanceLeft();
                return;
            } catch (AssertionError notYet) {
                Thread.sleep(100);
            }
        }
        assertNoInstanceLeft();
    }

    @Test
    void sigtermToATryRemovesTheInstance() throws Exception {
        start("scale try redis");
        waitFor("redis [redis]>");
        long pane = Long.parseLong(run("tmux", "list-panes", "-t", session, "-F", "#{pane_pid}").strip());
        ProcessHandle java = ProcessHandle.of(pane).orElseThrow().descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false)).findFirst().orElseThrow();
        java.destroy(); // SIGTERM
        java.onExit().get(30, TimeUnit.SECONDS);
        awaitNoInstanceLeft();
    }

    @Test
    void closingTheTerminalRemovesTheInstance() throws Exception {
        start("scale try redis");
        waitFor("redis [redis]>");
        run("tmux", "kill-session", "-t", session); // the terminal goes away: SIGHUP
        awaitNoInstanceLeft();
    }

    @Test
    void bashCompletionScriptCompletesCommandsOptionValuesAndLiveInstanceNames() throws Exception {
        require("bash");
        Path script = home.resolve("scale.bash");
        assertThat(Run.of(Run.env(home), "completion", "bash").code()).isZero();
        Files.writeString(script, Run.of(Run.env(home), "completion", "bash").out());
        Map<String, String> env = Run.env(home);
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        assertThat(Run.of(env, "up", "redis", "--name", "bash-one").code()).isZero();
        try {
            String probe = String.join("\n",
                    "source '" + script + "'",
                    "c() { COMP_WORDS=(\"$@\"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _scale; echo \"${COMPREPLY[*]}\"; }",
                    "c scale do",
                    "c scale down ''",
                    "c scale up redis --provider ''",
                    "c scale completion z");
            List<String> command = new ArrayList<>(List.of("env"));
            env.put("PATH", bin + ":" + System.getenv("PATH"));
            env.forEach((k, v) -> command.add(k + "=" + v));
            command.addAll(List.of("bash", "--norc", "-c", probe));
            List<String> lines = run(command.toArray(String[]::new)).lines().toList();
            assertThat(lines).containsExactly("down", "bash-one", "auto docker embedded", "zsh");
        } finally {
            Run.of(env, "down", "bash-one");
        }
    }

    @Test
    void zshCompletionCompletesACommandAndALiveInstanceName() throws Exception {
        require("zsh");
        Map<String, String> env = Run.env(home);
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        assertThat(Run.of(env, "up", "redis", "--name", "zsh-one").code()).isZero();
        try {
            start("zsh -f");
            Thread.sleep(500);
            type("PS1='zsh> '; autoload -U compinit && compinit -u && source <(scale completion zsh)");
            key("Enter");
            waitFor("zsh> ");
            type("scale dow");
            key("Tab");
            waitFor("scale down");
            type(" zsh-");
            key("Tab");
            waitFor("scale down zsh-one");
        } finally {
            Run.of(env, "down", "zsh-one");
        }
    }
}
