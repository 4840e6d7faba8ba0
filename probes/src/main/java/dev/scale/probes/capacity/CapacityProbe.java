package dev.scale.probes.capacity;

import dev.scale.probes.KvSession;
import dev.scale.probes.StoreAdapter;
import dev.scale.probes.Measurement;
import dev.scale.probes.Params;
import dev.scale.probes.VerdictProbe;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * "How much will it hold, and at what cost?" measured: writers fill the store with distinct items up to a
 * target size, in tenths; each tenth's throughput shows whether writes slow down as data grows. Then
 * the store's own size says what an item really costs, its eviction counter and a read-back of a sample
 * say whether anything was dropped, and write errors say whether it ran out of room.
 */
public final class CapacityProbe implements VerdictProbe {

    @Override
    public String name() {
        return "capacity";
    }

    @Override
    public List<String> description() {
        return List.of("How much does it hold, at what cost per item? Fills the store with distinct items up to a target",
                "size, measuring write throughput in each tenth; then reads its own size (bytes per item), its",
                "eviction count and a sample of items back (nothing dropped), and counts out-of-memory errors.");
    }

    @Override
    public List<Param> params() {
        return List.of(
                Param.size("target", "64MB", 1 << 20, 64L << 30, "Data to write (values only), e.g. 64MB or 1GB."),
                Param.size("value-size", "1024", 16, 16 << 20, "Bytes per item's value."),
                Param.number("writers", 4, 1, 64, "Concurrent writers."),
                Param.number("sample", 1000, 1, 1_000_000, "Items read back afterwards."));
    }

    @Override
    public List<Metric> metrics() {
        return List.of(
                new Metric("items", "items written"),
                new Metric("data_mb", "value bytes written, in MiB"),
                new Metric("bytes_per_item", "growth of the store's size per item (the value, the key and the store's overhead)"),
                new Metric("overhead_ratio", "bytes_per_item / value size"),
                new Metric("first_tenth_ops_per_s", "writes per second while the first tenth was written"),
                new Metric("last_tenth_ops_per_s", "writes per second while the last tenth was written"),
                new Metric("throughput_kept", "last_tenth_ops_per_s / first_tenth_ops_per_s"),
                new Metric("evictions", "items the store evicted meanwhile"),
                new Metric("write_errors", "writes refused (out of memory, disk full …)"),
                new Metric("retained_fraction", "share of the sampled items read back intact"),
                new Metric("size_measured_as", "what the store's size is read from"),
                new Metric("first_error", "the first refused write's error, if any"));
    }

    @Override
    public Measurement run(StoreAdapter store, Params params, Consumer<String> progress) throws Exception {
        long target = params.bytes("target");
        int valueSize = (int) params.bytes("value-size");
        int writers = params.integer("writers");
        int sample = params.integer("sample");
        long items = Math.max(10, target / valueSize);
        String prefix = "scale:cap:" + Long.toHexString(System.nanoTime()) + ":";
        List<Map<String, Object>> rows = new ArrayList<>();
        long bytesBefore = store.bytesUsed();
        long evictionsBefore = store.evictions();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        double first = 0;
        double last = 0;
        long bytesAfter;
        long evictionsAfter;
        long retained = 0;
        int sampled = 0;
        try {
            List<KvSession> sessions = new ArrayList<>();
            try {
                for (int w = 0; w < writers; w++) {
                    sessions.add(store.session());
                }
                for (int tenth = 0; tenth < 10; tenth++) {
                    long from = items * tenth / 10;
                    long to = items * (tenth + 1) / 10;
                    progress.accept(String.format(Locale.ROOT, "filling %d%% of %s", (tenth + 1) * 10, mb(target)));
                    long t0 = System.nanoTime();
                    List<Thread> threads = new ArrayList<>();
                    for (int w = 0; w < writers; w++) {
                        KvSession s = sessions.get(w);
                        int writer = w;
                        Thread t = new Thread(() -> {
                            for (long i = from + writer; i < to && !Thread.currentThread().isInterrupted(); i += writers) {
                                try {
                                    s.put(prefix + i, value(i, valueSize));
                                } catch (Exception e) {
                                    errors.incrementAndGet();
                                    firstError.compareAndSet(null, String.valueOf(e.getMessage()));
                                }
                            }
                        }, "scale-capacity-" + w);
                        threads.add(t);
                        t.start();
                    }
                    try {
                        for (Thread t : threads) {
                            t.join();
                        }
                    } catch (InterruptedException e) {
                        // Ctrl-C: stop the writers before the items are removed below
                        threads.forEach(Thread::interrupt);
                        threads.forEach(dev.scale.probes.Clients::joinUninterruptibly);
                        throw e;
                    }
                    double rate = (to - from) / ((System.nanoTime() - t0) / 1e9);
                    if (tenth == 0) {
                        first = rate;
                    }
                    last = rate;
                    rows.add(Measurement.row("filled_mb", (double) to * valueSize / (1 << 20), "ops_per_s", rate, "errors", errors.get()));
                }
            } finally {
                sessions.forEach(KvSession::close);
            }
            bytesAfter = store.bytesUsed();
            evictionsAfter = store.evictions();
            progress.accept("reading " + sample + " items back");
            SplittableRandom random = new SplittableRandom(11);
            try (KvSession s = store.session()) {
                for (int i = 0; i < Math.min(sample, items); i++) {
                    long item = random.nextLong(items);
                    sampled++;
                    if (s.get(prefix + item).map(v -> java.util.Arrays.equals(v, value(item, valueSize))).orElse(false)) {
                        retained++;
                    }
                }
            }
        } finally {
            progress.accept("removing the items");
            store.deleteByPrefix(prefix);
            store.cleanUpSessions();
        }
        // -1: the store's size or eviction count cannot be read here; left out, never guessed
        Double perItem = bytesBefore < 0 || bytesAfter < 0 ? null : (bytesAfter - bytesBefore) / (double) items;
        Long evicted = evictionsBefore < 0 || evictionsAfter < 0 ? null : evictionsAfter - evictionsBefore;
        return Measurement.of(name(), new Measurement.Metrics()
                .put("items", items)
                .put("data_mb", (double) items * valueSize / (1 << 20))
                .put("bytes_per_item", perItem)
                .put("overhead_ratio", perItem == null ? null : perItem / valueSize)
                .put("first_tenth_ops_per_s", first)
                .put("last_tenth_ops_per_s", last)
                .put("throughput_kept", first == 0 ? 0.0 : last / first)
                .put("evictions", evicted)
                .put("write_errors", errors.get())
                .put("retained_fraction", sampled == 0 ? 0.0 : retained / (double) sampled)
                .put("size_measured_as", perItem == null ? null : store.bytesUsedMeaning())
                .put("first_error", firstError.get())
                .build(), rows);
    }

    /**
     * An item's value: its number, then bytes from a generator seeded with it, so that a read-back can tell
     * items apart and no store can compress the data into a flattering size (PostgreSQL's TOAST would
     * shrink repeated filler to a few percent).
     */
    private static byte[] value(long item, int size) {
        byte[] v = new byte[size];
        new SplittableRandom(item).nextBytes(v);
        byte[] n = Long.toString(item).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, v, 0, Math.min(n.length, size));
        return v;
    }

    private static String mb(long bytes) {
        return bytes >= 1 << 30 ? (bytes >> 30) + " GiB" : (bytes >> 20) + " MiB";
    }
}
