package dev.scale.cli.shell.memcached;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scale.cli.Main;
import dev.scale.cli.Run;
import dev.scale.cli.Tmux;
import dev.scale.providers.RequireDocker;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * memcached through every command, on real servers: the CI image (Debian's memcached, with the official
 * image's user, entrypoint and command) under Docker, and the installed memcached under the embedded provider.
 */
class MemcachedCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    record Result(int code, String out, String err) {
    }

    private Map<String, String> env() {
        return Run.env(home);
    }

    private Result scale(Map<String, String> env, String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        InputStream in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        int code = Main.run(args, in, new PrintWriter(out, true), new PrintWriter(err, true), env, false);
        return new Result(code, out.toString(), err.toString());
    }

    private Result scale(String... args) {
        return scale(env(), "", args);
    }

    /** The provider's prerequisite: an engine, or an installed memcached. In CI a missing one fails, never skips. */
    private static void require(String provider) {
        if (provider.equals("docker")) {
            RequireDocker.engine();
            return;
        }
        boolean installed = Files.isExecutable(Path.of("/usr/bin/memcached")) || Files.isExecutable(Path.of("/usr/local/bin/memcached"));
        if (!installed && "true".equals(System.getenv("CI"))) {
            fail("CI=true but memcached is not installed; .ci/run installs it");
        }
        assumeTrue(installed, "no memcached installed");
    }

    /** One text-protocol exchange with the server, as any client would have it. */
    private static String exchange(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write((request + "quit\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "embedded"})
    void upGivesTheContractOfARealMemcachedOnLoopbackAndDownLeavesNothing(String provider) throws Exception {
        require(provider);
        Result up = scale("up", "memcached", "--provider", provider, "--name", "mc-" + provider, "--output", "json");
        assertThat(up.code()).as(up.err()).isZero();
        JsonNode i = JSON.readTree(up.out()).get(0);
        int port = i.get("port").asInt();
        assertThat(i.get("kind").asText()).isEqualTo("memcached");
        assertThat(i.get("host").asText()).isEqualTo("127.0.0.1");
        assertThat(i.get("url").asText()).isEqualTo("memcached://127.0.0.1:" + port);
        assertThat(i.get("env").get("MEMCACHED_URL").asText()).isEqualTo("memcached://127.0.0.1:" + port);
        assertThat(i.get("env").get("MEMCACHED_HOST").asText()).isEqualTo("127.0.0.1");
        assertThat(i.get("env").get("MEMCACHED_PORT").asText()).isEqualTo(Integer.toString(port));
        assertThat(i.get("env").has("MEMCACHED_PASSWORD")).as("the text protocol has no login").isFalse();
        assertThat(i.get("version").asText()).startsWith("1.6");
        try {
            assertThat(exchange(port, "set k 0 0 5\r\nhello\r\nget k\r\n")).isEqualTo("STORED\r\nVALUE k 0 5\r\nhello\r\nEND\r\n");
            Result ls = scale("ls");
            assertThat(ls.out()).contains("mc-" + provider, "memcached://127.0.0.1:" + port).doesNotContain("****");
            Result env = scale("env", "mc-" + provider);
            assertThat(env.out()).contains("export MEMCACHED_URL='memcached://127.0.0.1:" + port + "'");
            if (provider.equals("embedded")) {
                // bound to loopback only: the server's own settings say so
                assertThat(exchange(port, "stats settings\r\n")).contains("STAT tcpport " + port);
                assertThat(ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
                        .filter(c -> c.matches("\\S*/memcached .*-p " + port + " .*"))).singleElement().asString().contains("-l 127.0.0.1");
            }
        } finally {
            assertThat(scale("down", "mc-" + provider).code()).isZero();
        }
        assertThat(scale("ls").out()).contains("no instances");
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains("-p " + port))).isEmpty();
        if (provider.equals("docker")) {
            Process ps = new ProcessBuilder("docker", "ps", "-a", "--filter", "label=dev.scale.name=mc-docker", "-q").start();
            assertThat(new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isBlank();
        }
    }

    @Test
    void tryIsATextProtocolShellAndTheInstanceGoesWithIt() throws Exception {
        require("embedded");
        Map<String, String> env = env();
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        Result r = scale(env, """
                set k hello
                get k
                set n 5 60
                incr n 2
                add n 1
                delete n
                get n
                set "two words" x
                frobnicate
                """, "try", "memcached");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("""
                STORED
                VALUE k 0 5
                hello
                END
                STORED
                7
                NOT_STORED
                DELETED
                END
                ERROR bad key 'two words': 1-250 bytes, no spaces or control characters; usage: set KEY VALUE [TTL-SECONDS]
                ERROR unknown command 'frobnicate'; commands: add, append, cas, decr, delete, flush_all, get, gets, incr, prepend, replace, set, stats, touch, version
                """);
        assertThat(scale(env, "", "ls").out()).contains("no instances");
    }

    @Test
    void runHandsTheVariablesToAClientOfAnotherEcosystemAfterLoadingTheInitFile() throws Exception {
        require("embedded");
        boolean libmemcached = Files.isExecutable(Path.of("/usr/bin/memccat"));
        if (!libmemcached && "true".equals(System.getenv("CI"))) {
            fail("CI=true but libmemcached-tools is not installed; .ci/run installs it");
        }
        assumeTrue(libmemcached, "no memccat (libmemcached-tools)");
        Path init = Files.writeString(home.resolve("seed.txt"), "# a greeting\nset greeting hello-from-init\n");
        Path seen = home.resolve("seen.txt");
        // libmemcached's C client, with nothing but the contract's variables
        Result r = scale(env(), "", "run", "--with", "memcached", "--init", "memcached=" + init, "--quiet", "--",
                "sh", "-c", "memccat --servers=\"$MEMCACHED_HOST:$MEMCACHED_PORT\" greeting > '" + seen + "'");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(seen).strip()).isEqualTo("hello-from-init");
        assertThat(scale("ls").out()).contains("no instances");
        Path bad = Files.writeString(home.resolve("bad.txt"), "set greeting hi\nadd greeting again\n");
        Result failed = scale(env(), "", "run", "--with", "memcached", "--init", "memcached=" + bad, "--", "true");
        assertThat(failed.code()).isEqualTo(1);
        assertThat(failed.err()).contains("bad.txt:2: NOT_STORED").doesNotContain("\tat ");
        assertThat(scale("ls").out()).contains("no instances");
    }

    @Test
    void probeAndFitMeasureAMemcachedAndTheShellTakesItsUrl() throws Exception {
        require("embedded");
        Map<String, String> env = env();
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        assertThat(scale(env, "", "up", "memcached", "--name", "mc").code()).isZero();
        try {
            String url = JSON.readTree(scale(env, "", "ls", "--output", "json").out()).get(0).get("url").asText();
            Result shell = scale(env, "version\nstats\n", "shell", url);
            assertThat(shell.out()).startsWith("VERSION 1.6").contains("STAT curr_connections");
            Result kv = scale(env, "", "probe", "kv", "--on", "mc", "--duration", "2s", "--warmup", "1s", "--keys", "2000", "--output", "json");
            assertThat(kv.code()).as(kv.err()).isZero();
            JsonNode k = JSON.readTree(kv.out());
            assertThat(k.get("opsPerSecond").asDouble()).isGreaterThan(100);
            assertThat(k.get("errors").asLong()).isZero();
            assertThat(exchange(Integer.parseInt(url.substring(url.lastIndexOf(':') + 1)), "stats\r\n"))
                    .as("the probe removed what it wrote").contains("STAT curr_items 0\r\n");
            Result fit = scale(env, "", "fit", "sessions", "--on", "mc", "--output", "json");
            assertThat(fit.code()).as(fit.err()).isZero();
            JsonNode results = JSON.readTree(fit.out()).get("results");
            Map<String, JsonNode> byRequirement = new HashMap<>();
            results.forEach(r -> byRequirement.put(r.get("requirement").asText(), r));
            JsonNode ttl = byRequirement.get("TTL managed by the DB");
            assertThat(ttl.get("metrics").get("native_ttl").asBoolean()).as("measured: memcached expires keys itself").isTrue();
            assertThat(ttl.get("metrics").get("all_reclaimed").asBoolean()).isTrue();
            JsonNode model = byRequirement.get("K/V model");
            assertThat(model.get("verdict").asText()).isEqualTo("PASS");
            assertThat(byRequirement.get("read on every request").get("metrics").get("valid").asBoolean()).isTrue();
            assertThat(byRequirement.get("high availability").get("verdict").asText()).isEqualTo("N/A");
            results.forEach(r -> {
                if (!r.get("requirement").asText().equals("high availability")) {
                    assertThat(r.get("verdict").asText()).as(r.toString()).isIn("PASS", "FAIL");
                    assertThat(r.get("metrics").size()).as("verdicts come from measurements").isPositive();
                }
            });
        } finally {
            scale(env, "", "down", "mc");
        }
    }

    @Test
    void withoutAnInstalledMemcachedTheEmbeddedProviderSaysHowToGetOne() {
        Map<String, String> env = env();
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        env.put("PATH", home.toString()); // no memcached here
        for (List<String> args : List.of(List.of("up", "memcached", "--provider", "embedded"), List.of("up", "memcached"), List.of("try", "mc"))) {
            Result r = scale(env, "", args.toArray(String[]::new));
            assertThat(r.code()).as(args + ": " + r.err()).isEqualTo(3);
            assertThat(r.err().lines().filter(l -> l.startsWith("scale: ") && !l.contains("using the embedded provider")))
                    .singleElement().asString().contains("memcached has no embedded server here", "apt-get install memcached", "--provider docker");
            assertThat(r.err()).doesNotContain("\tat ");
        }
        assertThat(scale(env, "", "ls").out()).contains("no instances");
    }

    @Test
    void onARealTerminalTheShellCompletesCommandsKeepsHistoryAndCtrlDRemovesTheInstance() throws Exception {
        require("embedded");
        try (Tmux tmux = new Tmux(home)) {
            tmux.start("scale try memcached");
            tmux.waitFor("memcached [memcached]>");
            tmux.type("inc");
            tmux.key("Tab");
            tmux.waitFor("incr");
            tmux.key("C-u");
            tmux.type("set visits 41");
            tmux.key("Enter");
            tmux.waitFor("STORED\nmemcached [memcached]>");
            tmux.type("incr visits");
            tmux.key("Enter");
            tmux.waitFor("42\nmemcached [memcached]>");
            tmux.key("Up"); // history: the last command again
            tmux.key("Enter");
            tmux.waitFor("43\nmemcached [memcached]>");
            tmux.key("C-d");
            tmux.waitFor("scale: removed memcached");
        }
        assertThat(Files.readString(home.resolve("state/history"))).contains("incr visits");
        assertThat(scale("ls").out()).contains("no instances");
    }

    @Test
    void completionOffersMemcachedAndItsShellWords() {
        assertThat(scale("__complete", "up", "mem").out().lines()).containsExactly("memcached");
        assertThat(scale("__complete", "run", "--with", "redis,").out().lines()).contains("redis,memcached");
        assertThat(MemcachedSession.COMMANDS.keySet()).contains("get", "set", "incr", "stats", "delete");
    }
}
