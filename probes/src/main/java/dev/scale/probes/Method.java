package dev.scale.probes;

/**
 * One way to increment a shared counter: {@link #increment} does it once, retrying as the method
 * requires, and returns how many attempts the store aborted on the way (0 when none).
 */
public interface Method extends AutoCloseable {

    /** Short name, as reported: naive, incr, watch-multi, update-add, select-for-update, repeatable-read, serializable. */
    String name();

    /** Whether the method is meant to be atomic: all but the naive one, which is the control. */
    default boolean atomic() {
        return !name().equals("naive");
    }

    /** The counter a method increments. */
    static String key(String method) {
        return "scale:rmw:" + method;
    }

    int increment(String key) throws Exception;

    long read(String key) throws Exception;

    void reset(String key) throws Exception;

    @Override
    void close();
}
