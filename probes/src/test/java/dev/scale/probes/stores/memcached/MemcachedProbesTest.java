package dev.scale.probes.stores.memcached;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

import dev.scale.errors.ScaleException;
import dev.scale.probes.Driver;
import dev.scale.probes.KvProbe;
import dev.scale.probes.KvSession;
import dev.scale.probes.Measurement;
import dev.scale.probes.Mix;
import dev.scale.probes.Params;
import dev.scale.probes.Result;
import dev.scale.probes.StoreAdapter;
import dev.scale.probes.VerdictProbe;
import dev.scale.probes.Workload;
import dev.scale.probes.fit.Probes;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Secret;
import dev.scale.providers.kinds.memcached.Memcache;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * memcached's adapter, session, driver and every verdict probe against a real memcached (the one on PATH:
 * Debian's /usr/bin/memcached here and in CI), started on a free port for this class. Each test leaves the
 * server's item count (stats curr_items) where it found it, as a probe must leave a user's server.
 */
class MemcachedProbesTest {
    static Server server;
    static StoreAdapter memcached;
    static final List<String> lines = new ArrayList<>();
    long baseline;

    /** A memcached process on 127.0.0.1, TCP only. */
    record Server(Process process, Endpoint endpoint, Path log) implements AutoCloseable {

        static Server start(int megabytes) throws Exception {
            Path exe = onPath("memcached");
            if (exe == null) {
                if ("true".equals(System.getenv("CI"))) {
                    fail("memcached is not on PATH; CI installs it (apt-get install memcached), so this is a broken CI image");
                }
                Assumptions.assumeTrue(false, "memcached is not on PATH (apt-get install memcached)");
            }
            IOException last = null;
            for (int attempt = 0; attempt < 5; attempt++) {
                int port = freePort();
                List<String> command = new ArrayList<>(List.of(exe.toString(), "-l", "127.0.0.1", "-p", Integer.toString(port),
                        "-U", "0", "-m", Integer.toString(megabytes)));
                if ("root".equals(System.getProperty("user.name"))) {
                    command.addAll(List.of("-u", "nobody")); // memcached refuses to run as root otherwise
                }
                Path log = Files.createTempFile("scale-memcached-", ".log");
                Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                // an interrupted run (Ctrl-C, surefire's timeout) must not leave a memcached behind either
                Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
                Endpoint e = new Endpoint("127.0.0.1", port, null, Secret.none(), null);
                try {
                    awaitVersion(p, e);
                    return new Server(p, e, log);
                } catch (IOException notUp) {
                    last = new IOException(notUp.getMessage() + "; memcached said: " + Files.readString(log).strip(), notUp);
                    stop(p);
                    Files.deleteIfExists(log);
                }
            }
            throw last;
        }

        private static void awaitVersion(Process p, Endpoint e) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                if (!p.isAlive()) {
                    throw new IOException("memcached exited with " + p.exitValue());
                }
                try (Memcache mc = Memcache.connect(e)) {
                    mc.timeout(2000);
                    if (mc.call("version").startsWith("VERSION ")) {
                        return;
                    }
                } catch (IOException notYet) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("memcached did not answer version within 10 s: " + notYet.getMessage());
                    }
                }
                Thread.sleep(20);
            }
        }

        private static void stop(Process p) {
            p.destroy();
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() throws IOException {
            stop(process);
            Files.deleteIfExists(log);
        }
    }

    static Path onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        server = Server.start(64);
        memcached = new MemcachedAdapter(server.endpoint());
    }

    @AfterAll
    static void stop() throws Exception {
        if (memcached != null) {
            memcached.close();
        }
        if (server != null) {
            server.close();
        }
    }

    static long stat(Endpoint e, String name) throws IOException {
        try (Memcache mc = Memcache.connect(e)) {
            return mc.stat(name);
        }
    }

    @BeforeEach
    void baseline() throws IOException {
        baseline = stat(server.endpoint(), "curr_items");
    }

    @AfterEach
    void nothingLeft() throws IOException {
        assertThat(stat(server.endpoint(), "curr_items")).as("items left in memcached (stats curr_items)").isEqualTo(baseline);
    }

    static Measurement run(StoreAdapter store, String probe, Map<String, ?> params) throws Exception {
        VerdictProbe p = Probes.byName(probe).orElseThrow();
        Measurement m = p.run(store, Params.of(p, params, true), lines::add);
        // nothing measured is undeclared, so a rule can name every metric
        assertThat(m.metrics().keySet()).isNotEmpty().allMatch(k -> p.metrics().stream().anyMatch(d -> d.name().equals(k)));
        System.out.println("memcached " + probe + " " + params + ": " + m.metrics());
        return m;
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Waits for a tick of memcached's clock, which counts whole seconds and ticks once a second: a key with a
     * 1 s TTL ends at the first tick after it was written. Returns that tick's System.nanoTime(), to a
     * millisecond or two.
     */
    static long tick(KvSession s) throws Exception {
        s.putWithTtl("scale:t:tick", b("t"), Duration.ofSeconds(1));
        while (s.get("scale:t:tick").isPresent()) {
            Thread.sleep(1);
        }
        return System.nanoTime();
    }

    static void sleepUntil(long nanos) throws InterruptedException {
        long left;
        while ((left = nanos - System.nanoTime()) > 0) {
            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        }
    }

    static final long MS = 1_000_000;

    @Test
    void theSessionKeepsBytesCountsRaceFreeAndSwapsOnlyOnTheRightValue() throws Exception {
        try (KvSession s = memcached.session()) {
            byte[] binary = new byte[256];
            for (int i = 0; i < 256; i++) {
                binary[i] = (byte) i;
            }
            s.put("scale:t:bin", binary);
            assertThat(s.get("scale:t:bin")).hasValueSatisfying(v -> assertThat(v).containsExactly(binary));
            s.put("scale:t:empty", new byte[0]);
            assertThat(s.get("scale:t:empty")).hasValueSatisfying(v -> assertThat(v).isEmpty());
            assertThat(s.get("scale:t:missing")).isEmpty();
            assertThat(s.delete("scale:t:bin")).isTrue();
            assertThat(s.delete("scale:t:bin")).isFalse();
            assertThat(s.increment("scale:t:ctr", 5)).as("incr on a missing key: created at 0, then incremented").isEqualTo(5);
            assertThat(s.increment("scale:t:ctr", 2)).isEqualTo(7);
            assertThat(s.increment("scale:t:ctr", -3)).as("decr").isEqualTo(4);
            assertThat(s.compareAndSet("scale:t:cas", Optional.empty(), b("a"))).isTrue();
            assertThat(s.compareAndSet("scale:t:cas", Optional.empty(), b("b"))).as("add: the key exists").isFalse();
            assertThat(s.compareAndSet("scale:t:cas", Optional.of(b("x")), b("b"))).isFalse();
            assertThat(s.compareAndSet("scale:t:cas", Optional.of(b("a")), b("b"))).isTrue();
            assertThat(s.get("scale:t:cas")).hasValueSatisfying(v -> assertThat(v).containsExactly(b("b")));
            assertThat(s.compareAndSet("scale:t:gone", Optional.of(b("a")), b("b"))).isFalse();
            assertThat(s.nativeTtl()).isTrue();
            assertThat(s.multiKeyTransactions()).isFalse();
            assertThat(s.transactionKind()).contains("no multi-key transactions");
            assertThatThrownBy(() -> s.transaction(List.of("scale:t:a", "scale:t:b"), m -> m)).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> s.put("scale:t:with space", b("v"))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("250 bytes without spaces");
            assertThatThrownBy(() -> s.get("k".repeat(251))).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(MemcachedSession.exptime(Duration.ofMillis(1))).as("under a second: rounded up to 1 s, never 0 (no expiry)").isEqualTo(1);
        assertThat(MemcachedSession.exptime(Duration.ofMillis(1001))).isEqualTo(2);
        assertThat(MemcachedSession.exptime(Duration.ofSeconds(3))).isEqualTo(3);
        // 8 clients increment one counter nobody created: add-then-incr creates it once, and no increment is lost
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            done.add(pool.submit(() -> {
                try (KvSession s = memcached.session()) {
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
        try (KvSession s = memcached.session()) {
            assertThat(new String(s.get("scale:t:hot").orElseThrow(), StandardCharsets.US_ASCII)).isEqualTo("800");
        }
        memcached.deleteByPrefix("scale:t:");
        try (KvSession s = memcached.session()) {
            assertThat(s.get("scale:t:hot")).as("the keys the sessions wrote are removed by prefix").isEmpty();
            assertThat(s.get("scale:t:cas")).isEmpty();
        }
    }

    @Test
    void expiryCountsWholeSecondsOfMemcachedsClock() throws Exception {
        try (KvSession s = memcached.session()) {
            long tick = tick(s);
            // just after a tick: a 300 ms TTL is rounded up to a whole second, and the key lives almost all of it
            s.putWithTtl("scale:t:short", b("v"), Duration.ofMillis(300));
            sleepUntil(tick + 600 * MS);
            assertThat(s.get("scale:t:short")).as("a 300 ms TTL becomes 1 s: still there at 600 ms").isPresent();
            sleepUntil(tick + 1400 * MS);
            assertThat(s.get("scale:t:short")).as("gone at the next tick").isEmpty();
            // late in one of memcached's seconds: a 1 s TTL ends at its next tick, most of a second early
            sleepUntil(tick + 1800 * MS);
            s.putWithTtl("scale:t:late", b("v"), Duration.ofSeconds(1));
            sleepUntil(tick + 2400 * MS);
            assertThat(s.get("scale:t:late")).as("written 0.8 s into memcached's second, a 1 s TTL ends 0.2 s later").isEmpty();
        }
        memcached.deleteByPrefix("scale:t:");
    }

    @Test
    void ttlProbeSeesNativeWholeSecondExpiryAndTheCrawlerReclaimingUntouchedKeys() throws Exception {
        // written right after a tick of memcached's clock, keys live (almost) their whole time: hardly any early, none late
        try (KvSession s = memcached.session()) {
            tick(s);
        }
        Measurement aligned = run(memcached, "ttl", Map.of("keys", 200, "ttl", "2s", "poll-every", 5));
        assertThat(aligned.metrics()).containsEntry("native_ttl", true).containsEntry("all_reclaimed", true)
                .doesNotContainKey("emulation").doesNotContainKey("reclaim_not_measured");
        assertThat(((Number) aligned.metrics().get("early_expiries")).intValue()).as("of 40 polled keys").isLessThan(10);
        assertThat((double) aligned.metrics().get("lateness_p99_ms")).isLessThan(250);
        assertThat((double) aligned.metrics().get("reclaimed_after_ms")).as("memcached's LRU crawler reclaims expired items nobody reads")
                .isLessThan(15_000);

        // written half-way through one of memcached's seconds, a 1 s TTL ends half a second early: whole-second expiry
        try (KvSession s = memcached.session()) {
            sleepUntil(tick(s) + 500 * MS);
        }
        Measurement midway = run(memcached, "ttl", Map.of("keys", 200, "ttl", "1s", "poll-every", 5));
        assertThat(midway.metrics()).containsEntry("native_ttl", true).containsEntry("all_reclaimed", true);
        assertThat(((Number) midway.metrics().get("early_expiries")).intValue()).as("of 40 polled keys").isGreaterThan(20);
        memcached.deleteByPrefix("scale:t:");
    }

    @Test
    void atomicRmwLosesUpdatesNaivelyAndNoneWithIncrOrTheCasLoop() throws Exception {
        Measurement m = run(memcached, "atomic-rmw", Map.of("clients", 8, "increments", 300));
        assertThat(m.rows()).extracting(r -> r.get("method")).containsExactly("naive", "incr", "cas-retry");
        assertThat((long) m.metrics().get("naive_lost_updates")).isPositive();
        assertThat(m.metrics()).containsEntry("lossless_methods", 2L).containsEntry("lossy_atomic_methods", 0L);
        assertThat(m.rows().get(1)).containsEntry("final", 2400L);
        assertThat(m.rows().get(2)).containsEntry("final", 2400L);
        assertThat((double) m.rows().get(2).get("aborts_per_success")).as("the CAS loop retries under contention").isPositive();
    }

    @Test
    void writeConcurrencyGivesACurveForDistinctAndHotKeys() throws Exception {
        Measurement m = run(memcached, "write-concurrency", Map.of("max-writers", 4, "step", "300ms", "keys", 100));
        assertThat(m.rows()).extracting(r -> r.get("mode") + "/" + r.get("writers"))
                .containsExactly("distinct/1", "distinct/2", "distinct/4", "hot/1", "hot/2", "hot/4");
        assertThat(m.metrics()).containsEntry("errors", 0L);
        assertThat((double) m.metrics().get("single_writer_ops_per_s")).isPositive();
        assertThat((double) m.metrics().get("hot_key_ops_per_s")).isPositive();
    }

    @Test
    void capacityCountsBytesPerItemAndASmallMemcachedEvicts() throws Exception {
        Measurement fits = run(memcached, "capacity", Map.of("target", "2MB", "value-size", "1KB", "sample", 200));
        assertThat(fits.metrics()).containsEntry("items", 2048L).containsEntry("write_errors", 0L).containsEntry("evictions", 0L)
                .containsEntry("retained_fraction", 1.0).containsEntry("size_measured_as", "stats bytes");
        assertThat((double) fits.metrics().get("bytes_per_item")).as("value, key and item header").isGreaterThan(1024).isLessThan(1400);

        try (Server small = Server.start(4)) {
            MemcachedAdapter store = new MemcachedAdapter(small.endpoint());
            Measurement full = run(store, "capacity", Map.of("target", "16MB", "value-size", "1KB", "sample", 500));
            assertThat(full.metrics()).as("a cache makes room: no write is refused").containsEntry("write_errors", 0L);
            assertThat((long) full.metrics().get("evictions")).as("4 MB cannot hold 16 MB: memcached evicts").isPositive();
            assertThat((double) full.metrics().get("retained_fraction")).isLessThan(1);
            assertThat(stat(small.endpoint(), "curr_items")).as("items left in the small memcached").isZero();
        }
    }

    @Test
    void kvModelRoundTripsUpTo64KbAndAMebibyteIsOverTheItemSizeLimit() throws Exception {
        Measurement fits = run(memcached, "kv-model", Map.of("max-value", "64KB", "ops", 200));
        assertThat(fits.metrics()).containsEntry("all_checks_pass", true).containsEntry("binary_safe", true)
                .containsEntry("empty_value_ok", true).containsEntry("largest_value_bytes", 65536L).containsEntry("model", "native");

        // memcached's default item size limit (-I 1m) counts the key and the item's header too: a 1 MiB value is refused
        Measurement mib = run(memcached, "kv-model", Map.of("max-value", "1MB", "ops", 10));
        assertThat(mib.metrics()).containsEntry("all_checks_pass", false).containsEntry("largest_value_bytes", 262144L);
        assertThat(mib.rows()).contains(Measurement.row("check", "1048576-byte value", "ok", false));
        try (KvSession s = memcached.session()) {
            assertThatThrownBy(() -> s.put("scale:t:mib", new byte[1 << 20])).isInstanceOf(IOException.class)
                    .hasMessageContaining("SERVER_ERROR object too large for cache").hasMessageContaining("item size limit");
            assertThat(s.get("scale:t:mib")).isEmpty();
            s.put("scale:t:under", new byte[(1 << 20) - 1024]);
            assertThat(s.get("scale:t:under")).as("just under the limit is kept").hasValueSatisfying(v -> assertThat(v).hasSize((1 << 20) - 1024));
        }
        memcached.deleteByPrefix("scale:t:");
    }

    @Test
    void transactionsDoNotApply() throws Exception {
        Measurement m = run(memcached, "transactions", Map.of("accounts", 5, "writers", 2, "readers", 1, "duration", "200ms"));
        assertThat(m.notApplicable()).isEqualTo("memcached has no multi-key transactions");
        assertThat(m.metrics()).containsEntry("multi_key_transactions", false);
    }

    @Test
    void relationalJoinsOnTheClient() throws Exception {
        Measurement m = run(memcached, "relational", Map.of("users", 400, "orders-per-user", 3, "repeat", 3));
        assertThat(m.metrics()).containsEntry("join_correct", true).containsEntry("lookup_correct", true)
                .containsEntry("join_server_side", false).containsEntry("lookup_index", false).containsEntry("lookup_requests", 1);
        // 20 users in the city: the city's list, then one multi-key get of their order lists
        assertThat(m.metrics()).containsEntry("join_requests", 2);
        assertThat(m.rows().get(0).get("how").toString()).contains("no server-side join").contains("summed by the client");
    }

    @Test
    void rwMixReportsLatencyAtTheAskedRate() throws Exception {
        Measurement m = run(memcached, "rw-mix", Map.of("mix", "b", "rate", 1000, "clients", 4, "keys", 1000, "duration", "2s", "warmup", "0s"));
        assertThat(m.metrics()).containsEntry("valid", true).containsEntry("errors", 0L);
        assertThat((double) m.metrics().get("ops_per_s")).isBetween(900.0, 1100.0);
        assertThat((double) m.metrics().get("p99_ms")).isPositive();
        assertThat(m.rows()).extracting(r -> r.get("op")).contains("read", "update", "all");
    }

    static final KvProbe.Listener QUIET = new KvProbe.Listener() {
        @Override
        public void loaded(long keys, long total) {
        }

        @Override
        public void tick(double elapsed, boolean warmingUp, double opsPerSecond, double p99Micros) {
        }
    };

    @Test
    void theDriverLoadsThenGetsAndSetsWithAndWithoutPipelining() throws Exception {
        for (int pipeline : new int[] {1, 16}) {
            Workload w = new Workload(Mix.parse("a"), 2000, 1024, "uniform", 8, pipeline, 0, Duration.ofSeconds(1), Duration.ofMillis(300));
            long hits = stat(server.endpoint(), "get_hits");
            long misses = stat(server.endpoint(), "get_misses");
            Driver driver = memcached.driver();
            Result r;
            try {
                r = KvProbe.run(driver, w, QUIET);
                assertThat(stat(server.endpoint(), "curr_items")).isEqualTo(baseline + 2000);
            } finally {
                driver.cleanUp(w);
            }
            System.out.printf(Locale.ROOT, "memcached driver, pipeline %d: %,.0f ops/s, p50 %.0f us, errors %d%n", pipeline, r.opsPerSecond(),
                    r.latency().get("all").p50(), r.errors());
            assertThat(r.errors()).isZero();
            assertThat(r.valid()).isTrue();
            assertThat(r.operations()).isGreaterThan(1000);
            assertThat(r.operationsByType()).containsKeys("read", "update");
            assertThat(stat(server.endpoint(), "get_misses") - misses).as("every get finds a loaded key").isZero();
            assertThat(stat(server.endpoint(), "get_hits") - hits).as("the server counted the driver's gets")
                    .isGreaterThanOrEqualTo(r.operationsByType().get("read"));
            assertThat(stat(server.endpoint(), "curr_items")).as("cleanUp removes what the load wrote").isEqualTo(baseline);
        }
    }

    @Test
    void writesInFlightWhenTheRunStopsLandBeforeTheCleanUpSoNothingIsLeft() throws Exception {
        // Seen in CI: 4 items left after `scale probe kv` on memcached. The run's connections were closed with
        // sets in flight, and memcached's worker threads applied some of them after the cleanup's deletes.
        // Many clients with deep pipelines of writes make that window wide; every round must leave nothing.
        for (int round = 0; round < 8; round++) {
            Workload w = new Workload(Mix.parse("update=100"), 500, 4096, "uniform", 32, 64, 0, Duration.ofMillis(300), Duration.ZERO);
            Driver driver = memcached.driver();
            try {
                KvProbe.run(driver, w, QUIET);
            } finally {
                driver.cleanUp(w);
            }
            assertThat(stat(server.endpoint(), "curr_items")).as("items left after round %d's cleanUp", round).isEqualTo(baseline);
        }
    }

    @Test
    void aValueOverTheItemSizeLimitStopsTheLoadAndSaysWhy() throws Exception {
        Workload w = new Workload(Mix.parse("c"), 3, 2 << 20, "uniform", 1, 1, 0, Duration.ofSeconds(1), Duration.ZERO);
        Driver driver = memcached.driver();
        try {
            assertThatThrownBy(() -> KvProbe.run(driver, w, QUIET)).isInstanceOfSatisfying(ScaleException.class,
                    e -> assertThat(e.getMessage()).contains("SERVER_ERROR object too large for cache").contains("item size limit"));
        } finally {
            driver.cleanUp(w);
        }
    }

    @Test
    void theScannerCountsRepliesSplitAnywhereAndSkipsValuesByLength() {
        String replies = "VALUE scale:kv:0000000001 0 6\r\nab\r\ncd\r\nEND\r\n" // a value holding CRLF and "END"
                + "END\r\n"
                + "STORED\r\n"
                + "SERVER_ERROR object too large for cache\r\n"
                + "VALUE k 7 3 1234\r\nEND\r\nEND\r\n" // gets: a CAS after the length; the value is "END"
                + "ERROR\r\n"
                + "EXISTS\r\n"
                + "NOT_FOUND\r\n"
                + "NOT_STORED\r\n"
                + "DELETED\r\n"
                + "VERSION 1.6.18\r\n"
                + "42\r\n"
                + "CLIENT_ERROR bad data chunk\r\n";
        byte[] bytes = replies.getBytes(StandardCharsets.US_ASCII);
        MemcachedWire.Scanner whole = new MemcachedWire.Scanner();
        assertThat(whole.scan(ByteBuffer.wrap(bytes))).isEqualTo(13);
        assertThat(whole.takeErrors()).isEqualTo(3);
        assertThat(whole.takeErrors()).isZero();
        assertThat(whole.lastError()).isEqualTo("CLIENT_ERROR bad data chunk");
        for (int chunk = 1; chunk <= 7; chunk++) {
            MemcachedWire.Scanner pieces = new MemcachedWire.Scanner();
            int count = 0;
            for (int from = 0; from < bytes.length; from += chunk) {
                count += pieces.scan(ByteBuffer.wrap(bytes, from, Math.min(chunk, bytes.length - from)));
            }
            assertThat(count).as("in pieces of " + chunk).isEqualTo(13);
            assertThat(pieces.takeErrors()).isEqualTo(3);
        }
        ByteBuffer out = ByteBuffer.allocate(2048);
        MemcachedWire.get(out, 42);
        MemcachedWire.set(out, 7, MemcachedWire.setHeader(3), b("abc"));
        MemcachedWire.delete(out, 1234567890L);
        assertThat(new String(out.array(), 0, out.position(), StandardCharsets.US_ASCII))
                .isEqualTo("get scale:kv:0000000042\r\nset scale:kv:0000000007 0 0 3\r\nabc\r\ndelete scale:kv:1234567890\r\n");
    }
}
