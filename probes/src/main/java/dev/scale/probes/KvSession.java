package dev.scale.probes;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * One client's blocking connection to a store, with the operations the talk's questions need
 * (TTL, atomicity, transactions). The kv probe's drivers have their own faster paths; the verdict
 * probes (ttl, atomic-rmw, transactions, write-concurrency) are written against this.
 */
public interface KvSession extends AutoCloseable {

    Optional<byte[]> get(String key) throws Exception;

    void put(String key, byte[] value) throws Exception;

    /** @return whether the key existed */
    boolean delete(String key) throws Exception;

    /** Stores a value that the store itself expires; stores without native TTL emulate it and say so in {@link #nativeTtl()}. */
    void putWithTtl(String key, byte[] value, Duration ttl) throws Exception;

    boolean nativeTtl();

    /** Atomically adds {@code delta} to a counter (created at 0) and returns the new value. */
    long increment(String key, long delta) throws Exception;

    /**
     * Replaces the value only if it is still {@code expected} (empty: the key must not exist).
     * @return whether the swap happened
     */
    boolean compareAndSet(String key, Optional<byte[]> expected, byte[] next) throws Exception;

    /**
     * Applies {@code change} to several keys as one atomic unit, retrying on conflicts as the store
     * requires. Each value given to {@code change} is the current one (empty if absent); an entry
     * {@code change} leaves out is not written, so an empty result makes a consistent multi-key read.
     * @return how many attempts the store aborted before one committed
     * @throws UnsupportedOperationException when the store has no multi-key transactions
     */
    int transaction(List<String> keys, UnaryOperator<Map<String, Optional<byte[]>>> change) throws Exception;

    boolean multiKeyTransactions();

    /** What {@link #transaction} is, in a few words, with its durability where the store has a choice. */
    String transactionKind();

    @Override
    void close();
}
