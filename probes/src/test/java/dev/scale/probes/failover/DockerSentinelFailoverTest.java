package dev.scale.probes.failover;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.scale.probes.stores.redis.RedisSentinelTarget;
import dev.scale.providers.Endpoint;
import dev.scale.providers.RequireDocker;
import dev.scale.providers.Secret;
import dev.scale.providers.docker.DockerApi;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * What the provider's Redis topology will be, built here by hand on a real engine: a primary, a replica and three
 * Sentinels on a network of their own, reaching each other by container name, with only their ports published on
 * 127.0.0.1; a client outside that follows the Sentinels through those ports by mapping the names they give. The
 * primary is killed (SIGKILL through the Engine API) a third of the way through and started again at two thirds.
 */
class DockerSentinelFailoverTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String run(DockerApi api, String network, String name, String image, List<String> cmd, int port, Map<String, String> labels) {
        ObjectNode body = JSON.createObjectNode().put("Image", image).put("Hostname", name);
        var c = body.putArray("Cmd");
        cmd.forEach(c::add);
        body.putObject("ExposedPorts").putObject(port + "/tcp");
        ObjectNode l = body.putObject("Labels");
        labels.forEach(l::put);
        ObjectNode host = body.putObject("HostConfig").put("NetworkMode", network);
        host.putObject("PortBindings").putArray(port + "/tcp").addObject().put("HostIp", "127.0.0.1").put("HostPort", "");
        String id = api.create(name, body);
        api.start(id);
        return id;
    }

    private static int published(DockerApi api, String id, int port) {
        JsonNode b = api.inspect(id).path("NetworkSettings").path("Ports").path(port + "/tcp").get(0);
        assertThat(b.path("HostIp").asText()).as("published on loopback only").isEqualTo("127.0.0.1");
        return b.path("HostPort").asInt();
    }

    @Test
    void aClientOutsideTheNetworkFollowsTheSentinelsThroughAKillOfThePrimary() throws Exception {
        DockerApi api = RequireDocker.engine().api();
        String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Map<String, String> labels = Map.of("dev.scale/test", tag);
        String net = "scale-ha-" + tag;
        String image = System.getenv().getOrDefault("SCALE_IMAGE_REDIS", "scale-ci/redis:7.0");
        String pw = "pw-" + tag;
        List<String> made = new ArrayList<>();
        api.createNetwork(net, labels);
        try {
            String p = net + "-0";
            String r = net + "-1";
            made.add(run(api, net, p, image, List.of("redis-server", "--requirepass", pw, "--masterauth", pw, "--replica-announce-ip", p,
                    "--save", "", "--appendonly", "no"), 6379, labels));
            made.add(run(api, net, r, image, List.of("redis-server", "--requirepass", pw, "--masterauth", pw, "--replica-announce-ip", r,
                    "--replicaof", p, "6379", "--save", "", "--appendonly", "no"), 6379, labels));
            List<Endpoint> sentinels = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String conf = String.join("\\n", "port 26379", "sentinel resolve-hostnames yes", "sentinel announce-hostnames yes",
                        "sentinel monitor m " + p + " 6379 2", "sentinel auth-pass m " + pw, "sentinel down-after-milliseconds m 1000",
                        "sentinel failover-timeout m 5000", "sentinel announce-ip " + net + "-s" + i);
                String id = run(api, net, net + "-s" + i, image, List.of("sh", "-c", "printf '" + conf + "\\n' > /tmp/sentinel.conf && exec redis-server /tmp/sentinel.conf --sentinel"),
                        26379, labels);
                made.add(id);
                sentinels.add(new Endpoint("127.0.0.1", published(api, id, 26379), null, null, null));
            }
            Map<String, String> outside = new HashMap<>();
            outside.put(p + ":6379", "127.0.0.1:" + published(api, made.get(0), 6379));
            outside.put(r + ":6379", "127.0.0.1:" + published(api, made.get(1), 6379));
            Thread.sleep(4000); // the replica synced, the Sentinels found each other
            String primaryId = made.get(0);
            try (RedisSentinelTarget target = new RedisSentinelTarget(sentinels, "m", Secret.of(pw), 500,
                    () -> {
                        api.kill(primaryId, "KILL");
                        return null;
                    },
                    () -> {
                        api.start(primaryId);
                        // Docker gives a started container a new published port: the map follows it
                        outside.put(p + ":6379", "127.0.0.1:" + published(api, primaryId, 6379));
                        return null;
                    },
                    a -> outside.getOrDefault(a, a))) {
                History.Analysis a = SetTest.run(target, 2, 200, 9, 3000).analyse();
                System.out.println("docker failover: " + a);
                assertThat(a.writes()).isEqualTo(1800);
                assertThat(a.acknowledged() + a.refused() + a.unknown()).isEqualTo(a.writes());
                assertThat(a.acknowledged()).as("most writes went through").isGreaterThan(900);
                assertThat(a.promoteMillis()).as("Sentinel promoted the replica after down-after (1 s)").isNotNull().isBetween(900.0, 10_000.0);
                assertThat(a.windowMillis()).as("writes stopped and resumed").isNotNull().isBetween(900.0, 10_000.0);
                assertThat(a.refusedPresent()).isZero();
            }
        } finally {
            for (String id : made) {
                api.remove(id);
            }
            api.removeNetwork(net);
        }
        assertThat(api.networks(labels)).isEmpty();
    }
}
