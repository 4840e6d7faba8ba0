package dev.scale.probes;

import java.util.function.LongConsumer;

/**
 * Runs a key/value workload against one kind of store. Implementations own their connection and thread
 * layout (an event loop for Redis, a thread per client for JDBC), because that layout is what decides
 * whether the generator, and not the server, is the bottleneck.
 */
public interface Driver extends AutoCloseable {

    /** Writes every key of the workload once; reports keys written so far. */
    void load(Workload workload, LongConsumer written) throws Exception;

    /** Runs the workload's clients until {@link Run#stopped()}, recording each operation. */
    void run(Workload workload, Run run) throws Exception;

    /** Removes what {@link #load} and the run wrote, so that a probe leaves a user's server as it was. */
    void cleanUp(Workload workload) throws Exception;

    @Override
    void close();
}
