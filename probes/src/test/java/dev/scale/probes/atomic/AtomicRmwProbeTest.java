package dev.scale.probes.atomic;

import dev.scale.probes.stores.postgres.PostgresAdapter;
import dev.scale.probes.stores.redis.RedisAdapter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scale.probes.EmbeddedServers;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Lost updates are measured, not assumed: the naive method must lose some, the atomic ones none. */
class AtomicRmwProbeTest {
    @RegisterExtension
    static final EmbeddedServers servers = new EmbeddedServers("rmw");

    private static Map<String, AtomicRmwProbe.Row> byName(List<AtomicRmwProbe.Row> rows) {
        return rows.stream().collect(Collectors.toMap(AtomicRmwProbe.Row::method, Function.identity()));
    }

    private static void assertAtomicOnesLoseNothing(Map<String, AtomicRmwProbe.Row> rows) {
        rows.values().stream().filter(AtomicRmwProbe.Row::atomic).forEach(r -> {
            assertThat(r.finalCount()).as(r.method()).isEqualTo(r.expected());
            assertThat(r.lostUpdates()).as(r.method()).isZero();
            assertThat(r.opsPerSecond()).as(r.method()).isPositive();
        });
        AtomicRmwProbe.Row naive = rows.get("naive");
        assertThat(naive.atomic()).isFalse();
        assertThat(naive.lostUpdates()).as("8 clients reading then writing one counter lose updates").isPositive();
        assertThat(naive.finalCount() + naive.lostUpdates()).isEqualTo(naive.expected());
    }

    @Test
    void redisIncrAndWatchMultiLoseNothingAndWatchMultiPaysInAborts() throws Exception {
        var rows = byName(AtomicRmwProbe.rows(new RedisAdapter(servers.redis().endpoint()), 8, 300, line -> { }));
        assertAtomicOnesLoseNothing(rows);
        assertThat(rows.get("incr").aborts()).isZero();
        assertThat(rows.get("watch-multi").aborts()).as("contention makes EXEC fail and retry").isPositive();
    }

    @Test
    void postgresPrimitivesLoseNothingAndOptimisticIsolationLevelsRetry() throws Exception {
        var rows = byName(AtomicRmwProbe.rows(new PostgresAdapter(servers.postgres().endpoint()), 8, 150, line -> { }));
        assertAtomicOnesLoseNothing(rows);
        assertThat(rows.get("update-add").aborts()).isZero();
        assertThat(rows.get("select-for-update").aborts()).as("it waits for the lock instead").isZero();
        assertThat(rows.get("serializable").aborts()).isPositive();
        assertThat(rows.get("repeatable-read").aborts()).isPositive();
    }
}
