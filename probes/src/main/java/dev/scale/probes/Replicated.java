package dev.scale.probes;

import dev.scale.providers.Topology;

/**
 * A replicated store as the failover probe drives it: a client that follows its failovers as an application's would
 * (from the connection contract alone), the member serving writes now, and faults done to a member by whoever runs
 * the topology (scale's provider).
 */
public interface Replicated extends AutoCloseable {
    /** Does a fault to a member, by its host name: the provider's. */
    interface Faults {
        void apply(String member, Topology.Fault fault) throws Exception;

        /** Undoes what an interrupted run left done to members (paused, cut off, stopped); what was undone, a line each. */
        default java.util.List<String> undoLeftovers() throws Exception {
            return java.util.List.of();
        }
    }

    /** How a datastore makes its replicated form from an instance's connection contract: null where it lists no replicas. */
    interface Factory {
        Replicated of(java.util.Map<String, String> contract, Faults faults);
    }

    /** The host name, in the topology, of the member that serves writes now ({@code NAME-1}). */
    String primary() throws Exception;

    /**
     * A fresh set-test client, its writes under a key of their own, whose fault and heal are the given ones.
     * @param timeoutMillis how long a write may wait for its answer before it counts as unknown
     */
    SetTest.Target target(int timeoutMillis, Runnable fault, Runnable heal) throws Exception;

    /** Who does faults to this store's members: the provider that runs it, as {@link Factory#of} was given. */
    Faults faults();

    /** Does a fault (or its undoing) to a member. */
    default void fault(String member, Topology.Fault fault) throws Exception {
        faults().apply(member, fault);
    }

    /** Undoes what an interrupted probe left done to members, before a new one starts: {@link Faults#undoLeftovers}. */
    default java.util.List<String> undoLeftovers() throws Exception {
        return faults().undoLeftovers();
    }

    /**
     * One look at whether the topology is whole (every member back, the old primary following the new one, every
     * watcher agreeing): null when it is, else what is missing.
     */
    String whole() throws Exception;

    /**
     * Waits until the topology is whole again, so that the next run starts where the first did.
     * @throws IllegalStateException saying what is still missing at the deadline
     */
    default void awaitWhole(long deadlineNanos) throws Exception {
        String why = null;
        while (System.nanoTime() < deadlineNanos) {
            why = whole();
            if (why == null) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the topology did not come back whole (" + why + ")");
    }

    /** Removes what the runs wrote. */
    void clean() throws Exception;

    @Override
    void close();
}
