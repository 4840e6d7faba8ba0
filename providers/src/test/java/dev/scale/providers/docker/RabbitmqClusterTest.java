package dev.scale.providers.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerPort;
import com.rabbitmq.client.Address;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Config;
import dev.scale.providers.Dirs;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Instance;
import dev.scale.providers.Progress;
import dev.scale.providers.RequireDocker;
import dev.scale.providers.Kinds;
import dev.scale.providers.Topology;
import dev.scale.providers.kinds.rabbitmq.RabbitmqKind;
import dev.scale.providers.lifecycle.Instances;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code up rabbitmq --replicas 2} on a real engine: three nodes that form one cluster by themselves, each publishing
 * AMQP on loopback only; the contract's address list followed by the Java client across a kill -9 of the node leading
 * a quorum queue, with the confirmed message still there; the killed node started again rejoining the cluster; and
 * nothing left after {@code down}.
 */
class RabbitmqClusterTest {
    @TempDir
    Path home;

    @Test
    void threeNodesFormOneClusterAndAQuorumQueueOutlivesItsLeadersNode() throws Exception {
        DockerClient docker = RequireDocker.client();
        Dirs dirs = new Dirs(home.resolve("state"), home.resolve("config"), home.resolve("cache"));
        List<dev.scale.providers.Kind> all = new java.util.ArrayList<>(dev.scale.providers.TestKinds.KINDS.all());
        all.add(new RabbitmqKind());
        Kinds kinds = new Kinds(all);
        Instances instances = new Instances(dirs, Config.load(dirs, System.getenv()), kinds, System.getenv(), Clock.systemUTC(),
                dev.scale.providers.managed.Reaper.none(Clock.systemUTC()));
        DockerProvider provider = (DockerProvider) instances.choose("docker", note -> { });
        String name = "it-rmqha-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));

        assertThatThrownBy(() -> instances.up(List.of(kinds.parse("rabbitmq")), name, Duration.ofMinutes(5), null,
                new Topology(1, 0, Duration.ofSeconds(2)), provider, Progress.NONE))
                .isInstanceOf(ScaleException.class).hasMessageContaining("needs three nodes");

        Instance mq = instances.up(List.of(kinds.parse("rabbitmq")), name, Duration.ofMinutes(5), null,
                new Topology(2, 0, Duration.ofSeconds(2)), provider, Progress.NONE).get(0);
        try {
            List<Container> members = docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of("dev.scale.member-of", name)).exec();
            assertThat(members).extracting(c -> c.getLabels().get("dev.scale.host"))
                    .containsExactlyInAnyOrder(name + "-0", name + "-1", name + "-2");
            for (Container c : members) {
                for (ContainerPort p : c.getPorts()) {
                    if (p.getPublicPort() != null) {
                        assertThat(p.getIp()).as("published on loopback only").isEqualTo("127.0.0.1");
                        assertThat(p.getPrivatePort()).as("AMQP only: Erlang distribution stays on the instance's network").isEqualTo(5672);
                    }
                }
            }
            Map<String, String> env = mq.kind().env(mq.endpoint());
            assertThat(env.get("RABBITMQ_NODES")).isEqualTo("rabbit@" + name + "-0,rabbit@" + name + "-1,rabbit@" + name + "-2");
            List<Endpoint> nodes = new ArrayList<>();
            for (String a : env.get("RABBITMQ_ADDRESSES").split(",")) {
                nodes.add(new Endpoint("127.0.0.1", Integer.parseInt(a.split(":")[1]), "scale", mq.endpoint().password(), "/"));
            }
            assertThat(nodes).hasSize(3);
            assertThat(RabbitmqKind.clustered(nodes)).as("one cluster").isNull();

            // a client of the contract alone: the address list, the login, the virtual host
            ConnectionFactory f = new ConnectionFactory();
            f.setUsername(env.get("RABBITMQ_USER"));
            f.setPassword(env.get("RABBITMQ_PASSWORD"));
            f.setVirtualHost(env.get("RABBITMQ_VHOST"));
            f.setAutomaticRecoveryEnabled(false);
            Address[] addresses = Address.parseAddresses(env.get("RABBITMQ_ADDRESSES"));
            try (Connection c = f.newConnection(addresses)) {
                assertThat(c.getPort()).as("the first address: the first node").isEqualTo(nodes.get(0).port());
                Channel ch = c.createChannel();
                ch.queueDeclare("orders", true, false, false, Map.of("x-queue-type", "quorum"));
                ch.confirmSelect();
                ch.basicPublish("", "orders", null, "before the kill".getBytes(StandardCharsets.UTF_8));
                assertThat(ch.waitForConfirms(10_000)).as("confirmed: a majority has it").isTrue();
            }

            instances.fault(mq, name + "-0", Topology.Fault.KILL);
            long killed = System.nanoTime();
            String got = null;
            while (got == null && System.nanoTime() - killed < 30_000_000_000L) {
                try (Connection c = f.newConnection(addresses)) {
                    assertThat(c.getPort()).as("the dead node skipped").isNotEqualTo(nodes.get(0).port());
                    GetResponse r = c.createChannel().basicGet("orders", true);
                    got = r == null ? null : new String(r.getBody(), StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    Thread.sleep(250);   // the queue's new leader not elected yet
                }
            }
            assertThat(got).as("the confirmed message, from the new leader").isEqualTo("before the kill");
            System.out.printf("rabbitmq cluster: the quorum queue answered %.1f s after its leader's node was killed%n", (System.nanoTime() - killed) / 1e9);
            Instance now = instances.list().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
            assertThat(now.state()).as("up while a node runs").isEqualTo(Instance.State.RUNNING);
            assertThat(now.endpoint().port()).as("RABBITMQ_URL names a node that answers").isEqualTo(nodes.get(1).port());

            instances.fault(mq, name + "-0", Topology.Fault.START);
            long deadline = System.nanoTime() + 120_000_000_000L;
            String why;
            while ((why = RabbitmqKind.clustered(nodes)) != null && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            assertThat(why).as("the killed node, started again, is back in the cluster").isNull();
        } finally {
            instances.down(List.of(name));
        }
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of("dev.scale.member-of", name)).exec()).isEmpty();
        assertThat(docker.listNetworksCmd().withFilter("label", List.of("dev.scale.member-of=" + name)).exec()).isEmpty();
    }
}
