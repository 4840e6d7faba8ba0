package dev.scale.probes.stores.memcached;

import dev.scale.probes.KvSession;
import dev.scale.probes.TtlStore;
import dev.scale.providers.Endpoint;
import java.io.IOException;

/** The ttl probe's memcached part: native TTL with whole-second expiry (see {@link MemcachedSession#putWithTtl}), the probe's keys counted with stats curr_items. */
final class MemcachedTtl implements TtlStore {
    private final Endpoint endpoint;
    private final WrittenKeys written;
    private long baseline;

    MemcachedTtl(Endpoint endpoint, WrittenKeys written) {
        this.endpoint = endpoint;
        this.written = written;
    }

    @Override
    public KvSession session() throws IOException {
        return new MemcachedSession(endpoint, written);
    }

    @Override
    public void before(String prefix) throws IOException {
        baseline = MemcachedAdapter.items(endpoint);
    }

    /**
     * Items memcached still holds beyond the baseline, expired or not. curr_items counts without touching
     * items: a get would find an expired key, unlink it and so reclaim it for the store, hiding what the store
     * does by itself (memcached reclaims expired items lazily, on access, or in the background with its LRU
     * crawler). An expired item nobody read stays counted until one of those removes it, which is exactly
     * what this measures. Other clients' writes meanwhile would blur the count.
     */
    @Override
    public long present(String prefix) throws IOException {
        return Math.max(0, MemcachedAdapter.items(endpoint) - baseline);
    }

    @Override
    public long sweep() {
        return 0;
    }

    @Override
    public void cleanUp(String prefix) throws IOException {
        written.deleteByPrefix(endpoint, prefix);
    }
}
