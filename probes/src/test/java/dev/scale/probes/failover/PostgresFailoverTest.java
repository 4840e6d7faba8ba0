package dev.scale.probes.failover;

import dev.scale.probes.SetTest;
import dev.scale.probes.History;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scale.probes.stores.postgres.PostgresReplicated;
import dev.scale.providers.Config;
import dev.scale.providers.Dirs;
import dev.scale.providers.Instance;
import dev.scale.providers.Progress;
import dev.scale.providers.RequireDocker;
import dev.scale.providers.TestKinds;
import dev.scale.providers.Topology;
import dev.scale.providers.lifecycle.Instances;
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
 * The set test on {@code up postgres --replicas 1 --down-after 1s} on a real engine, driven from the connection contract
 * alone as the probe is, the primary killed with SIGKILL a third of the way through and started again at two thirds:
 * the promoter promotes the replica, writes resume through pgjdbc's multi-host URL, the old primary rejoins as a
 * replica, and whatever was lost is counted, not assumed.
 */
class PostgresFailoverTest {
    @TempDir
    Path home;

    @Test
    void aKilledPrimaryIsReplacedAndTheRunSaysWhatItCost() throws Exception {
        RequireDocker.engine();
        Dirs dirs = new Dirs(home.resolve("state"), home.resolve("config"), home.resolve("cache"));
        Instances instances = new Instances(dirs, Config.load(dirs, System.getenv()), TestKinds.KINDS, System.getenv(), Clock.systemUTC(),
                dev.scale.providers.managed.Reaper.none(Clock.systemUTC()));
        String name = "it-pgfo-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        Instance pg = instances.up(List.of(TestKinds.KINDS.parse("postgres")), name, Duration.ofMinutes(5), null,
                new Topology(1, 0, Duration.ofSeconds(1)), instances.choose("docker", note -> { }), Progress.NONE).get(0);
        Map<String, String> contract = pg.kind().env(pg.endpoint());
        try (PostgresReplicated store = PostgresReplicated.of(contract, (member, fault) -> instances.fault(pg, member, fault))) {
            assertThat(store).as("the contract lists the replica").isNotNull();
            store.awaitWhole(System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
            String victim = store.primary();
            assertThat(victim).isEqualTo(name + "-0");
            History.Analysis a;
            try (SetTest.Target target = store.target(1000, () -> fault(store, victim, Topology.Fault.KILL),
                    () -> fault(store, victim, Topology.Fault.START))) {
                a = SetTest.run(target, 4, 200, 9, 2000).analyse();
            }
            System.out.println("postgres failover (kill): " + a);
            assertThat(a.writes()).isEqualTo(1800);
            assertThat(a.acknowledged() + a.refused() + a.unknown()).isEqualTo(a.writes());
            assertThat(a.acknowledged()).as("most writes went through").isGreaterThan(900);
            assertThat(a.promoteMillis()).as("the promoter promoted the replica after down-after (1 s)").isNotNull().isBetween(900.0, 10_000.0);
            assertThat(a.windowMillis()).as("writes stopped and resumed").isNotNull().isBetween(500.0, 10_000.0);
            assertThat(a.windowMillis()).as("no write acknowledged between the kill and the promotion")
                    .isGreaterThanOrEqualTo(a.promoteMillis() - 250);
            assertThat(a.refusedPresent()).as("a refused write did not happen").isZero();
            assertThat(a.unknownPresent()).isBetween(0, a.unknown());
            assertThat(a.acknowledgedLost()).as("counted, whatever it is").isBetween(0, a.acknowledged());

            store.awaitWhole(System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
            assertThat(store.primary()).as("the replica is the primary now").isEqualTo(name + "-1");
            store.clean();
            try (Connection c = DriverManager.getConnection(contract.get("JDBC_DATABASE_FAILOVER_URL"));
                 ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'scale_failover_%'")) {
                rs.next();
                assertThat(rs.getInt(1)).as("clean drops the run's table").isZero();
            }
        } finally {
            instances.down(List.of(name));
        }
    }

    private static void fault(PostgresReplicated store, String member, Topology.Fault f) {
        try {
            store.fault(member, f);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
