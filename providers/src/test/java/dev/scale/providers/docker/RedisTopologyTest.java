package dev.scale.providers.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerPort;
import dev.scale.providers.Config;
import dev.scale.providers.Dirs;
import dev.scale.providers.Instance;
import dev.scale.providers.Progress;
import dev.scale.providers.RequireDocker;
import dev.scale.providers.TestKinds;
import dev.scale.providers.Topology;
import dev.scale.providers.lifecycle.Instances;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.HostAndPortMapper;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisSentinelPool;

/**
 * {@code up redis --replicas 1 --sentinels 3} on a real engine: the members on a network of their own, only their ports
 * published and on 127.0.0.1, a contract that Jedis's Sentinel pool follows through a failover from outside the
 * network, one instance in {@code ls}, and nothing left by {@code down} or, when the primary's container is gone,
 * by {@code gc}.
 */
class RedisTopologyTest {
    @TempDir
    Path home;
    DockerClient docker;
    Instances instances;
    DockerProvider provider;

    @BeforeEach
    void setUp() {
        docker = RequireDocker.client();
        Dirs dirs = new Dirs(home.resolve("state"), home.resolve("config"), home.resolve("cache"));
        instances = new Instances(dirs, Config.load(dirs, System.getenv()), TestKinds.KINDS, System.getenv(), Clock.systemUTC(),
                dev.scale.providers.managed.Reaper.none(Clock.systemUTC()));
        provider = (DockerProvider) instances.choose("docker", note -> { });
    }

    private static String unique(String base) {
        return base + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
    }

    private List<Container> members(String name) {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of("dev.scale.member-of", name)).exec();
    }

    private List<com.github.dockerjava.api.model.Network> networks(String name) {
        return docker.listNetworksCmd().withFilter("label", List.of("dev.scale.member-of=" + name)).exec();
    }

    /** Jedis's Sentinel pool from the contract alone, mapping the names the Sentinels give to REDIS_HOST_MAP's addresses. */
    private static JedisSentinelPool pool(Map<String, String> env) {
        Map<String, HostAndPort> map = new HashMap<>();
        for (String pair : env.get("REDIS_HOST_MAP").split(",")) {
            String[] kv = pair.split("=");
            map.put(kv[0], HostAndPort.from(kv[1]));
        }
        HostAndPortMapper mapper = hp -> map.getOrDefault(hp.toString(), hp);
        Set<HostAndPort> sentinels = Arrays.stream(env.get("REDIS_SENTINELS").split(",")).map(HostAndPort::from).collect(Collectors.toSet());
        DefaultJedisClientConfig master = DefaultJedisClientConfig.builder().password(env.get("REDIS_PASSWORD"))
                .hostAndPortMapper(mapper).socketTimeoutMillis(1000).connectionTimeoutMillis(1000).build();
        DefaultJedisClientConfig sentinel = DefaultJedisClientConfig.builder().password(env.get("REDIS_PASSWORD")).build();
        return new JedisSentinelPool(env.get("REDIS_SENTINEL_MASTER"), sentinels, master, sentinel);
    }

    @Test
    void aTopologyIsOneInstanceOnItsOwnNetworkThatJedisFollowsThroughAFailoverAndDownRemovesWhole() throws Exception {
        String name = unique("it-ha");
        Instance ha = instances.up(List.of(TestKinds.KINDS.parse("redis")), name, Duration.ofMinutes(10), null,
                new Topology(1, 3, Duration.ofSeconds(1)), provider, Progress.NONE).get(0);
        try {
            List<Container> members = members(name);
            assertThat(members).hasSize(5);
            for (Container c : members) {
                List<ContainerPort> published = Arrays.stream(c.getPorts()).filter(p -> p.getPublicPort() != null).toList();
                assertThat(published).as("one port per member, on loopback only: " + Arrays.toString(c.getNames())).hasSize(1)
                        .allSatisfy(p -> assertThat(p.getIp()).isEqualTo("127.0.0.1"));
            }
            assertThat(networks(name)).hasSize(1);
            assertThat(ha.endpoint().ports()).containsOnlyKeys("server:" + name + "-0", "server:" + name + "-1",
                    "sentinel:" + name + "-s0", "sentinel:" + name + "-s1", "sentinel:" + name + "-s2");
            Map<String, String> env = ha.kind().env(ha.endpoint());
            assertThat(env.get("REDIS_SENTINEL_MASTER")).isEqualTo(name);
            assertThat(env.get("REDIS_SENTINELS").split(",")).hasSize(3).allMatch(s -> s.startsWith("127.0.0.1:"));
            assertThat(env.get("REDIS_HOST_MAP")).isEqualTo(name + "-0:6379=127.0.0.1:" + ha.endpoint().ports().get("server:" + name + "-0")
                    + "," + name + "-1:6379=127.0.0.1:" + ha.endpoint().ports().get("server:" + name + "-1"));
            assertThat(instances.list()).filteredOn(i -> i.name().equals(name)).singleElement()
                    .satisfies(i -> assertThat(i.state()).isEqualTo(Instance.State.RUNNING));

            // Sentinels take the instance's password too
            int sentinelPort = ha.endpoint().ports().get("sentinel:" + name + "-s0");
            try (Jedis anonymous = new Jedis("127.0.0.1", sentinelPort)) {
                assertThatThrownBy(anonymous::ping).hasMessageContaining("NOAUTH");
            }
            try (JedisSentinelPool pool = pool(env)) {
                try (Jedis j = pool.getResource()) {
                    assertThat(j.set("before", "1")).isEqualTo("OK");
                    j.waitReplicas(1, 2000);
                }
                provider.fault(name, name + "-0", Topology.Fault.KILL);
                assertThat(instances.list()).filteredOn(i -> i.name().equals(name)).singleElement()
                        .as("up while a member runs: gc must not take it").satisfies(i -> assertThat(i.state()).isEqualTo(Instance.State.RUNNING));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                String after = null;
                while (after == null && System.nanoTime() < deadline) {
                    try (Jedis j = pool.getResource()) {
                        j.set("after", "2");
                        after = j.get("before");
                    } catch (RuntimeException stillFailingOver) {
                        Thread.sleep(200);
                    }
                }
                assertThat(after).as("the pool wrote to the promoted replica, which had the write made before").isEqualTo("1");
                assertThat(pool.getCurrentHostMaster().toString()).isEqualTo(name + "-1:6379");
                provider.fault(name, name + "-0", Topology.Fault.START);
                assertThat(members(name)).hasSize(5).allMatch(c -> c.getState().equals("running"));
            }
            assertThat(instances.collectable()).noneMatch(c -> c.name().equals(name));
        } finally {
            instances.down(List.of(name));
        }
        assertThat(members(name)).isEmpty();
        assertThat(networks(name)).isEmpty();
    }

    @Test
    void membersLeftWithoutTheirPrimaryAreBrokenAndGcRemovesThemAndTheNetwork() {
        String name = unique("it-ha");
        instances.up(List.of(TestKinds.KINDS.parse("redis")), name, Duration.ofMinutes(10), null, new Topology(1, 0, Topology.DEFAULT_DOWN_AFTER),
                provider, Progress.NONE);
        try {
            assertThat(members(name)).hasSize(2);
            Container head = members(name).stream().filter(c -> c.getLabels().containsKey("dev.scale.topology")).findFirst().orElseThrow();
            docker.removeContainerCmd(head.getId()).withForce(true).exec();
            assertThat(instances.list()).noneMatch(i -> i.name().equals(name));
            assertThat(instances.collectable()).anySatisfy(c -> {
                assertThat(c.name()).isEqualTo(name);
                assertThat(c.why()).contains("primary's container is gone");
            });
            assertThat(instances.gc()).anyMatch(c -> c.name().equals(name));
        } finally {
            instances.down(List.of(name));
        }
        assertThat(members(name)).isEmpty();
        assertThat(networks(name)).isEmpty();
    }

    /** What a failover probe killed mid-fault leaves (a member paused, one cut off, one killed) is undone before the next. */
    @Test
    void faultsLeftByAnInterruptedProbeAreUndoneAndSaidOnce() {
        String name = unique("it-left");
        Instance ha = instances.up(List.of(TestKinds.KINDS.parse("redis")), name, Duration.ofMinutes(5), null,
                new Topology(1, 1, Duration.ofSeconds(5)), provider, Progress.NONE).get(0);
        try {
            assertThat(instances.undoLeftoverFaults(ha)).as("nothing left").isEmpty();
            instances.fault(ha, name + "-1", Topology.Fault.PAUSE);
            instances.fault(ha, name + "-s0", Topology.Fault.CUT);
            instances.fault(ha, name + "-0", Topology.Fault.KILL);
            assertThat(instances.undoLeftoverFaults(ha)).containsExactlyInAnyOrder(name + "-1 was left paused: thawed",
                    name + "-s0 was left cut off the network: put back", name + "-0 was left stopped: started");
            for (Container c : members(name)) {
                var info = docker.inspectContainerCmd(c.getId()).exec();
                assertThat(info.getState().getRunning()).as(c.getNames()[0]).isTrue();
                assertThat(info.getState().getPaused()).as(c.getNames()[0]).isFalse();
                assertThat(info.getNetworkSettings().getNetworks()).as(c.getNames()[0]).hasSize(1)
                        .allSatisfy((net, n) -> assertThat(n.getAliases()).contains(c.getLabels().get("dev.scale.host")));
            }
            assertThat(instances.undoLeftoverFaults(ha)).as("said once").isEmpty();
        } finally {
            instances.down(List.of(name));
        }
        assertThat(members(name)).isEmpty();
    }

    @Test
    void kindsWithoutTopologiesAndProvidersWithoutThemAreRefusedBeforeAnythingStarts() {
        assertThatThrownBy(() -> instances.up(List.of(TestKinds.KINDS.parse("memcached")), null, Duration.ofMinutes(1), null,
                new Topology(1, 0, Topology.DEFAULT_DOWN_AFTER), provider, Progress.NONE))
                .isInstanceOfSatisfying(dev.scale.errors.ScaleException.class,
                        e -> assertThat(e.oneLine()).contains("memcached does not run replicated").contains("--replicas works with redis"));
        assertThatThrownBy(() -> instances.up(List.of(TestKinds.KINDS.parse("redis")), null, Duration.ofMinutes(1), null,
                new Topology(1, 3, Topology.DEFAULT_DOWN_AFTER), instances.embedded(), Progress.NONE))
                .hasMessageContaining("replicated instances run on a Docker engine only, not on embedded");
        assertThatThrownBy(() -> new Topology(0, 3, Topology.DEFAULT_DOWN_AFTER)).hasMessageContaining("--replicas must be 1 to");
    }
}
