package dev.scale.probes;

import dev.scale.probes.StoreAdapter;
import java.util.List;
import java.util.function.Consumer;

/**
 * A probe that answers one of the talk's questions with measurements. Its parameters and metrics have
 * names, the same in {@code scale probe NAME --PARAM} and in a scenario's rules, so a scenario can be
 * checked against the probe before anything starts and a user can read off the names from {@code --help}.
 */
public interface VerdictProbe {

    String name();

    /** What the probe measures, in a few lines for --help. */
    List<String> description();

    List<Param> params();

    /** The metrics {@link #run} puts in its measurement, which scenario rules may test. */
    List<Metric> metrics();

    /**
     * Measures {@code store}. Everything the probe writes is removed before it returns, whatever happens.
     *
     * @param progress short lines for the user while it runs ("4 writers on one hot key")
     */
    Measurement run(StoreAdapter store, Params params, Consumer<String> progress) throws Exception;

    /**
     * Checks what {@link Params#of} cannot (a list's words, a combination), before anything starts.
     * @throws dev.scale.errors.ScaleException a usage error saying what is wrong
     */
    default void check(Params params) {
    }

    /** Whether it measures how a store carries messages ({@link #runOnQueues}) rather than its keys ({@link #run}). */
    default boolean measuresQueues() {
        return false;
    }

    /**
     * As {@link #run}, on a store's queue adapter; only for a probe that {@link #measuresQueues}.
     * @param restarter restarts the server behind {@code store}, or null where nothing can
     */
    default Measurement runOnQueues(dev.scale.probes.QueueStore store, Restarter<QueueStore> restarter, Params params,
                                    Consumer<String> progress) throws Exception {
        throw new UnsupportedOperationException(name() + " measures keys, not queues");
    }

    /** Whether it measures how a store keeps files ({@link #runOnObjects}) rather than its keys ({@link #run}). */
    default boolean measuresObjects() {
        return false;
    }

    /**
     * As {@link #run}, on a store's object adapter; only for a probe that {@link #measuresObjects}.
     * @param restarter restarts the server behind {@code store}, or null where nothing can
     */
    default Measurement runOnObjects(dev.scale.probes.ObjectStore store, Restarter<dev.scale.probes.ObjectStore> restarter, Params params,
                                     Consumer<String> progress) throws Exception {
        throw new UnsupportedOperationException(name() + " measures keys, not objects");
    }

    /** Whether it measures a replicated store's failovers ({@link #runOnReplicated}) rather than its keys. */
    default boolean measuresFailover() {
        return false;
    }

    /** As {@link #run}, on a replicated store; only for a probe that {@link #measuresFailover}. */
    default Measurement runOnReplicated(dev.scale.probes.Replicated store, Params params, Consumer<String> progress) throws Exception {
        throw new UnsupportedOperationException(name() + " measures keys, not failovers");
    }

    /**
     * A parameter: its name (an option {@code --name} on the command line, a key in a scenario), default,
     * type and bounds (checked by {@link Params#of} before anything starts) and meaning.
     */
    record Param(String name, String defaultValue, Type type, long min, long max, String description) {
        public enum Type { NUMBER, DURATION, SIZE, TEXT }

        public static Param number(String name, long defaultValue, long min, long max, String description) {
            return new Param(name, Long.toString(defaultValue), Type.NUMBER, min, max, description);
        }

        /** Bounds in milliseconds. */
        public static Param duration(String name, String defaultValue, long minMillis, long maxMillis, String description) {
            return new Param(name, defaultValue, Type.DURATION, minMillis, maxMillis, description);
        }

        /** Bounds in bytes; values such as 64MB, 512KB or 4096. */
        public static Param size(String name, String defaultValue, long min, long max, String description) {
            return new Param(name, defaultValue, Type.SIZE, min, max, description);
        }

        public static Param text(String name, String defaultValue, String description) {
            return new Param(name, defaultValue, Type.TEXT, 0, 0, description);
        }

        /** What the value looks like, for --help. */
        public String label() {
            return switch (type) {
                case NUMBER -> "N";
                case DURATION -> "DURATION";
                case SIZE -> "SIZE";
                case TEXT -> "TEXT";
            };
        }
    }

    /** A number or flag the probe measures, with its unit in the name (_ms, _per_s, _bytes) and meaning. */
    record Metric(String name, String description) {
    }
}
