package dev.scale.probes.ttl;

import dev.scale.probes.KvSession;
import dev.scale.providers.ScaleException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * "Can the store manage TTL?" measured: {@code keys} keys are written with a short time to live; one in
 * {@code pollEvery} is read repeatedly to see when it disappears, the rest are left untouched to see when
 * the store reclaims them by itself. A store without native TTL is measured through its emulation (an
 * expiry column that reads honour, plus a periodic delete), and its cost is reported.
 */
public final class TtlProbe {

    /** The store-specific part: how many of the probe's keys still physically exist, and the emulation's sweep. */
    public interface Store {
        KvSession session() throws Exception;

        /** Called before the keys are written (a baseline for {@link #present}). */
        void before(String prefix) throws Exception;

        /** How many of the probe's keys still physically exist, without touching (and so expiring) them. */
        long present(String prefix) throws Exception;

        /** Deletes expired rows once (emulated TTL only); returns rows deleted. */
        long sweep() throws Exception;

        void cleanUp(String prefix) throws Exception;
    }

    public record Result(boolean nativeTtl, int keys, long ttlMillis, int polled, int earlyExpiries, double latenessP50Millis,
                         double latenessP99Millis, double latenessMaxMillis, double reclaimedAfterMillis, boolean allReclaimed,
                         String emulation, double sweepMillisAverage) {
    }

    private TtlProbe() {
    }

    public static Result run(Store store, int keys, Duration ttl, int pollEvery, Duration sweepInterval) throws Exception {
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
            boolean[] gone = new boolean[polled];
            // Early expiry: at half their time to live, every polled key must still be there.
            sleepUntil(deadline[0] - ttl.toNanos() / 2);
            int early = 0;
            for (int i = 0; i < keys; i += pollEvery) {
                if (System.nanoTime() < deadline[i] - ttl.toNanos() / 4 && poller.get(prefix + i).isEmpty()) {
                    early++;
                }
            }
            // Lateness: from each polled key's deadline to the first read that no longer finds it. Only keys
            // that are due are read, so the poll cycle stays short and measures the store, not the poller.
            int remaining = polled;
            long giveUp = deadline[keys - 1] + ttl.toNanos() * 4 + Duration.ofSeconds(10).toNanos();
            while (remaining > 0 && System.nanoTime() < giveUp) {
                boolean any = false;
                for (int p = 0, i = 0; i < keys; i += pollEvery, p++) {
                    if (gone[p] || System.nanoTime() < deadline[i]) {
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
                    Thread.sleep(1);
                }
            }
            // The untouched keys: when does the store itself remove them?
            long lastDeadline = deadline[keys - 1];
            long reclaimed = -1;
            long limit = lastDeadline + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < limit) {
                if (store.present(prefix) == 0) {
                    reclaimed = System.nanoTime();
                    break;
                }
                Thread.sleep(10);
            }
            double[] seen = Arrays.stream(lateness).sorted().toArray();
            return new Result(nativeTtl, keys, ttl.toMillis(), polled, early, percentile(seen, 50), percentile(seen, 99),
                    seen.length == 0 ? 0 : seen[seen.length - 1],
                    reclaimed < 0 ? -1 : Math.max(0, reclaimed - lastDeadline) / 1e6, reclaimed >= 0,
                    nativeTtl ? null : "expires_at column honoured by reads, DELETE of expired rows every " + sweepInterval.toMillis() + " ms",
                    sweeps.get() == 0 ? 0 : sweepNanos.get() / 1e6 / sweeps.get());
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
