package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `scale probe kv` as a user runs it, on embedded servers. */
class ProbeCommandTest {
    @TempDir
    Path home;

    private Map<String, String> env() {
        Map<String, String> env = Run.env(home);
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        return env;
    }

    private static void oneLine(Run run, int code, String... fragments) {
        assertThat(run.code()).as(run.err()).isEqualTo(code);
        assertThat(run.err().lines().filter(l -> !l.startsWith("scale: [") && !l.contains("embedded provider"))).hasSize(1);
        assertThat(run.err()).contains(fragments).doesNotContain("\tat ");
    }

    @Test
    void badInputGetsOneLineAndTheRightCode() {
        oneLine(Run.of(env(), "probe", "kv", "--on", "nope"), 2, "no running instance, kind or URL");
        oneLine(Run.of(env(), "probe", "kv", "--on", "redis", "--mix", "z"), 2, "unknown mix 'z'");
        oneLine(Run.of(env(), "probe", "kv", "--on", "redis", "--clients", "0"), 2, "--clients must be between");
        oneLine(Run.of(env(), "probe", "kv", "--on", "mysql://h/db"), 2, "unsupported URL scheme");
        oneLine(Run.of(env(), "probe", "kv", "--on", "redis://default:pw@127.0.0.1:1/0", "--duration", "1s"), 3, "cannot reach Redis");
        oneLine(Run.of(env(), "probe", "kv", "--on", "redis://default:pw@127.0.0.1:1/0", "--provider", "docker"), 2,
                "--provider chooses where a disposable instance starts");
    }

    @Test
    void jsonReportOnANamedInstanceLeavesItRunningAndAWrongPasswordIsRefused() throws Exception {
        Map<String, String> env = env();
        assertThat(Run.of(env, "up", "redis", "--name", "target").code()).isZero();
        try {
            Run r = Run.of(env, "probe", "kv", "--on", "target", "--keys", "1000", "--clients", "4", "--duration", "1s",
                    "--warmup", "0s", "--output", "json");
            assertThat(r.code()).as(r.err()).isZero();
            JsonNode json = new ObjectMapper().readTree(r.out());
            assertThat(json.get("probe").asText()).isEqualTo("kv");
            assertThat(json.get("opsPerSecond").asDouble()).isPositive();
            assertThat(json.at("/latency/read/p50").asDouble()).isPositive();
            assertThat(json.at("/latency/update/p999").asDouble()).isPositive();
            assertThat(json.at("/parameters/mix").asText()).isEqualTo("a");
            assertThat(json.at("/parameters/loop").asText()).isEqualTo("closed");
            assertThat(json.get("errors").asLong()).isZero();
            assertThat(json.has("generatorCpu")).isTrue();
            assertThat(json.get("valid").asBoolean()).isTrue();
            assertThat(Run.of(env, "ls").out()).contains("target");

            String password = new ObjectMapper().readTree(Run.of(env, "env", "target", "--format", "json").out()).get("REDIS_PASSWORD").asText();
            String port = new ObjectMapper().readTree(Run.of(env, "env", "target", "--format", "json").out()).get("REDIS_PORT").asText();
            oneLine(Run.of(env, "probe", "kv", "--on", "redis://default:wrong" + password + "@127.0.0.1:" + port + "/0"), 3, "refused the login");
        } finally {
            Run.of(env, "down", "target");
        }
    }

    @Test
    void aKindGetsADisposableInstanceThatIsRemovedAfterwards() {
        Map<String, String> env = env();
        Run r = Run.of(env, "probe", "kv", "--on", "redis", "--keys", "500", "--clients", "2", "--duration", "1s", "--warmup", "0s");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("kv probe on redis", "read", "update", "p99.9", "generator CPU");
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    @Test
    void atomicRmwReportsLostUpdatesAsJsonAndRemovesItsDisposableInstance() throws Exception {
        Map<String, String> env = env();
        Run r = Run.of(env, "probe", "atomic-rmw", "--on", "redis", "--clients", "4", "--increments", "100", "--output", "json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.get("probe").asText()).isEqualTo("atomic-rmw");
        assertThat(json.get("results").findValuesAsText("method")).containsExactly("naive", "incr", "watch-multi");
        assertThat(json.at("/results/1/lostUpdates").asLong()).isZero();
        assertThat(json.at("/results/1/finalCount").asLong()).isEqualTo(400);
        assertThat(Run.of(env, "ls").out()).contains("no instances");
        oneLine(Run.of(env, "probe", "atomic-rmw", "--on", "redis", "--clients", "1"), 2, "--clients must be between 2 and 256");
    }
}
