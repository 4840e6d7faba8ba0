package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scale.providers.RequireDocker;
import dev.scale.providers.docker.DockerApi;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * High availability through the CLI, on a real Docker engine: {@code up redis --replicas 1 --sentinels 3}, a Node.js
 * client (ioredis) that follows a kill -9 of the primary from the contract alone, {@code probe failover} measuring
 * three kills, the {@code fit sessions} high-availability requirement judged from its own measurement, and nothing
 * left by {@code down}.
 */
class FailoverCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();

    @TempDir
    Path home;
    Map<String, String> env;
    DockerApi docker;

    @BeforeEach
    void setUp() {
        docker = RequireDocker.engine().api();
        env = Run.forProvider(home, "docker");
    }

    private Run scale(String... args) {
        return Run.of(env, args);
    }

    /** The instance's connection variables, from {@code scale env NAME}. */
    private Map<String, String> contract(String name) {
        Run e = scale("env", name);
        assertThat(e.code()).as(e.err()).isZero();
        Map<String, String> vars = new HashMap<>();
        e.out().lines().filter(l -> l.startsWith("export ")).forEach(l -> {
            String[] kv = l.substring("export ".length()).split("=", 2);
            vars.put(kv[0], kv[1].replaceAll("^'|'$", ""));
        });
        return vars;
    }

    @Test
    void badTopologiesAreOneLineBeforeAnythingStarts() {
        Run.assertOneLine(scale("up", "redis", "--sentinels", "3"), 2, "--sentinels needs --replicas");
        Run.assertOneLine(scale("up", "redis", "--replicas", "9", "--provider", "docker"), 2, "--replicas must be 1 to 4");
        Run.assertOneLine(scale("up", "memcached", "--replicas", "1", "--provider", "docker"), 2, "memcached does not run replicated");
        Run.assertOneLine(scale("up", "redis", "--replicas", "1", "--down-after", "1s"), 2, "--down-after needs --sentinels");
        Run.assertOneLine(Run.of(Run.withoutDocker(home), "up", "redis", "--replicas", "1", "--provider", "embedded"), 2,
                "replicated instances run on a Docker engine only, not on embedded");
        Run.assertOneLine(scale("probe", "failover", "--on", "redis"), 2, "the failover probe measures a replicated instance",
                "scale up redis --replicas 1 --sentinels 3");
        Run.assertOneLine(scale("probe", "failover", "--on", "postgres"), 2, "the failover probe measures a replicated instance",
                "scale up postgres --replicas 1 --name ha");
        Run.assertOneLine(scale("probe", "failover", "--on", "memcached"), 2,
                "memcached does not run replicated in scale: the failover probe measures redis, postgres");
        assertThat(docker.containers(Map.of("dev.scale.managed", "true"), null)).noneMatch(c -> c.path("Labels").has("dev.scale.member-of")
                && c.path("Labels").path("dev.scale.member-of").asText().startsWith("redis"));
    }

    @Test
    void aSingleServerHasNothingToFailOverTo() {
        String name = "one-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        assertThat(scale("up", "redis", "--name", name).code()).isZero();
        try {
            Run probe = scale("probe", "failover", "--on", name);
            assertThat(probe.code()).as(probe.err()).isZero();
            assertThat(probe.out()).contains("N/A: a single server: nothing to fail over to");
        } finally {
            scale("down", name);
        }
    }

    @Test
    void aRedisTopologyFollowedByNodeMeasuredByTheProbeAndJudgedByFit() throws Exception {
        String name = "ha-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        Run up = scale("up", "redis", "--replicas", "1", "--sentinels", "3", "--down-after", "1s", "--name", name);
        assertThat(up.code()).as(up.err()).isZero();
        try {
            JsonNode ls = JSON.readTree(scale("ls", "--output", "json").out());
            assertThat(ls).filteredOn(i -> i.get("name").asText().equals(name)).singleElement()
                    .satisfies(i -> assertThat(i.get("ports").size()).isEqualTo(5));
            Map<String, String> contract = contract(name);
            assertThat(contract).containsKeys("REDIS_SENTINELS", "REDIS_SENTINEL_MASTER", "REDIS_HOST_MAP", "REDIS_URL");

            followedByNode(name, contract);
            // REDIS_URL follows the primary: the replica promoted by the kill
            String secondPort = contract.get("REDIS_HOST_MAP").replaceAll(".*" + name + "-1:6379=127\\.0\\.0\\.1:(\\d+).*", "$1");
            assertThat(contract(name).get("REDIS_PORT")).isEqualTo(secondPort);
            docker.start("scale-" + name); // the killed first primary, back as a replica

            Run bad = scale("probe", "failover", "--on", name, "--fault", "nuke");
            Run.assertOneLine(bad, 2, "bad --fault 'nuke'", "kill, pause, cut");

            Run probe = scale("probe", "failover", "--on", name, "--duration", "9s", "--runs", "3", "--output", "json");
            assertThat(probe.code()).as(probe.err()).isZero();
            JsonNode m = JSON.readTree(probe.out()).get("metrics");
            JsonNode rows = JSON.readTree(probe.out()).get("rows");
            System.out.println("failover kill x3: " + m);
            assertThat(m.get("runs").asInt()).isEqualTo(3);
            assertThat(rows).hasSize(3);
            assertThat(m.get("promoted_runs").asInt()).as("Sentinel promoted a replica each time").isEqualTo(3);
            assertThat(m.get("recovered").asBoolean()).isTrue();
            // down-after is 1 s: neither the window nor the promotion can be shorter; a stalled failover would be far longer
            assertThat(m.get("window_p50_ms").asLong()).isBetween(1000L, 15_000L);
            assertThat(m.get("window_max_ms").asLong()).isBetween(m.get("window_p50_ms").asLong(), 20_000L);
            assertThat(m.get("promote_p50_ms").asLong()).isBetween(1000L, 15_000L);
            int lost = 0;
            int acknowledged = 0;
            for (JsonNode r : rows) {
                lost += r.get("lost").asInt();
                acknowledged += r.get("acknowledged").asInt();
                assertThat(r.get("writes").asInt()).isEqualTo(1800);
            }
            assertThat(m.get("acknowledged_lost").asInt()).as("the total is the runs' own").isEqualTo(lost);
            assertThat(m.get("acknowledged").asInt()).isEqualTo(acknowledged);
            assertThat(acknowledged).as("writes stopped only for the window").isGreaterThan(3 * 1800 / 2);
            // asynchronous replication: a kill can lose what the replica had not received yet, at most the last moments' writes
            assertThat(lost).isLessThanOrEqualTo(3 * 40);
            assertThat(rows.get(1).get("primary").asText()).as("each run kills whichever member is primary then")
                    .isNotEqualTo(rows.get(0).get("primary").asText());

            // fit's high-availability requirement, as sessions.yaml has it, with 9 s runs instead of 30 s
            String sessions = Files.readString(Path.of("../scenarios/sessions.yaml"));
            String ha = sessions.substring(sessions.indexOf("  - name: high availability"));
            Path scenario = home.resolve("ha.yaml");
            Files.writeString(scenario, "name: ha\ndescription: the high-availability requirement of sessions.yaml\nrequirements:\n"
                    + ha.replace("duration: 30s", "duration: 9s").replace("runs: 3", "runs: 1"));
            Run fit = scale("fit", scenario.toString(), "--on", name, "--output", "json");
            assertThat(fit.code()).as(fit.err()).isIn(0, 1);
            JsonNode cell = JSON.readTree(fit.out()).get("results").get(0);
            JsonNode fm = cell.get("metrics");
            boolean holds = fm.get("recovered").asBoolean() && fm.get("acknowledged_lost").asInt() == 0 && fm.get("window_max_ms").asLong() <= 15_000;
            assertThat(cell.get("verdict").asText()).as(cell.toString()).isEqualTo(holds ? "PASS" : "FAIL");
            assertThat(cell.get("evidence").asText()).contains("window p50 " + fm.get("window_p50_ms").asLong() + " ms");
        } finally {
            Run down = scale("down", name);
            assertThat(down.code()).as(down.err()).isZero();
        }
        assertThat(docker.containers(Map.of("dev.scale.member-of", name), null)).isEmpty();
        assertThat(docker.networks(Map.of("dev.scale.member-of", name))).isEmpty();
    }

    /**
     * No Couchbase image can be had here (no registry): what can be checked through the CLI is that a Couchbase cluster
     * is asked for as the others are, refused in one line where it cannot be, and leaves nothing when its image is
     * missing. Its forming is tested against a REST double (CouchbaseClusterTest), its probe side against CouchbaseMock.
     */
    @Test
    void aCouchbaseClusterIsAskedForAsTheOthersAndAMissingImageLeavesNothing() {
        Run.assertOneLine(scale("up", "couchbase", "--replicas", "2", "--sentinels", "3", "--provider", "docker"), 2, "couchbase runs no watchers");
        Run.assertOneLine(scale("probe", "failover", "--on", "couchbase"), 2, "the failover probe measures a replicated instance",
                "scale up couchbase --replicas 2 --name ha");
        String name = "cb-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        Map<String, String> noImage = new HashMap<>(env);
        noImage.put("SCALE_IMAGE_COUCHBASE", "scale-ci/no-such-couchbase:0");
        Run up = Run.of(noImage, "up", "couchbase", "--replicas", "2", "--name", name, "--provider", "docker");
        Run.assertOneLine(up, 3, "scale-ci/no-such-couchbase:0 is not on this Docker engine");
        assertThat(docker.containers(Map.of("dev.scale.member-of", name), null)).isEmpty();
        assertThat(docker.networks(Map.of("dev.scale.member-of", name))).isEmpty();
    }

    @Test
    void aRabbitmqClusterFollowedByAmqplibMeasuredByTheProbeAndJudgedByFit() throws Exception {
        Run.assertOneLine(scale("up", "rabbitmq", "--replicas", "1", "--provider", "docker"), 2, "needs three nodes", "--replicas 2");
        Run.assertOneLine(scale("up", "rabbitmq", "--replicas", "2", "--sentinels", "3", "--provider", "docker"), 2, "rabbitmq runs no watchers");
        String name = "mq-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        Run up = scale("up", "rabbitmq", "--replicas", "2", "--down-after", "1s", "--name", name);
        assertThat(up.code()).as(up.err()).isZero();
        try {
            Map<String, String> contract = contract(name);
            assertThat(contract).containsKeys("RABBITMQ_ADDRESSES", "RABBITMQ_NODES", "RABBITMQ_URL");
            List<String> ports = java.util.Arrays.stream(contract.get("RABBITMQ_ADDRESSES").split(",")).map(a -> a.split(":")[1]).toList();
            assertThat(ports).hasSize(3);

            // amqplib from the contract alone: a quorum queue outlives the node it was declared on
            requireNodeModule("amqplib");
            ProcessBuilder pb = new ProcessBuilder("node", "cluster.js").directory(NODE_DIR.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
            pb.environment().putAll(contract);
            Process node = pb.start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
                 Writer in = new java.io.OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8)) {
                JsonNode ready = JSON.readTree(out.readLine());
                assertThat(ready.get("ready").asText()).as("the first node").isEqualTo(ports.get(0));
                docker.kill("scale-" + name, "KILL");
                in.write("go\n");
                in.flush();
                JsonNode result = JSON.readTree(out.readLine());
                System.out.println("amqplib through the failover: " + result);
                assertThat(result.get("port").asText()).as("another node").isNotEqualTo(ports.get(0));
                assertThat(result.get("got")).extracting(JsonNode::asText).containsExactly("published before the kill", "published after the kill");
                assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(node.exitValue()).isZero();
            } finally {
                node.destroyForcibly();
            }
            assertThat(contract(name).get("RABBITMQ_PORT")).as("RABBITMQ_URL names a node that answers").isEqualTo(ports.get(1));
            docker.start("scale-" + name);

            // fit's high-availability requirement, as events.yaml has it, with one 12 s run instead of three of 30 s
            String events = Files.readString(Path.of("../scenarios/events.yaml"));
            String ha = events.substring(events.indexOf("  - name: nothing acknowledged lost when a node fails"));
            ha = ha.substring(0, ha.indexOf("\n\n") + 1);
            Path scenario = home.resolve("ha.yaml");
            Files.writeString(scenario, "name: ha\ndescription: the high-availability requirement of events.yaml\nrequirements:\n"
                    + ha.replace("duration: 30s", "duration: 12s").replace("runs: 3", "runs: 1"));
            Run fit = scale("fit", scenario.toString(), "--on", name, "--output", "json");
            assertThat(fit.code()).as(fit.err()).isIn(0, 1);
            JsonNode cell = JSON.readTree(fit.out()).get("results").get(0);
            System.out.println("rabbitmq failover, fit: " + cell);
            JsonNode fm = cell.get("metrics");
            assertThat(fm.get("runs").asInt()).isEqualTo(1);
            assertThat(fm.get("writes").asInt()).isEqualTo(2400);
            assertThat(fm.get("recovered").asBoolean()).as("confirms resumed after the kill").isTrue();
            assertThat(fm.get("window_max_ms").asLong()).as("a new leader, and publishers on another node").isBetween(1L, 15_000L);
            assertThat(fm.get("promote_p50_ms").isNull()).as("AMQP does not say who leads a queue").isTrue();
            boolean holds = fm.get("recovered").asBoolean() && fm.get("acknowledged_lost").asInt() == 0 && fm.get("window_max_ms").asLong() <= 15_000;
            assertThat(cell.get("verdict").asText()).as(cell.toString()).isEqualTo(holds ? "PASS" : "FAIL");
            assertThat(cell.get("evidence").asText()).contains("kills of the leader's node", fm.get("acknowledged").asText() + " confirmed lost");
        } finally {
            Run down = scale("down", name);
            assertThat(down.code()).as(down.err()).isZero();
        }
        assertThat(docker.containers(Map.of("dev.scale.member-of", name), null)).isEmpty();
        assertThat(docker.networks(Map.of("dev.scale.member-of", name))).isEmpty();
    }

    /** Fails in CI, skips elsewhere, when npm ci has not been run in the Node.js test project. */
    private static void requireNodeModule(String module) {
        if (!Files.isDirectory(NODE_DIR.resolve("node_modules/" + module))) {
            String missing = "no " + module + " in " + NODE_DIR + " (run npm ci there)";
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but " + missing + "; .ci/run installs it");
            }
            Assumptions.abort(missing);
        }
    }

    /**
     * ioredis, configured from the contract alone, writes before a kill -9 of the primary's container and again after:
     * it finds the promoted replica through the Sentinels and reaches it through REDIS_HOST_MAP, and the write made
     * before the kill is there.
     */
    private void followedByNode(String name, Map<String, String> contract) throws Exception {
        requireNodeModule("ioredis");
        ProcessBuilder pb = new ProcessBuilder("node", "sentinel.js").directory(NODE_DIR.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(contract);
        Process node = pb.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
             Writer in = new java.io.OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8)) {
            JsonNode ready = JSON.readTree(out.readLine());
            assertThat(ready.get("ready").asText()).isEqualTo(name + "-0");
            docker.kill("scale-" + name, "KILL");
            in.write("go\n");
            in.flush();
            JsonNode result = JSON.readTree(out.readLine());
            System.out.println("ioredis through the failover: " + result);
            assertThat(result.get("before").asText()).isEqualTo("written before the kill");
            assertThat(result.get("after").asText()).isEqualTo("written after the kill");
            assertThat(result.get("primary").asText()).isEqualTo(name + "-1");
            assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(node.exitValue()).isZero();
        } finally {
            node.destroyForcibly();
        }
    }
}
