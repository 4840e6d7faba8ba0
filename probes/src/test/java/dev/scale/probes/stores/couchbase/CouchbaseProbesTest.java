package dev.scale.probes.stores.couchbase;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scale.probes.KvSession;
import dev.scale.probes.StoreAdapter;
import dev.scale.probes.Measurement;
import dev.scale.probes.Params;
import dev.scale.probes.fit.Probes;
import dev.scale.probes.VerdictProbe;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Couchbase's adapter, session and probes against {@link CouchbaseMockServer}, a test double (see there
 * for what it serves). What needs a real Couchbase Server (transactions, SQL++, durability, statistics)
 * is not tested here.
 */
class CouchbaseProbesTest {
    static CouchbaseMockServer server;
    static StoreAdapter couchbase;

    @BeforeAll
    static void start() throws Exception {
        server = CouchbaseMockServer.start();
        couchbase = new CouchbaseAdapter(server.endpoint);
    }

    @AfterAll
    static void stop() {
        couchbase.close();
        server.close();
    }

    static Measurement run(String probe, Map<String, ?> params) throws Exception {
        VerdictProbe p = Probes.byName(probe).orElseThrow();
        return p.run(couchbase, Params.of(p, params, true), line -> { });
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theSessionKeepsBytesExpiresCountsAndSwapsOnlyOnTheRightValue() throws Exception {
        try (KvSession s = couchbase.session()) {
            byte[] binary = {0, 1, 2, (byte) 255};
            s.put("scale:t:bin", binary);
            assertThat(s.get("scale:t:bin")).hasValueSatisfying(v -> assertThat(v).containsExactly(binary));
            assertThat(s.get("scale:t:missing")).isEmpty();
            assertThat(s.delete("scale:t:bin")).isTrue();
            assertThat(s.delete("scale:t:bin")).isFalse();
            assertThat(s.increment("scale:t:ctr", 5)).as("a new counter starts at 0, then adds").isEqualTo(5);
            assertThat(s.increment("scale:t:ctr", 2)).isEqualTo(7);
            assertThat(s.compareAndSet("scale:t:cas", Optional.empty(), b("a"))).isTrue();
            assertThat(s.compareAndSet("scale:t:cas", Optional.empty(), b("b"))).isFalse();
            assertThat(s.compareAndSet("scale:t:cas", Optional.of(b("x")), b("b"))).isFalse();
            assertThat(s.compareAndSet("scale:t:cas", Optional.of(b("a")), b("b"))).isTrue();
            s.putWithTtl("scale:t:ttl", b("v"), Duration.ofSeconds(1));
            assertThat(s.nativeTtl()).isTrue();
            assertThat(s.get("scale:t:ttl")).isPresent();
            Thread.sleep(2100);
            assertThat(s.get("scale:t:ttl")).as("expired by the store").isEmpty();
            assertThat(s.transactionKind()).contains("durability majority");
        }
        // increments from 8 threads at once: none lost
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            done.add(pool.submit(() -> {
                try (KvSession s = couchbase.session()) {
                    for (int i = 0; i < 100; i++) {
                        s.increment("scale:t:hot", 1);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        try (KvSession s = couchbase.session()) {
            assertThat(new String(s.get("scale:t:hot").orElseThrow(), StandardCharsets.US_ASCII)).isEqualTo("800");
        }
        couchbase.deleteByPrefix("scale:t:");
        try (KvSession s = couchbase.session()) {
            assertThat(s.get("scale:t:hot")).as("the keys the sessions wrote are removed by prefix").isEmpty();
            assertThat(s.get("scale:t:cas")).isEmpty();
        }
    }

    @Test
    void atomicRmwLosesUpdatesNaivelyAndNoneWithTheCounterOrTheCasLoop() throws Exception {
        Measurement m = run("atomic-rmw", Map.of("clients", 4, "increments", 200));
        assertThat(m.rows()).extracting(r -> r.get("method")).containsExactly("naive", "counter", "cas-retry");
        assertThat((long) m.metrics().get("naive_lost_updates")).isPositive();
        assertThat(m.metrics()).containsEntry("lossless_methods", 2L).containsEntry("lossy_atomic_methods", 0L);
        assertThat((double) m.rows().get(2).get("aborts_per_success")).as("the CAS loop retries under contention").isPositive();
    }

    @Test
    void kvModelWriteConcurrencyTtlAndCapacityMeasureTheBucket() throws Exception {
        Measurement model = run("kv-model", Map.of("max-value", "1MB", "ops", 200));
        assertThat(model.metrics()).containsEntry("all_checks_pass", true).containsEntry("largest_value_bytes", 1L << 20)
                .containsEntry("model", "native (documents by key)");

        Measurement writers = run("write-concurrency", Map.of("max-writers", 4, "step", "300ms", "keys", 100));
        assertThat(writers.metrics()).containsEntry("errors", 0L);
        assertThat((double) writers.metrics().get("hot_key_ops_per_s")).isPositive();

        // The double, like memcached and Couchbase Server, counts expiry in whole seconds of its clock: a key
        // written half-way through a second with a 1 s time to live ends about 0.5 s later. Writing then, the
        // probe must count early expiries (its check is at 90% of the time to live).
        long intoSecond = System.currentTimeMillis() % 1000;
        Thread.sleep((1500 - intoSecond) % 1000);
        Measurement ttl = run("ttl", Map.of("keys", 100, "ttl", "1s", "poll-every", 5));
        assertThat(ttl.metrics()).containsEntry("native_ttl", true);
        assertThat(((Number) ttl.metrics().get("early_expiries")).longValue()).isPositive();
        assertThat(ttl.metrics()).as("no cluster manager port for a server reached by URL: not guessed")
                .doesNotContainKey("all_reclaimed").containsKey("reclaim_not_measured");

        Measurement capacity = run("capacity", Map.of("target", "1MB", "value-size", "1KB", "sample", 100));
        assertThat(capacity.metrics()).containsEntry("write_errors", 0L).containsEntry("retained_fraction", 1.0)
                .doesNotContainKey("bytes_per_item").doesNotContainKey("evictions");
    }

    @Test
    void rwMixDrivesTheBucketThroughTheAsyncSdkAtTheAskedRate() throws Exception {
        Measurement m = run("rw-mix", Map.of("mix", "a", "rate", 500, "clients", 4, "keys", 500, "duration", "2s", "warmup", "0s"));
        assertThat(m.metrics()).containsEntry("valid", true).containsEntry("errors", 0L);
        assertThat((double) m.metrics().get("ops_per_s")).isBetween(450.0, 550.0);
        assertThat(m.rows()).extracting(r -> r.get("op")).contains("read", "update");
        try (KvSession s = couchbase.session()) {
            assertThat(s.get("scale:kv:0")).as("the driver removes what it loaded").isEmpty();
        }
    }
}
