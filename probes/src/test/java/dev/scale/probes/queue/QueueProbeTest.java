package dev.scale.probes.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scale.errors.ScaleException;
import dev.scale.probes.EmbeddedServers;
import dev.scale.probes.Measurement;
import dev.scale.probes.Params;
import dev.scale.probes.QueueStore;
import dev.scale.probes.stores.postgres.PostgresQueues;
import dev.scale.probes.stores.rabbitmq.RabbitmqQueues;
import dev.scale.probes.stores.redis.RedisQueues;
import dev.scale.providers.kinds.redis.Resp;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The queue probe on real servers (embedded Redis, PostgreSQL and the Qpid AMQP broker): the stores that keep
 * messages until they are acknowledged lose none when a consumer dies or is away and give the dead one's messages
 * to the next; the ones that deliver only to whoever listens at that moment (Redis pub/sub, NOTIFY) lose them, and
 * the probe counts them from the ids it never saw again.
 */
class QueueProbeTest {
    @RegisterExtension
    static final EmbeddedServers servers = new EmbeddedServers("queue").withRabbitmq();

    private static final QueueProbe PROBE = new QueueProbe();

    private static QueueStore store(String kind) {
        return switch (kind) {
            case "redis" -> new RedisQueues(servers.redis().endpoint());
            case "postgres" -> new PostgresQueues(servers.postgres().endpoint());
            default -> new RabbitmqQueues(servers.rabbitmq().endpoint());
        };
    }

    private static Map<String, Object> measure(String kind, String variant) throws Exception {
        Params params = Params.of(PROBE, Map.of("variant", variant, "messages", "3000", "fault-messages", "300", "away", "300ms", "drain", "2s"), false);
        List<String> progress = new ArrayList<>();
        try (QueueStore store = store(kind)) {
            Measurement m = PROBE.runOnQueues(store, null, params, progress::add);
            assertThat(progress).hasSize(4);
            assertThat(m.rows()).extracting(r -> r.get("phase")).containsExactly("throughput", "consumer crash", "consumer away", "fan-out, group 1", "fan-out, group 2");
            return m.metrics();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"rabbitmq, queue", "redis, stream", "postgres, skip-locked"})
    void aStoreThatKeepsMessagesUntilAcknowledgedLosesNoneAndRedeliversWhatADeadConsumerHeld(String kind, String variant) throws Exception {
        Map<String, Object> m = measure(kind, variant);
        assertThat(m.get("variant")).isEqualTo(variant);
        assertThat(m).containsEntry("lost", 0L).containsEntry("duplicates", 0L).containsEntry("order_violations", 0L);
        assertThat((Double) m.get("publish_per_s")).isGreaterThan(100.0);
        assertThat((Double) m.get("consume_per_s")).isGreaterThan(100.0);
        assertThat((Double) m.get("latency_p50_ms")).isPositive().isLessThanOrEqualTo((Double) m.get("latency_p99_ms"));
        // the killed consumer held some without acknowledging them: all of them reached the next consumer
        assertThat((Long) m.get("crash_held")).isPositive();
        assertThat(m.get("crash_redelivered")).isEqualTo(m.get("crash_held"));
        assertThat(m).containsEntry("crash_lost", 0L).containsEntry("crash_duplicates", 0L);
        assertThat(m).containsEntry("away_sent", 300L).containsEntry("away_kept", 300L).containsEntry("away_dropped", 0L);
        assertThat(m).containsEntry("fanout_groups", 2L).containsEntry("fanout_complete", true);
        assertThat((Long) m.get("rss_peak_bytes")).isPositive();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"redis, pubsub", "postgres, notify"})
    void aStoreThatDeliversOnlyToWhoeverListensLosesWhatADeadOrAbsentConsumerMissed(String kind, String variant) throws Exception {
        Map<String, Object> m = measure(kind, variant);
        // with the consumer there all along, every message arrives, in order
        assertThat(m).containsEntry("lost", 0L).containsEntry("order_violations", 0L);
        // the dead consumer acknowledged half of what it took (as many as it held): everything else is gone
        assertThat((Long) m.get("crash_lost")).isPositive().isEqualTo(300 - (Long) m.get("crash_held"));
        assertThat(m).containsEntry("crash_redelivered", 0L);
        assertThat(m).containsEntry("away_kept", 0L).containsEntry("away_dropped", 300L);
        // two listeners each get every message
        assertThat(m).containsEntry("fanout_complete", true);
    }

    /** The restart phase on its own: messages sent with nobody consuming, the server restarted, and a count. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"rabbitmq, 300, durable queues, persistent messages", "postgres, 300, 'WAL, fsync on'", "redis, 0, 'RDB off, AOF off'"})
    void aRestartKeepsWhatTheServerPersistsAndTheProbeSaysHowItPersists(String kind, long kept, String persistence) throws Exception {
        Params params = Params.of(PROBE, Map.of("phases", "restart", "fault-messages", "300", "drain", "2s"), false);
        var instance = switch (kind) {
            case "redis" -> servers.redis();
            case "postgres" -> servers.postgres();
            default -> servers.rabbitmq();
        };
        List<String> progress = new ArrayList<>();
        try (QueueStore store = store(kind)) {
            Measurement m = PROBE.runOnQueues(store, lines -> {
                var again = servers.restart(instance);
                return kind.equals("redis") ? new RedisQueues(again.endpoint()) : kind.equals("postgres") ? new PostgresQueues(again.endpoint())
                        : new RabbitmqQueues(again.endpoint());
            }, params, progress::add);
            assertThat(m.rows()).extracting(r -> r.get("phase")).containsExactly("server restart");
            // scale runs Redis as a cache (save "", appendonly no): a restart keeps nothing, and the probe says why
            assertThat(m.metrics()).containsEntry("restart_sent", 300L).containsEntry("restart_kept", kept).containsEntry("restart_lost", 300 - kept);
            assertThat((String) m.metrics().get("persistence")).startsWith(persistence);
            assertThat((Double) m.metrics().get("restart_seconds")).isPositive();
        }
        // and the server runs on: a fresh store reaches it
        try (QueueStore store = store(kind)) {
            assertThat(store.persistence()).startsWith(persistence);
        }
    }

    @Test
    void withoutAWayToRestartTheServerTheRestartPhaseIsNotApplicableAndABadPhaseIsRefused() throws Exception {
        Params params = Params.of(PROBE, Map.of("phases", "restart"), false);
        try (QueueStore store = store("postgres")) {
            Measurement m = PROBE.runOnQueues(store, null, params, line -> { });
            assertThat(m.notApplicable()).isEqualTo("scale cannot restart this server: it did not start it, or it is one node of a replicated instance");
        }
        assertThatThrownBy(() -> PROBE.check(Params.of(PROBE, Map.of("phases", "throughput,reboot"), false)))
                .isInstanceOfSatisfying(ScaleException.class, e -> assertThat(e.oneLine()).contains("--phases: no phase 'reboot'", "restart"));
    }

    @Test
    void theProbeLeavesNoQueueStreamOrTableBehind() throws Exception {
        measure("redis", "stream");
        measure("postgres", "skip-locked");
        try (Resp r = Resp.connect(servers.redis().endpoint())) {
            assertThat(((Resp.Multi) r.call(List.of("KEYS", "scale-probe-*"))).items()).isEmpty();
        }
        try (Connection c = new dev.scale.probes.stores.postgres.PostgresDriver(servers.postgres().endpoint()).connect();
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'scale_probe_%'")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }

    @Test
    void anUnknownVariantIsRefusedWithTheOnesTheStoreHas() {
        assertThatThrownBy(() -> QueueProbe.variant(store("redis"), "kafka")).isInstanceOfSatisfying(ScaleException.class,
                e -> assertThat(e.oneLine()).contains("--variant kafka is not one of redis's", "stream, pubsub"));
    }
}
