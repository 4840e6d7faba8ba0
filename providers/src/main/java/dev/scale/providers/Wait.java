package dev.scale.providers;

import dev.scale.errors.ScaleException;

/**
 * The one way scale waits for something to become true (a server to answer, a container to go): try,
 * and on "not yet" sleep with a backoff from 5 ms, growing by half each time, up to 100 ms, until a deadline: a
 * server that answers after 120 ms is seen by 165 ms (with 20 ms doubling to 250 ms it was seen at 300 ms). A {@link ScaleException}
 * from the attempt is final (the container died) and ends the wait at once; any other exception is "not yet".
 */
public final class Wait {
    private static final long FIRST_NANOS = 5_000_000L;
    private static final long MAX_NANOS = 100_000_000L;

    private Wait() {
    }

    /** One try: the result when ready, or null when not yet. */
    public interface Attempt<T> {
        T get() throws Exception;
    }

    /** The deadline passed; {@link #getCause()} is the last "not yet" exception, if there was one. */
    public static final class TimedOut extends Exception {
        private static final long serialVersionUID = 1L;

        TimedOut(String what, Exception last) {
            super("timed out waiting for " + what + (last == null ? "" : " (" + firstLine(String.valueOf(last.getMessage())) + ")"), last);
        }

        /** The last "not yet" reason, for an error line; "no answer" when the attempt only said not yet. */
        public String lastReason() {
            return getCause() == null ? "no answer" : firstLine(String.valueOf(getCause().getMessage()));
        }
    }

    /**
     * @param deadline {@link System#nanoTime()} by which it must be ready
     * @throws TimedOut when the deadline passes first
     * @throws ScaleException from the attempt, or when interrupted
     */
    public static <T> T until(long deadline, String what, Attempt<T> attempt) throws TimedOut {
        Exception last = null;
        long pause = FIRST_NANOS;
        while (true) {
            try {
                T result = attempt.get();
                if (result != null) {
                    return result;
                }
            } catch (ScaleException fatal) {
                throw fatal;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ScaleException.failure("interrupted while waiting for " + what, e);
            } catch (Exception notYet) {
                last = notYet;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimedOut(what, last);
            }
            sleep(Math.min(pause, left));
            pause = Math.min(MAX_NANOS, pause + pause / 2);
        }
    }

    /** Waits until {@code done} is true; false when the deadline passed first. Never throws but for an interrupt. */
    public static boolean untilTrue(long deadline, String what, Attempt<Boolean> done) {
        try {
            until(deadline, what, () -> Boolean.TRUE.equals(done.get()) ? Boolean.TRUE : null);
            return true;
        } catch (TimedOut e) {
            return false;
        }
    }

    /** Sleeps; an interrupt becomes a failure, with the flag kept. */
    public static void sleep(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000L, (int) (nanos % 1_000_000L));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ScaleException.failure("interrupted", e);
        }
    }

    static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
