package dev.scale.providers.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import dev.scale.providers.RequireDocker;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Engine API calls the failover probe's topologies and faults are made of, on a real engine, each checked through
 * docker-java and from inside another container: a network whose members reach each other by name, a member paused and
 * unpaused, cut from the network and connected again, killed with SIGKILL; and nothing left after.
 */
class DockerFaultsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code redis-cli -h HOST ping} run in {@code from}, at most 2 s: its output. */
    private static String ping(DockerClient client, String from, String host) throws Exception {
        String exec = client.execCreateCmd(from).withAttachStdout(true).withAttachStderr(true)
                .withCmd("timeout", "2", "redis-cli", "-h", host, "ping").exec().getId();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        client.execStartCmd(exec).exec(new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame f) {
                out.writeBytes(f.getPayload());
            }
        }).awaitCompletion(10, TimeUnit.SECONDS);
        return out.toString().strip();
    }

    @Test
    void aNetworksMembersReachEachOtherByNameAndEachFaultDoesWhatItSays() throws Exception {
        DockerApi api = RequireDocker.engine().api();
        DockerClient client = RequireDocker.client();
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Map<String, String> labels = Map.of("dev.scale/test", id);
        String network = "scale-test-" + id;
        String image = System.getenv().getOrDefault("SCALE_IMAGE_REDIS", "scale-ci/redis:7.0");
        List<String> made = new ArrayList<>();
        api.createNetwork(network, labels);
        try {
            for (String name : List.of("a", "b")) {
                ObjectNode body = JSON.createObjectNode().put("Image", image);
                body.putArray("Cmd").add("redis-server").add("--protected-mode").add("no");
                body.putObject("Labels").put("dev.scale/test", id);
                body.putObject("HostConfig").put("NetworkMode", network);
                String c = api.create(network + "-" + name, body);
                made.add(c);
                api.start(c);
            }
            String a = network + "-a";
            String b = made.get(1);
            assertThat(api.networks(labels)).hasSize(1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!ping(client, b, a).equals("PONG") && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(ping(client, b, a)).as("b reaches a by its name").isEqualTo("PONG");

            api.pause(made.get(0));
            assertThat(client.inspectContainerCmd(made.get(0)).exec().getState().getPaused()).isTrue();
            assertThat(ping(client, b, a)).as("a paused answers nothing").isEmpty();
            api.unpause(made.get(0));
            assertThat(ping(client, b, a)).isEqualTo("PONG");

            api.disconnect(network, made.get(0));
            assertThat(client.inspectContainerCmd(made.get(0)).exec().getNetworkSettings().getNetworks()).doesNotContainKey(network);
            assertThat(ping(client, b, a)).as("a cut from the network is not found").isNotEqualTo("PONG");
            api.connect(network, made.get(0), List.of());
            assertThat(ping(client, b, a)).isEqualTo("PONG");

            api.kill(made.get(0), "KILL");
            var state = client.inspectContainerCmd(made.get(0)).exec().getState();
            assertThat(state.getRunning()).isFalse();
            assertThat(state.getExitCodeLong()).isEqualTo(137L);
        } finally {
            for (String c : made) {
                api.remove(c);
            }
            api.removeNetwork(network);
        }
        assertThat(api.networks(labels)).isEmpty();
        assertThat(client.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec()).isEmpty();
    }
}
