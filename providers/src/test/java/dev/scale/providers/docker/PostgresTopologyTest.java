package dev.scale.providers.docker;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code up postgres --replicas 1} on a real engine: its members, its network, what it publishes, the replica streaming,
 * the contract's multi-host URL followed by psql (libpq) across a kill of the primary, the old primary started again
 * rejoining as a replica rather than as a second primary, and nothing left after {@code down}.
 */
class PostgresTopologyTest {
    @TempDir
    Path home;

    /** psql (the host's postgresql-client) with {@code url}, one statement: its output, or its error. */
    private static String psql(String url, String sql) throws Exception {
        Process p = new ProcessBuilder("psql", url, "-XtAc", sql).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor(20, TimeUnit.SECONDS);
        return out;
    }

    private static String until(String url, String sql, String expected, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String got;
        while (!(got = psql(url, sql)).equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }
        return got;
    }

    @Test
    void aPrimaryAStreamingReplicaAndAPromoterThatAMultiHostUrlFollowsAcrossAKill() throws Exception {
        DockerClient docker = RequireDocker.client();
        Dirs dirs = new Dirs(home.resolve("state"), home.resolve("config"), home.resolve("cache"));
        Instances instances = new Instances(dirs, Config.load(dirs, System.getenv()), TestKinds.KINDS, System.getenv(), Clock.systemUTC(),
                dev.scale.providers.managed.Reaper.none(Clock.systemUTC()));
        DockerProvider provider = (DockerProvider) instances.choose("docker", note -> { });
        String name = "it-pgha-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        Topology topology = new Topology(1, 0, Duration.ofSeconds(1));
        Instance pg = instances.up(List.of(TestKinds.KINDS.parse("postgres")), name, Duration.ofMinutes(5), null, topology, provider, Progress.NONE).get(0);
        try {
            List<Container> members = docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of("dev.scale.member-of", name)).exec();
            assertThat(members).extracting(c -> c.getLabels().get("dev.scale.host"))
                    .containsExactlyInAnyOrder(name + "-0", name + "-1", name + "-promoter");
            for (Container c : members) {
                for (ContainerPort p : c.getPorts()) {
                    if (p.getPublicPort() != null) {
                        assertThat(p.getIp()).as("published on loopback only").isIn("127.0.0.1");
                    }
                }
            }
            assertThat(members.stream().filter(c -> c.getLabels().get("dev.scale.host").endsWith("-promoter")).findFirst().orElseThrow().getPorts())
                    .as("the promoter serves nothing and publishes nothing").allMatch(p -> p.getPublicPort() == null);
            assertThat(docker.listNetworksCmd().withFilter("label", List.of("dev.scale.member-of=" + name)).exec()).hasSize(1);
            assertThat(pg.endpoint().ports()).containsOnlyKeys("server:" + name + "-0", "server:" + name + "-1");

            Map<String, String> env = pg.kind().env(pg.endpoint());
            String failover = env.get("DATABASE_FAILOVER_URL");
            assertThat(failover).contains("127.0.0.1:" + pg.endpoint().ports().get("server:" + name + "-0") + ",127.0.0.1:"
                    + pg.endpoint().ports().get("server:" + name + "-1")).contains("target_session_attrs=read-write");
            assertThat(env.get("JDBC_DATABASE_FAILOVER_URL")).contains("targetServerType=primary").contains("socketTimeout=");
            assertThat(env.get("DATABASE_URL")).as("the first primary").contains(":" + pg.endpoint().port() + "/scale");

            try (Connection c = DriverManager.getConnection(env.get("JDBC_DATABASE_URL"));
                 ResultSet rs = c.createStatement().executeQuery("SELECT application_name, state FROM pg_stat_replication")) {
                assertThat(rs.next()).as("the primary streams to the replica").isTrue();
                assertThat(rs.getString(1) + " " + rs.getString(2)).isEqualTo(name + "-1 streaming");
            }
            assertThat(psql(failover, "SELECT current_setting('cluster_name'), pg_is_in_recovery()")).isEqualTo(name + "-0|f");
            psql(failover, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (1)");
            String replica = "postgresql://scale:" + pg.endpoint().password().reveal() + "@127.0.0.1:" + pg.endpoint().ports().get("server:" + name + "-1") + "/scale";
            assertThat(until(replica, "SELECT count(*) FROM kept", "1", 10)).as("the row reached the replica").isEqualTo("1");

            long killed = System.nanoTime();
            instances.fault(pg, name + "-0", Topology.Fault.KILL);
            assertThat(until(failover, "SELECT current_setting('cluster_name'), pg_is_in_recovery()", name + "-1|f", 30))
                    .as("the promoter promoted the replica, and libpq's multi-host URL reaches it").isEqualTo(name + "-1|f");
            double promotedAfter = (System.nanoTime() - killed) / 1e9;
            assertThat(promotedAfter).as("down-after is 1 s").isBetween(1.0, 15.0);
            assertThat(psql(failover, "INSERT INTO kept VALUES (2) RETURNING id")).startsWith("2");
            int promoted = pg.endpoint().ports().get("server:" + name + "-1");
            Instance now = instances.list().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
            assertThat(now.state()).isEqualTo(Instance.State.RUNNING);
            assertThat(now.endpoint().port()).as("ls and env name the promoted replica").isEqualTo(promoted);
            assertThat(psql(now.kind().env(now.endpoint()).get("DATABASE_URL"), "SELECT pg_is_in_recovery()"))
                    .as("DATABASE_URL follows the failover").isEqualTo("f");

            instances.fault(pg, name + "-0", Topology.Fault.START);
            assertThat(until(failover, "SELECT string_agg(application_name || ' ' || state, ',') FROM pg_stat_replication", name + "-0 streaming", 60))
                    .as("the old primary, started again, rejoined as the new primary's replica").isEqualTo(name + "-0 streaming");
            String old = "postgresql://scale:" + pg.endpoint().password().reveal() + "@127.0.0.1:" + pg.endpoint().port() + "/scale";
            assertThat(psql(old, "SELECT pg_is_in_recovery()")).as("not a second primary").isEqualTo("t");
            assertThat(until(old, "SELECT count(*) FROM kept", "2", 10)).as("it has the write made while it was down").isEqualTo("2");
            System.out.printf("postgres topology: promoted and reached through the multi-host URL %.1f s after the kill%n", promotedAfter);
        } finally {
            instances.down(List.of(name));
        }
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of("dev.scale.member-of", name)).exec()).isEmpty();
        assertThat(docker.listNetworksCmd().withFilter("label", List.of("dev.scale.member-of=" + name)).exec()).isEmpty();
    }
}
