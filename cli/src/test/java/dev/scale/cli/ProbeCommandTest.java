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
        return Run.withoutDocker(home);
    }

    private static void oneLine(Run run, int code, String... fragments) {
        Run.assertOneLine(run, code, fragments);
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
        assertThat(json.at("/parameters/clients").asText()).isEqualTo("4");
        assertThat(json.get("rows").findValuesAsText("method")).containsExactly("naive", "incr", "watch-multi");
        assertThat(json.at("/rows/1/lost").asLong()).isZero();
        assertThat(json.at("/rows/1/final").asLong()).isEqualTo(400);
        assertThat(json.at("/metrics/lossless_methods").asLong()).isEqualTo(2);
        assertThat(Run.of(env, "ls").out()).contains("no instances");
        // bounds are checked before any instance starts
        oneLine(Run.of(env, "probe", "atomic-rmw", "--on", "redis", "--clients", "1"), 2, "--clients must be between 2 and 256");
        oneLine(Run.of(env, "probe", "capacity", "--on", "redis", "--target", "lots"), 2, "--target must be a size such as 64MB");
        oneLine(Run.of(env, "probe", "ttl", "--on", "redis", "--ttl", "1h"), 2, "--ttl must be between 100ms and 10m");
    }

    @Test
    void everyVerdictProbeRunsAsACommandWithItsMetricsAsTheTable() {
        Map<String, String> env = env();
        Run r = Run.of(env, "probe", "relational", "--on", "postgres", "--users", "200", "--repeat", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("relational on postgres", "join_server_side", "true", "lookup_index");
        assertThat(r.err()).contains("loading 200 users");
        Run help = Run.of(env, "probe", "transactions", "--help");
        assertThat(help.out()).contains("--accounts=N", "Metrics (the names a scenario's rules use):", "control_violations");
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    @Test
    void couchbaseGivenByUrlIsProbedAndJudgedAgainstTheTestDouble() throws Exception {
        // CouchbaseMock: a test double for Couchbase's key/value path (see CouchbaseMockServer).
        try (var couchbase = dev.scale.probes.stores.couchbase.CouchbaseMockServer.start()) {
            Map<String, String> env = env();
            Run probe = Run.of(env, "probe", "atomic-rmw", "--on", couchbase.url(), "--clients", "3", "--increments", "100", "-o", "json");
            assertThat(probe.code()).as(probe.err()).isZero();
            JsonNode json = new ObjectMapper().readTree(probe.out());
            assertThat(json.at("/target/kind").asText()).isEqualTo("couchbase");
            assertThat(json.get("rows").findValuesAsText("method")).containsExactly("naive", "counter", "cas-retry");
            assertThat(json.at("/metrics/lossless_methods").asLong()).isEqualTo(2);
            assertThat(probe.out() + probe.err()).doesNotContain(couchbase.endpoint.password().reveal());

            Run kv = Run.of(env, "probe", "kv", "--on", couchbase.url(), "--keys", "200", "--clients", "2", "--duration", "1s", "--warmup", "0s");
            assertThat(kv.code()).as(kv.err()).isZero();
            assertThat(kv.out()).contains("kv probe on 127.0.0.1:", "read", "update");

            Path mine = home.resolve("kv.yaml");
            java.nio.file.Files.writeString(mine, """
                    name: kv
                    requirements:
                      - name: key/value model
                        probe: kv-model
                        params: {max-value: 64KB, ops: 100}
                        pass: [all_checks_pass == true]
                        evidence: "{model}"
                      - name: increments are not lost
                        probe: atomic-rmw
                        params: {clients: 3, increments: 50}
                        pass: [lossless_methods >= 1]
                        evidence: "{best_method}"
                    """);
            Run fit = Run.of(env, "fit", mine.toString(), "--on", couchbase.url(), "--require", couchbase.url());
            assertThat(fit.code()).as(fit.err()).isZero();
            assertThat(fit.out()).contains("PASS · native (documents by key)", "2 PASS, 0 FAIL, 0 N/A · fits");
            // The evidence is the fastest lossless method as measured in this run: on the double, counter and cas-retry
            // are both lossless and either can be faster under load, but never naive.
            assertThat(fit.out()).containsPattern("PASS · (counter|cas-retry)\\b");
            oneLine(Run.of(env, "probe", "ttl", "--on", "couchbase://u:p@127.0.0.1:1"), 2, "names no bucket");
        }
    }
}
