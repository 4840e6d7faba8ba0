package dev.scale.probes;

import dev.scale.probes.Method;
import dev.scale.probes.RelationalModel;
import java.util.List;

/**
 * Everything the probes need from one kind of store, reached at one endpoint. A probe is written once
 * against this; each kind's adapter lives in its own package under {@code dev.scale.probes.stores}, and the
 * CLI's registry says which adapter serves which kind.
 */
public interface StoreAdapter extends AutoCloseable {

    /** The kind's name: redis, postgres. */
    String kind();

    /** A new blocking connection; the caller closes it. */
    KvSession session() throws Exception;

    /** Removes every key starting with {@code prefix} that sessions wrote. */
    void deleteByPrefix(String prefix) throws Exception;

    /** Removes what sessions created beyond keys (PostgreSQL: its table), when no probe needs it any more. */
    void cleanUpSessions() throws Exception;

    /** How keys and values are stored: "native" or the emulation (a table). */
    String kvModel();

    /** The kv probe's driver, for throughput and latency under a mix. */
    Driver driver();

    TtlStore ttl();

    /** The ways this store offers to increment a counter, the naive one first. */
    List<String> rmwMethods();

    Method openRmw(String method) throws Exception;

    void prepareRmw() throws Exception;

    void cleanUpRmw() throws Exception;

    /** Bytes the store uses for data (Redis: used_memory; PostgreSQL: the table's size), or -1 where it cannot be read. */
    long bytesUsed() throws Exception;

    String bytesUsedMeaning();

    /** Keys the store has evicted since it started (0 where it never evicts), or -1 where it cannot be read. */
    long evictions() throws Exception;

    /** The relational probe's model: a server-side one, or the client-side emulation this store needs. */
    RelationalModel relational() throws Exception;

    /** Closes what the adapter holds open (Couchbase: its SDK connection). */
    @Override
    default void close() {
    }
}
