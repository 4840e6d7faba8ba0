package dev.scale.probes.stores.memcached;

import dev.scale.errors.ScaleException;
import dev.scale.probes.Driver;
import dev.scale.probes.KvSession;
import dev.scale.probes.Method;
import dev.scale.probes.RelationalModel;
import dev.scale.probes.StoreAdapter;
import dev.scale.probes.TtlStore;
import dev.scale.providers.Endpoint;
import dev.scale.providers.kinds.memcached.Memcache;
import java.io.IOException;
import java.util.List;

/**
 * The probes' view of a memcached server, over its text protocol. memcached has no login (the endpoint's
 * password is empty), cannot list keys (what the probes write is remembered, see {@link WrittenKeys}), and
 * reports its size, item count and evictions in {@code stats}.
 */
public final class MemcachedAdapter implements StoreAdapter {
    /** A reply slower than this is a hung server, not a slow one. */
    static final int TIMEOUT_MILLIS = 30_000;
    private final Endpoint endpoint;
    private final WrittenKeys written = new WrittenKeys();

    public MemcachedAdapter(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** A blocking connection (no login: the text protocol has none), or an environment error saying why not. */
    static Memcache connect(Endpoint e) throws IOException {
        try {
            Memcache mc = Memcache.connect(e);
            mc.timeout(TIMEOUT_MILLIS);
            return mc;
        } catch (IOException ex) {
            throw ScaleException.environment("cannot reach memcached at " + e.host() + ":" + e.port() + ": " + ex.getMessage(),
                    "check the address, or that the instance is running (scale ls)", ex);
        }
    }

    /** One field of {@code stats}, as a number. */
    static long stat(Endpoint e, String name) throws IOException {
        try (Memcache mc = connect(e)) {
            long v = mc.stat(name);
            if (v < 0) {
                throw new IOException("memcached's stats have no " + name);
            }
            return v;
        }
    }

    /** Items the server holds, expired or not until it reclaims them: stats curr_items. */
    static long items(Endpoint e) throws IOException {
        return stat(e, "curr_items");
    }

    @Override
    public String kind() {
        return "memcached";
    }

    @Override
    public KvSession session() throws IOException {
        return new MemcachedSession(endpoint, written);
    }

    @Override
    public void deleteByPrefix(String prefix) throws IOException {
        written.deleteByPrefix(endpoint, prefix);
    }

    @Override
    public void cleanUpSessions() {
        // keys only, removed by prefix
    }

    @Override
    public String kvModel() {
        return "native";
    }

    @Override
    public Driver driver() {
        return new MemcachedDriver(endpoint);
    }

    @Override
    public TtlStore ttl() {
        return new MemcachedTtl(endpoint, written);
    }

    @Override
    public List<String> rmwMethods() {
        return MemcachedMethods.names();
    }

    @Override
    public Method openRmw(String method) throws IOException {
        return MemcachedMethods.open(method, endpoint, written);
    }

    @Override
    public void prepareRmw() {
    }

    @Override
    public void cleanUpRmw() throws IOException {
        MemcachedMethods.cleanUp(endpoint);
    }

    /** Bytes the items take, as memcached counts them (key, value and item header; not the slab pages it holds). */
    @Override
    public long bytesUsed() throws IOException {
        return stat(endpoint, "bytes");
    }

    @Override
    public String bytesUsedMeaning() {
        return "stats bytes";
    }

    /** Items memcached dropped from an LRU's tail to make room for new ones, since it started. */
    @Override
    public long evictions() throws IOException {
        return stat(endpoint, "evictions");
    }

    @Override
    public RelationalModel relational() throws IOException {
        return new MemcachedRelational(endpoint, written);
    }
}
