package dev.scale.providers;

import java.util.List;
import java.util.Optional;

/** Where instances run: a Docker engine, embedded processes, a managed service. */
public interface Provider {

    /** The name users type after {@code --provider}. */
    String name();

    /**
     * Whether this provider can start instances here, answered quickly.
     * @return empty when it can, else the reason it cannot (one line, with a way out)
     */
    Optional<String> unavailableReason();

    /**
     * Starts an instance and returns once a real client request succeeds against it.
     * On failure or interruption nothing of the instance is left behind.
     */
    Instance start(Spec spec, Progress progress);

    /**
     * Hands a started instance over to the user ({@code up}): from now on it is theirs, not the starting
     * process's, and that process's end does not make it an orphan. Instances of {@code try}, {@code run} and
     * probes are never handed over.
     * @throws NameTaken when another scale process handed over an instance of that name meanwhile
     */
    void handOver(String name);

    /** Every instance of this provider, from any scale process. */
    List<Instance> list();

    /** What this provider made but cannot read back as an instance; {@link #remove} removes each by its name. */
    default List<Broken> broken() {
        return List.of();
    }

    /**
     * Refuses, before anything starts, when instances handed over from here ({@code up}) could not be reached once this
     * command ends (Kubernetes from outside the cluster: its port-forwards end with the command).
     */
    default void requireLasting() {
    }

    /**
     * What forwards this provider's instances to this machine's 127.0.0.1 from another (a remote engine's tunnels, a
     * cluster's port-forwards), for ls to say; empty where nothing does.
     */
    default java.util.Optional<String> forwarding() {
        return java.util.Optional.empty();
    }

    /**
     * Removes the instance and everything made for it; returns once it is gone.
     * @return false when no such instance existed (removal is idempotent)
     */
    boolean remove(String name);

    /**
     * Restarts the instance's server: a clean stop (the kind's stop signal), then a start on the same data, and
     * returns once a real client request succeeds again. Its address may change (Docker gives a restarted
     * container's published port anew): the instance returned has the new one.
     * @throws dev.scale.errors.ScaleException where this provider cannot restart (a managed service)
     */
    default Instance restart(String name, Progress progress) {
        throw dev.scale.errors.ScaleException.usage("the " + name() + " provider cannot restart an instance");
    }

    /**
     * Does {@code fault} to one member of a topology ({@code up --replicas}): the failover probe's kill, pause and
     * network cut, and their undoing.
     * @param member the member's host name in the topology ({@code NAME-0})
     * @throws dev.scale.errors.ScaleException where this provider runs no topologies
     */
    default void fault(String instance, String member, Topology.Fault fault) {
        throw dev.scale.errors.ScaleException.usage("the " + name() + " provider runs no replicated topologies");
    }

    /**
     * Undoes what an interrupted failover probe left done to a replicated instance's members (a scale process killed
     * between a fault and its undoing): a paused member thawed, one cut off the network put back, a stopped one started
     * (unless the instance's time to live is over).
     *
     * @return what was undone, a line each; empty when nothing was left
     */
    default List<String> undoLeftoverFaults(String instance) {
        return List.of();
    }

    /** Removes whatever starts in progress in this process have made so far (Ctrl-C, a failed sibling). */
    default void cancelStarts() {
    }
}
