package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scale.providers.RequireDocker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Instances listen on 127.0.0.1 only, as the machine's socket table ({@code ss}) shows it, not as the
 * code intends it: every listening TCP or UDP socket on an instance's port, and for embedded servers
 * every one their process holds, is bound to the loopback address.
 */
class LoopbackTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    Map<String, String> env;

    @AfterEach
    void tearDown() {
        if (env != null) {
            Run.of(env, "down", "--all");
        }
    }

    /** Listening sockets, one line each: {@code tcp LISTEN 0 511 127.0.0.1:6379 0.0.0.0:* users:(("redis-server",pid=1,fd=6))}. */
    private static List<String> socketTable() throws IOException, InterruptedException {
        Process ss = new ProcessBuilder("ss", "-H", "-l", "-n", "-t", "-u", "-p").redirectErrorStream(true).start();
        String out = new String(ss.getInputStream().readAllBytes());
        assertThat(ss.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ss.exitValue()).as(out).isZero();
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    private static String localAddress(String line) {
        return line.trim().split("\\s+")[4];
    }

    private List<JsonNode> up(String provider) throws IOException {
        Run up = Run.of(env, "up", "redis", "postgres", "memcached", "--provider", provider);
        assertThat(up.code()).as(up.err()).isZero();
        List<JsonNode> all = new ArrayList<>();
        JSON.readTree(Run.of(env, "ls", "--output", "json").out()).forEach(all::add);
        assertThat(all).hasSize(3);
        return all;
    }

    private static void onlyLoopbackOn(List<String> table, List<JsonNode> instances) {
        for (JsonNode i : instances) {
            int port = i.get("port").asInt();
            List<String> onPort = table.stream().filter(l -> localAddress(l).endsWith(":" + port)).toList();
            assertThat(onPort).as(i.get("name").asText() + " on port " + port + " in\n" + String.join("\n", table)).isNotEmpty();
            assertThat(onPort).allSatisfy(l -> assertThat(localAddress(l)).isEqualTo("127.0.0.1:" + port));
        }
    }

    @Test
    void dockerPublishesEachPortOnLoopbackOnly() throws Exception {
        RequireDocker.engine();
        env = Run.env(home);
        List<JsonNode> instances = up("docker");
        onlyLoopbackOn(socketTable(), instances);
    }

    @Test
    void embeddedServersHoldNoSocketBeyondLoopback() throws Exception {
        env = Run.withoutDocker(home);
        List<JsonNode> instances = up("embedded");
        List<String> table = socketTable();
        onlyLoopbackOn(table, instances);
        for (JsonNode i : instances) {
            String pid = Files.readString(home.resolve("state/embedded").resolve(i.get("name").asText()).resolve("server.pid")).strip();
            List<String> held = table.stream().filter(l -> l.contains("pid=" + pid + ",")).toList();
            assertThat(held).as(i.get("name").asText() + " (pid " + pid + ") in\n" + String.join("\n", table)).isNotEmpty();
            assertThat(held).allSatisfy(l -> assertThat(localAddress(l)).startsWith("127.0.0.1:"));
        }
    }
}
