package dev.scale.probes.ttl;

import dev.scale.probes.TtlStore;

import dev.scale.probes.KvSession;
import dev.scale.probes.StoreAdapter;
import dev.scale.probes.Measurement;
import dev.scale.probes.Params;
import dev.scale.probes.VerdictProbe;
import dev.scale.errors.ScaleException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * "Can the store manage TTL?" measured: {@code keys} keys are written with a short time to live; one in
 * {@code pollEvery} is read repeatedly to see when it disappears, the rest are left untouched to see when
 * the store reclaims them by itself. A store without native TTL is measured through its emulation (an
 * expiry column that reads honour, plus a periodic delete), and its cost is reported.
 */
public final class TtlProbe implements VerdictProbe {

    public record Result(boolean nativeTtl, int keys, long ttlMillis, int polled, int earlyExpiries, double latenessP50Millis,
                         double latenessP99Millis, double latenessMaxMillis, double reclaimedAfterMillis, boolean allReclaimed,
                         String emulation, double sweepMillisAverage, String reclaimUnknown) {
    }

    @Override
    public String name() {
        return "ttl";
    }

    @Override
    public List<String> description() {
        return List.of("Can the store manage time to live? Writes keys with a short TTL, reads one in N until it is gone",
                "(lateness), leaves the rest untouched (how long until the store reclaims them), and counts early expiries.",
                "PostgreSQL has no native TTL: it is measured through an expires_at column plus a periodic DELETE.");
    }

    @Override
    public List<Param> params() {
        return List.of(
                Param.number("keys", 2000, 10, 1_000_000, "Keys written."),
                Param.duration("ttl", "2s", 100, 600_000, "The keys' time to live."),
                Param.number("poll-every", 10, 1, 1_000_000, "Read one key in N; leave the rest untouched."),
                Param.duration("sweep", "1s", 10, 600_000, "Emulated TTL only: how often expired rows are deleted."));
    }

    @Override
    public List<Metric> metrics() {
        return List.of(
                new Metric("native_ttl", "the store expires keys itself"),
                new Metric("early_expiries", "read keys already gone at 90% of their time to live"),
                new Metric("lateness_p50_ms", "median time from a read key's deadline to the first read that misses it"),
                new Metric("lateness_p99_ms", "p99 of the same"),
                new Metric("lateness_max_ms", "the worst of the same"),
                new Metric("all_reclaimed", "every untouched key was removed by the store within 30 s"),
                new Metric("reclaimed_after_ms", "from the last deadline until no untouched key was left"),
                new Metric("sweep_ms", "emulated TTL only: average time of one DELETE of expired rows"),
                new Metric("emulation", "emulated TTL only: how it is emulated"),
                new Metric("reclaim_not_measured", "why untouched keys could not be counted, when they could not"));
    }

    @Override
    public Measurement run(StoreAdapter store, Params params, Consumer<String> progress) throws Exception {
        int keys = params.integer("keys");
        Duration ttl = params.duration("ttl");
        int pollEvery = Math.min(keys, params.integer("poll-every"));
        Duration sweep = params.duration("sweep");
        progress.accept(String.format(java.util.Locale.ROOT, "%,d keys with a %d ms TTL", keys, ttl.toMillis()));
        Result r = run(store.ttl(), keys, ttl, pollEvery, sweep);
        return Measurement.of(name(), new Measurement.Metrics()
                .put("native_ttl", r.nativeTtl())
                .put("early_expiries", r.earlyExpiries())
                .put("lateness_p50_ms", r.latenessP50Millis())
                .put("lateness_p99_ms", r.latenessP99Millis())
                .put("lateness_max_ms", r.latenessMaxMillis())
                .put("all_reclaimed", r.reclaimUnknown() != null ? null : r.allReclaimed())
                .put("reclaimed_after_ms", r.allReclaimed() ? r.reclaimedAfterMillis() : null)
                .put("reclaim_not_measured", r.reclaimUnknown())
                .put("sweep_ms", r.nativeTtl() ? null : r.sweepMillisAverage())
                .put("emulation", r.emulation())
                .build(), List.of());
    }

    public static Result run(TtlStore store, int keys, Duration ttl, int pollEvery, Duration sweepInterval) throws Exception {
        if (keys < 10 || keys > 1_000_000) {
            throw ScaleException.usage("--keys must be between 10 and 1000000");
        }
        if (ttl.toMillis() < 100 || ttl.toMinutes() > 10) {
            throw ScaleException.usage("--ttl must be between 100ms and 10m");
        }
        String prefix = "scale:ttl:" + Long.toHexString(System.nanoTime()) + ":";
        byte[] value = {1};
        long[] deadline = new long[keys];
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong sweeps = new AtomicLong();
        AtomicLong sweepNanos = new AtomicLong();
        Thread sweeper = null;
        try (KvSession writer = store.session(); KvSession poller = store.session()) {
            boolean nativeTtl = writer.nativeTtl();
            if (!nativeTtl) {
                sweeper = new Thread(() -> {
                    while (!stop.get()) {
                        try {
                            long t = System.nanoTime();
                            store.sweep();
                            sweepNanos.addAndGet(System.nanoTime() - t);
                            sweeps.incrementAndGet();
                            Thread.sleep(sweepInterval.toMillis());
                        } catch (InterruptedException e) {
                            return;
                        } catch (Exception e) {
                            return;
                        }
                    }
                }, "scale-ttl-sweeper");
                sweeper.setDaemon(true);
                sweeper.start();
            }
            store.before(prefix);
            for (int i = 0; i < keys; i++) {
                writer.putWithTtl(prefix + i, value, ttl);
                deadline[i] = System.nanoTime() + ttl.toNanos(); // conservative: after the write returned
            }
            int polled = 0;
            for (int i = 0; i < keys; i += pollEvery) {
                polled++;
            }
            double[] lateness = new double[polled];
            boolean[] checked = new boolean[polled];
            boolean[] gone = new boolean[polled];
            int early = 0;
            // Each polled key is read once at 90% of its time to live, when it must still be there (a store
            // that counts expiry in whole seconds can end a key up to a second early, and this sees it);
            // then, from its deadline on, until a read no longer finds it: its lateness. Only keys that are
            // due are read, so a poll cycle stays short and measures the store, not the poller.
            long margin = ttl.toNanos() / 10;
            int remaining = polled;
            long giveUp = deadline[keys - 1] + ttl.toNanos() * 4 + Duration.ofSeconds(10).toNanos();
            while (remaining > 0 && System.nanoTime() < giveUp) {
                boolean any = false;
                long next = Long.MAX_VALUE;
                for (int p = 0, i = 0; i < keys; i += pollEvery, p++) {
                    if (gone[p]) {
                        continue;
                    }
                    long now = System.nanoTime();
                    if (!checked[p]) {
                        if (now < deadline[i] - margin) {
                            next = Math.min(next, deadline[i] - margin);
                            continue;
                        }
                        checked[p] = true;
                        any = true;
                        if (now < deadline[i] - margin / 2 && poller.get(prefix + i).isEmpty()) {
                            early++;
                            gone[p] = true;
                            remaining--;
                            lateness[p] = Double.NaN; // gone early: no lateness to measure
                        }
                        continue;
                    }
                    if (now < deadline[i]) {
                        next = Math.min(next, deadline[i]);
                        continue;
                    }
                    any = true;
                    if (poller.get(prefix + i).isEmpty()) {
                        gone[p] = true;
                        remaining--;
                        lateness[p] = Math.max(0, System.nanoTime() - deadline[i]) / 1e6;
                    }
                }
                if (!any) {
                    if (next == Long.MAX_VALUE) {
                        Thread.sleep(1);
                    } else {
                        sleepUntil(Math.min(next, System.nanoTime() + 1_000_000));
                    }
                }
            }
            // The untouched keys: when does the store itself remove them?
            long lastDeadline = deadline[keys - 1];
            long reclaimed = -1;
            String reclaimUnknown = null;
            long limit = lastDeadline + Duration.ofSeconds(30).toNanos();
            try {
                while (System.nanoTime() < limit) {
                    if (store.present(prefix) == 0) {
                        reclaimed = System.nanoTime();
                        break;
                    }
                    Thread.sleep(10);
                }
            } catch (UnsupportedOperationException cannotCount) {
                reclaimUnknown = cannotCount.getMessage();
            }
            double[] seen = Arrays.stream(lateness).filter(l -> !Double.isNaN(l)).sorted().toArray();
            return new Result(nativeTtl, keys, ttl.toMillis(), polled, early, percentile(seen, 50), percentile(seen, 99),
                    seen.length == 0 ? 0 : seen[seen.length - 1],
                    reclaimed < 0 ? -1 : Math.max(0, reclaimed - lastDeadline) / 1e6, reclaimed >= 0,
                    nativeTtl ? null : "expires_at column honoured by reads, DELETE of expired rows every " + sweepInterval.toMillis() + " ms",
                    sweeps.get() == 0 ? 0 : sweepNanos.get() / 1e6 / sweeps.get(), reclaimUnknown);
        } finally {
            stop.set(true);
            if (sweeper != null) {
                sweeper.interrupt();
                sweeper.join(5000);
            }
            store.cleanUp(prefix);
        }
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long left;
        while ((left = nanos - System.nanoTime()) > 0) {
            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        }
    }

    private static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return Math.round(sorted[Math.max(0, Math.min(i, sorted.length - 1))] * 100) / 100.0;
    }
}
