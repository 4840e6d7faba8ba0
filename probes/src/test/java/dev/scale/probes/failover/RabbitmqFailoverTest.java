package dev.scale.probes.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scale.probes.History;
import dev.scale.probes.SetTest;
import dev.scale.probes.stores.rabbitmq.RabbitmqReplicated;
import dev.scale.providers.Config;
import dev.scale.providers.Dirs;
import dev.scale.providers.Instance;
import dev.scale.providers.Kinds;
import dev.scale.providers.Progress;
import dev.scale.providers.RequireDocker;
import dev.scale.providers.Topology;
import dev.scale.providers.kinds.rabbitmq.RabbitmqKind;
import dev.scale.providers.lifecycle.Instances;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The set test on {@code up rabbitmq --replicas 2 --down-after 1s} on a real engine, driven from the connection contract
 * alone as the probe is: a quorum queue led by the first node, that node killed with SIGKILL a third of the way through
 * and started again at two thirds. Publishers move to another node, the queue elects a new leader, the killed node
 * rejoins, and every confirmed message is read back, or counted as lost.
 */
class RabbitmqFailoverTest {
    @TempDir
    Path home;

    @Test
    void aKilledLeadersNodeIsReplacedAndTheRunSaysWhatItCost() throws Exception {
        RequireDocker.engine();
        Dirs dirs = new Dirs(home.resolve("state"), home.resolve("config"), home.resolve("cache"));
        List<dev.scale.providers.Kind> all = new java.util.ArrayList<>(dev.scale.providers.TestKinds.KINDS.all());
        all.add(new RabbitmqKind());
        Kinds kinds = new Kinds(all);
        Instances instances = new Instances(dirs, Config.load(dirs, System.getenv()), kinds, System.getenv(), Clock.systemUTC(),
                dev.scale.providers.managed.Reaper.none(Clock.systemUTC()));
        String name = "it-rmqfo-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        Instance mq = instances.up(List.of(kinds.parse("rabbitmq")), name, Duration.ofMinutes(5), null,
                new Topology(2, 0, Duration.ofSeconds(1)), instances.choose("docker", note -> { }), Progress.NONE).get(0);
        Map<String, String> contract = mq.kind().env(mq.endpoint());
        try (RabbitmqReplicated store = RabbitmqReplicated.of(contract, (member, fault) -> instances.fault(mq, member, fault))) {
            assertThat(store).as("the contract lists the nodes").isNotNull();
            store.awaitWhole(System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
            String victim = store.primary();
            assertThat(victim).as("the queue is declared through the first node that answers").isEqualTo(name + "-0");
            History.Analysis a;
            try (SetTest.Target target = store.target(1000, () -> fault(store, victim, Topology.Fault.KILL),
                    () -> fault(store, victim, Topology.Fault.START))) {
                a = SetTest.run(target, 4, 200, 12, 2000).analyse();
            }
            System.out.println("rabbitmq failover (kill): " + a);
            assertThat(a.writes()).isEqualTo(2400);
            assertThat(a.acknowledged() + a.refused() + a.unknown()).isEqualTo(a.writes());
            assertThat(a.acknowledged()).as("most publishes were confirmed").isGreaterThan(1200);
            assertThat(a.windowMillis()).as("confirms stopped and resumed").isNotNull().isBetween(1.0, 10_000.0);
            assertThat(a.promoteMillis()).as("AMQP does not name a queue's leader: not reported").isNull();
            assertThat(a.acknowledgedLost()).as("counted, whatever it is").isBetween(0, a.acknowledged());
            assertThat(a.unknownPresent()).isBetween(0, a.unknown());

            store.awaitWhole(System.nanoTime() + TimeUnit.SECONDS.toNanos(120));
            store.clean();
        } finally {
            instances.down(List.of(name));
        }
    }

    private static void fault(RabbitmqReplicated store, String member, Topology.Fault f) {
        try {
            store.fault(member, f);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
