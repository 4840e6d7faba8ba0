package dev.scale.providers.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerPort;
import dev.scale.providers.Config;
import dev.scale.providers.Dirs;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Instance;
import dev.scale.providers.Kind;
import dev.scale.providers.Kinds;
import dev.scale.providers.Progress;
import dev.scale.providers.RequireDocker;
import dev.scale.providers.Topology;
import dev.scale.providers.kinds.redis.RedisKind;
import dev.scale.providers.lifecycle.Instances;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a Couchbase cluster needs of the Docker provider, on a real engine with the redis image (no Couchbase image can
 * be had here): a topology whose members serve on more than one port (a Couchbase node's data, cluster-manager and
 * query ports). Each member publishes each of its ports on 127.0.0.1 only, the kind's {@code form} step is given every
 * member's ports once all run, and {@code ls} and the contract keep them by member ({@code mgmt:NAME-1}).
 */
class TopologyServicePortsTest {
    @TempDir
    Path home;

    /** Redis, as a kind whose replicated members also publish a second port, "extra" (6380: nothing listens there). */
    private static final class ServicesReplication implements Topology.Replication {
        final Topology.Replication redis = new RedisKind().replication();
        final Map<String, Endpoint> formed = new ConcurrentHashMap<>();
        volatile int formCalls;

        @Override
        public List<Topology.Member> members(String instance, Topology topology) {
            List<Topology.Member> out = new ArrayList<>();
            for (Topology.Member m : redis.members(instance, topology)) {
                out.add(m.role() == Topology.Role.SENTINEL ? m
                        : new Topology.Member(m.host(), m.role(), m.port(), m.command(), m.prelude(), Map.of("extra", 6380)));
            }
            return out;
        }

        @Override
        public void form(String instance, Topology topology, Map<Topology.Member, Endpoint> at, long deadline, Progress progress) {
            formCalls++;
            at.forEach((m, e) -> formed.put(m.host(), e));
        }

        @Override
        public void settled(String instance, Topology topology, Map<Topology.Member, Endpoint> at) throws Exception {
            redis.settled(instance, topology, at);
        }
    }

    private static Kind withServices(RedisKind redis, ServicesReplication replication) {
        return (Kind) Proxy.newProxyInstance(Kind.class.getClassLoader(), new Class<?>[] {Kind.class}, (proxy, method, args) -> {
            if (method.getName().equals("replication")) {
                return replication;
            }
            try {
                return method.invoke(redis, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    @Test
    void membersPublishEveryPortOnLoopbackAndTheFormStepAndLsSeeThemByMember() throws Exception {
        DockerClient docker = RequireDocker.client();
        ServicesReplication replication = new ServicesReplication();
        // the managed providers look up their own kinds too: every test kind, redis with its second port
        List<Kind> all = new ArrayList<>(dev.scale.providers.TestKinds.KINDS.all().stream().filter(k -> !k.name().equals("redis")).toList());
        all.add(0, withServices(new RedisKind(), replication));
        Kinds kinds = new Kinds(all);
        Dirs dirs = new Dirs(home.resolve("state"), home.resolve("config"), home.resolve("cache"));
        Instances instances = new Instances(dirs, Config.load(dirs, System.getenv()), kinds, System.getenv(), Clock.systemUTC(),
                dev.scale.providers.managed.Reaper.none(Clock.systemUTC()));
        DockerProvider provider = (DockerProvider) instances.choose("docker", note -> { });
        String name = "it-svc-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        Instance up = instances.up(List.of(kinds.parse("redis")), name, Duration.ofMinutes(10), null,
                new Topology(1, 1, Duration.ofSeconds(1)), provider, Progress.NONE).get(0);
        try {
            assertThat(replication.formCalls).isEqualTo(1);
            assertThat(replication.formed).containsOnlyKeys(name + "-0", name + "-1", name + "-s0");
            Map<String, Integer> extra = Topology.byHost(up.endpoint().ports(), "extra");
            assertThat(extra).containsOnlyKeys(name + "-0", name + "-1"); // the sentinel serves no "extra"
            assertThat(extra.get(name + "-0")).isNotEqualTo(extra.get(name + "-1"));
            for (String member : List.of(name + "-0", name + "-1")) {
                assertThat(replication.formed.get(member).ports()).containsExactly(Map.entry("extra", extra.get(member)));
                assertThat(replication.formed.get(member).port()).isEqualTo(Topology.servers(up.endpoint().ports()).get(member));
            }

            List<Container> members = docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of("dev.scale.member-of", name)).exec();
            assertThat(members).hasSize(3);
            for (Container c : members) {
                List<ContainerPort> published = Arrays.stream(c.getPorts()).filter(p -> p.getPublicPort() != null).toList();
                assertThat(published).allSatisfy(p -> assertThat(p.getIp()).isEqualTo("127.0.0.1"));
                String host = c.getLabels().get("dev.scale.host");
                if (extra.containsKey(host)) {
                    assertThat(published).anySatisfy(p -> {
                        assertThat(p.getPrivatePort()).isEqualTo(6380);
                        assertThat(p.getPublicPort()).isEqualTo(extra.get(host));
                    });
                }
            }

            Instance listed = instances.list().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
            assertThat(Topology.byHost(listed.endpoint().ports(), "extra")).isEqualTo(extra);
            assertThat(Topology.servers(listed.endpoint().ports())).isEqualTo(Topology.servers(up.endpoint().ports()));
        } finally {
            instances.down(List.of(name));
        }
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of("dev.scale.member-of", name)).exec()).isEmpty();
    }
}
