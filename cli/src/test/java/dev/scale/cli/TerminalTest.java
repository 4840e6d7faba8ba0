package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
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
    Tmux tmux;

    @BeforeEach
    void setUp() throws Exception {
        tmux = new Tmux(home);
        bin = tmux.bin();
        session = tmux.session();
    }

    @AfterEach
    void tearDown() throws Exception {
        tmux.close();
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
        tmux.start("scale try redis");
        tmux.waitFor("redis [redis]>");
        tmux.type("PIN");
        tmux.key("Tab");
        tmux.waitFor("PING");
        tmux.key("Enter");
        // the next prompt, not only the reply: a key typed before JLine reads again may be flushed when it re-enters raw mode
        tmux.waitFor("PONG\nredis [redis]>");
        tmux.key("C-d");
        tmux.waitFor("scale: removed redis");
        assertNoInstanceLeft();
    }

    @Test
    void tryPostgresPrintsAQueryAsATableAndCtrlDRemovesTheInstance() throws Exception {
        tmux.start("scale try postgres");
        tmux.waitFor("postgres [postgres]>");
        tmux.type("create table fruit (name text, qty int);");
        tmux.key("Enter");
        tmux.waitFor("CREATE TABLE");
        tmux.type("insert into fruit values ('apple', 3);");
        tmux.key("Enter");
        tmux.waitFor("INSERT 0 1");
        tmux.type("select * from fru");
        tmux.key("Tab");
        tmux.type(";");
        tmux.key("Enter");
        String s = tmux.waitFor("(1 row)");
        assertThat(s).contains(" name  | qty", "-------+-----", " apple |   3");
        tmux.key("C-d");
        tmux.waitFor("scale: removed postgres");
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

    /** JSON on a terminal hides passwords as the table does; --reveal shows them; into a pipe they are there for the program. */
    @Test
    void jsonOnATerminalHidesPasswordsUnlessRevealedAndCarriesThemIntoAPipe() throws Exception {
        assertThat(Run.of(Run.withoutDocker(home), "up", "redis", "--name", "r").code()).isZero();
        try {
            Run piped = Run.of(Run.withoutDocker(home), "ls", "--output", "json");
            String password = new com.fasterxml.jackson.databind.ObjectMapper().readTree(piped.out()).get(0).get("password").asText();
            assertThat(password).as("into a pipe, the program gets the password").hasSizeGreaterThan(8);
            tmux.start("scale ls --output json");
            String hidden = tmux.waitFor("\"ttlEnforcedBy\"");
            assertThat(hidden).contains("\"password\" : \"****\"", "redis://default:****@127.0.0.1:", "\"REDIS_PASSWORD\" : \"****\"")
                    .doesNotContain(password);
            try (Tmux again = new Tmux(home)) {
                again.start("scale ls --output json --reveal");
                assertThat(again.waitFor("\"ttlEnforcedBy\"")).as("--reveal on a terminal").contains("\"password\" : \"" + password + "\"");
            }
        } finally {
            Run.of(Run.withoutDocker(home), "down", "r");
        }
    }

    @Test
    void sigtermToATryRemovesTheInstance() throws Exception {
        tmux.start("scale try redis");
        tmux.waitFor("redis [redis]>");
        long pane = Long.parseLong(Tmux.run("tmux", "list-panes", "-t", session, "-F", "#{pane_pid}").strip());
        ProcessHandle java = ProcessHandle.of(pane).orElseThrow().descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false)).findFirst().orElseThrow();
        java.destroy(); // SIGTERM
        java.onExit().get(30, TimeUnit.SECONDS);
        awaitNoInstanceLeft();
    }

    @Test
    void closingTheTerminalRemovesTheInstance() throws Exception {
        tmux.start("scale try redis");
        tmux.waitFor("redis [redis]>");
        Tmux.run("tmux", "kill-session", "-t", session); // the terminal goes away: SIGHUP
        awaitNoInstanceLeft();
    }

    @Test
    void bashCompletionScriptCompletesCommandsOptionValuesAndLiveInstanceNames() throws Exception {
        Tmux.require("bash");
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
                    "c scale dow",
                    "c scale down ''",
                    "c scale up redis --provider ''",
                    "c scale completion z");
            List<String> command = new ArrayList<>(List.of("env"));
            env.put("PATH", bin + ":" + System.getenv("PATH"));
            env.forEach((k, v) -> command.add(k + "=" + v));
            command.addAll(List.of("bash", "--norc", "-c", probe));
            List<String> lines = Tmux.run(command.toArray(String[]::new)).lines().toList();
            assertThat(lines).containsExactly("down", "bash-one", String.join(" ", dev.scale.providers.lifecycle.Instances.providerNames().stream().sorted().toList()) /* bash sorts them */, "zsh");
        } finally {
            Run.of(env, "down", "bash-one");
        }
    }

    @Test
    void zshCompletionCompletesACommandAndALiveInstanceName() throws Exception {
        Tmux.require("zsh");
        Map<String, String> env = Run.env(home);
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        assertThat(Run.of(env, "up", "redis", "--name", "zsh-one").code()).isZero();
        try {
            tmux.start("zsh -f");
            Thread.sleep(500);
            tmux.type("PS1='zsh> '; autoload -U compinit && compinit -u && source <(scale completion zsh)");
            tmux.key("Enter");
            tmux.waitFor("zsh> ");
            tmux.type("scale dow");
            tmux.key("Tab");
            tmux.waitFor("scale down");
            tmux.type(" zsh-");
            tmux.key("Tab");
            tmux.waitFor("scale down zsh-one");
        } finally {
            Run.of(env, "down", "zsh-one");
        }
    }
}
