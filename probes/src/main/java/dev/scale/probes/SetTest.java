package dev.scale.probes;

import dev.scale.probes.History.Outcome;
import java.util.BitSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One run of the Jepsen "set" workload against a replicated store: writers add unique ids at a fixed rate (an open
 * loop: a slow store does not slow the schedule, late writes queue), the fault is injected a third of the way through
 * and healed two thirds through, the topology is given time to settle, and every id is read back from whichever node
 * is primary then. {@link History} turns that into counts.
 */
public final class SetTest {
    /** The store under test, as a client that follows its failovers would use it. */
    public interface Target extends AutoCloseable {
        /** Adds {@code id}; what the client saw. Never throws: a failure is REFUSED (it did not happen) or UNKNOWN. */
        Outcome add(int id);

        /** Every id present, read from the current primary once things have settled. */
        BitSet readBack() throws Exception;

        /** Breaks the primary (kill -9, pause, a network cut). */
        void fault() throws Exception;

        /** Undoes what {@link #fault} did that can be undone (starts the killed node again, unpauses, reconnects). */
        void heal() throws Exception;

        /** When the store named a new primary after the fault (nanoTime), or -1 where it cannot tell. */
        default long promotedNanos() {
            return -1;
        }

        @Override
        void close();
    }

    private SetTest() {
    }

    /**
     * @param rate writes per second, spread over {@code writers} threads
     * @param seconds how long the writers run; fault at a third, heal at two thirds
     * @param settleMillis how long to wait after the writers stop before reading back
     */
    public static History run(Target target, int writers, int rate, double seconds, long settleMillis) throws Exception {
        History history = new History();
        int total = (int) Math.round(rate * seconds);
        long start = System.nanoTime();
        long interval = Math.max(1, 1_000_000_000L / rate);
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            for (int w = 0; w < writers; w++) {
                pool.submit(() -> {
                    for (int id; (id = next.getAndIncrement()) < total; ) {
                        long due = start + id * interval;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                        long sent = System.nanoTime();
                        Outcome o = target.add(id);
                        history.add(new History.Write(id, sent, System.nanoTime(), o));
                    }
                    return null;
                });
            }
            long runNanos = (long) (seconds * 1e9);
            sleepUntil(start + runNanos / 3);
            history.fault(System.nanoTime());
            target.fault();
            sleepUntil(start + 2 * runNanos / 3);
            target.heal();
            history.healed(System.nanoTime());
            pool.shutdown();
            if (!pool.awaitTermination((long) (seconds * 4) + 60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the writers did not finish");
            }
        } finally {
            pool.shutdownNow();
        }
        if (target.promotedNanos() > 0) {
            history.promoted(target.promotedNanos());
        }
        Thread.sleep(settleMillis);
        history.present(target.readBack());
        return history;
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long wait = nanos - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }
}
