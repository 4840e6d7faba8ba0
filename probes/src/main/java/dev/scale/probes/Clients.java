package dev.scale.probes;

import dev.scale.errors.ScaleException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * Blocking clients for the verdict probes: {@code n} threads, each with its own {@link KvSession}, repeat
 * one step until a deadline; each step's latency goes into a histogram and a step that throws is counted
 * as an error (the client goes on, unless its connection is gone). Throughput here is what concurrent
 * application threads would see, which is the question, not the server's peak (that is the kv probe).
 */
public final class Clients {

    /** One client's step; {@code i} counts that client's steps from 0. */
    public interface Step {
        void run(KvSession session, int client, long i) throws Exception;
    }

    /** @param latency in nanoseconds, over all clients */
    public record Outcome(long ops, long errors, double seconds, Histogram latency, String firstError) {
        public double opsPerSecond() {
            return ops / Math.max(seconds, 1e-9);
        }

        public double percentileMillis(double p) {
            return latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(p) / 1e6;
        }
    }

    private Clients() {
    }

    /** Waits for a thread to end (at most 30 s), even if this thread is interrupted meanwhile. */
    public static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (t.isAlive() && System.nanoTime() < deadline) {
            try {
                t.join(100);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    public static Outcome run(StoreAdapter store, int n, Duration duration, Step step) {
        List<KvSession> sessions = new ArrayList<>();
        try {
            for (int c = 0; c < n; c++) {
                sessions.add(store.session());
            }
        } catch (Exception e) {
            sessions.forEach(KvSession::close);
            throw ScaleException.failure("could not open " + n + " connections to " + store.kind() + ": " + e.getMessage(), e);
        }
        Histogram[] latency = new Histogram[n];
        long[] ops = new long[n];
        long[] errors = new long[n];
        AtomicReference<String> firstError = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        long[] window = new long[2];
        for (int c = 0; c < n; c++) {
            int client = c;
            latency[c] = new Histogram(3_600_000_000_000L, 3);
            Thread t = new Thread(() -> {
                KvSession s = sessions.get(client);
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                long end = window[1];
                for (long i = 0; System.nanoTime() < end && !Thread.currentThread().isInterrupted(); i++) {
                    long t0 = System.nanoTime();
                    try {
                        step.run(s, client, i);
                        latency[client].recordValue(Math.max(1, System.nanoTime() - t0));
                        ops[client]++;
                    } catch (Exception e) {
                        errors[client]++;
                        firstError.compareAndSet(null, e.getMessage() == null ? e.toString() : e.getMessage());
                        if (e instanceof java.io.IOException && errors[client] > 100) {
                            return; // a connection that keeps failing: the errors are counted, stop hammering
                        }
                    }
                }
            }, "scale-client-" + c);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        try {
            ready.await();
            window[0] = System.nanoTime();
            window[1] = window[0] + duration.toNanos();
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            // Ctrl-C: the clients stop after their current operation; wait for them, so that nothing
            // writes while the caller removes what was written
            threads.forEach(Thread::interrupt);
            for (Thread t : threads) {
                joinUninterruptibly(t);
            }
            Thread.currentThread().interrupt();
            throw ScaleException.failure("interrupted", e);
        } finally {
            sessions.forEach(KvSession::close);
        }
        double seconds = (System.nanoTime() - window[0]) / 1e9;
        Histogram all = new Histogram(3_600_000_000_000L, 3);
        long total = 0;
        long failed = 0;
        for (int c = 0; c < n; c++) {
            all.add(latency[c]);
            total += ops[c];
            failed += errors[c];
        }
        return new Outcome(total, failed, seconds, all, firstError.get());
    }
}
