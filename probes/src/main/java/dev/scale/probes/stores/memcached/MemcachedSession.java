package dev.scale.probes.stores.memcached;

import dev.scale.probes.KvSession;
import dev.scale.providers.Endpoint;
import dev.scale.providers.kinds.memcached.Memcache;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * {@link KvSession} for memcached over its text protocol: native TTL with whole-second expiry, {@code incr} on a
 * counter created with {@code add}, compare-and-set with {@code gets} and {@code cas}, and no multi-key
 * transactions (memcached has none). Every key written is remembered by the adapter, for removal by prefix.
 */
public final class MemcachedSession implements KvSession {
    /** Keys are at most 250 bytes, without spaces or control characters. */
    static final int MAX_KEY = Memcache.MAX_KEY;
    /** Longest relative expiry: beyond 30 days memcached reads the number as a Unix time. */
    static final long MAX_RELATIVE_SECONDS = 30L * 24 * 3600;
    private final Memcache mc;
    private final WrittenKeys written;

    MemcachedSession(Endpoint endpoint, WrittenKeys written) throws IOException {
        this.mc = MemcachedAdapter.connect(endpoint);
        this.written = written;
    }

    /** Refuses a key the server would answer with CLIENT_ERROR (or, with a space, read as two keys). */
    static String checked(String key) {
        if (!Memcache.validKey(key)) {
            throw new IllegalArgumentException("memcached keys are 1 to " + MAX_KEY + " bytes without spaces or control characters, not '"
                    + (key.length() > 60 ? key.substring(0, 60) + "…" : key) + "'");
        }
        return key;
    }

    /** A storage command's status line, which must be one of {@code accepted}; an error line becomes an IOException that says it. */
    static String store(Memcache mc, String command, String key, long exptime, byte[] data, Long cas, String... accepted) throws IOException {
        String reply = mc.store(command, checked(key), 0, exptime, data, cas);
        for (String ok : accepted) {
            if (reply.equals(ok)) {
                return reply;
            }
        }
        throw refused(command, data.length, reply);
    }

    static IOException refused(String command, int bytes, String reply) {
        if (reply.contains("too large")) {
            // the item (value, key and header) is over the server's item size limit: -I, 1 MB by default
            return new IOException(reply + " (a " + bytes + "-byte value is over memcached's item size limit, -I, 1 MB by default,"
                    + " which counts the key and the item's header too)");
        }
        return new IOException(command + " answered " + reply);
    }

    static Optional<Memcache.Value> gets(Memcache mc, String command, String key) throws IOException {
        List<Memcache.Value> values = mc.retrieve(command, List.of(checked(key)));
        return values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    @Override
    public Optional<byte[]> get(String key) throws IOException {
        return gets(mc, "get", key).map(Memcache.Value::data);
    }

    @Override
    public void put(String key, byte[] value) throws IOException {
        written.add(checked(key));
        store(mc, "set", key, 0, value, null, "STORED");
    }

    @Override
    public boolean delete(String key) throws IOException {
        String reply = mc.call("delete " + checked(key));
        if (reply.equals("DELETED")) {
            return true;
        }
        if (reply.equals("NOT_FOUND")) {
            return false;
        }
        throw new IOException("delete answered " + reply);
    }

    /**
     * memcached's whole-second expiry: exptime counts whole seconds, so a shorter or fractional TTL is rounded
     * up (never to 0, which means "never expires"). Its clock also ticks once a second, so a key can end up to a
     * second before its time: the ttl probe's early expiries and lateness show it.
     */
    @Override
    public void putWithTtl(String key, byte[] value, Duration ttl) throws IOException {
        written.add(checked(key));
        store(mc, "set", key, exptime(ttl), value, null, "STORED");
    }

    /** A TTL in memcached's terms: whole seconds, rounded up, at least 1, and at most the 30 days it reads as relative. */
    static long exptime(Duration ttl) {
        long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
        if (seconds > MAX_RELATIVE_SECONDS) {
            throw new IllegalArgumentException("memcached reads an expiry over 30 days as a Unix time; give at most 30d, not " + ttl);
        }
        return seconds;
    }

    @Override
    public boolean nativeTtl() {
        return true;
    }

    /**
     * {@code incr} (or {@code decr} for a negative delta; memcached's counters are unsigned and stop at 0). On a
     * missing key memcached answers NOT_FOUND rather than starting at 0, so the counter is created with
     * {@code add} of 0, which only one client can win, and the increment is retried: no increment is lost to a race.
     */
    @Override
    public long increment(String key, long delta) throws IOException {
        written.add(checked(key));
        return increment(mc, key, delta);
    }

    static long increment(Memcache mc, String key, long delta) throws IOException {
        String command = (delta < 0 ? "decr " : "incr ") + checked(key) + " " + Math.abs(delta);
        for (int attempt = 0; attempt < 100; attempt++) {
            String reply = mc.call(command);
            if (!reply.isEmpty() && Character.isDigit(reply.charAt(0))) {
                return Long.parseUnsignedLong(reply.trim());
            }
            if (!reply.equals("NOT_FOUND")) {
                throw new IOException(command.substring(0, 4) + " answered " + reply);
            }
            store(mc, "add", key, 0, "0".getBytes(StandardCharsets.US_ASCII), null, "STORED", "NOT_STORED");
        }
        throw new IOException("the counter " + key + " kept disappearing between add and incr (evicted?)");
    }

    /** An absent expected value: {@code add}, which fails if the key exists. Otherwise {@code gets}, compare, then {@code cas} with its unique. */
    @Override
    public boolean compareAndSet(String key, Optional<byte[]> expected, byte[] next) throws IOException {
        written.add(checked(key));
        if (expected.isEmpty()) {
            return store(mc, "add", key, 0, next, null, "STORED", "NOT_STORED").equals("STORED");
        }
        Optional<Memcache.Value> current = gets(mc, "gets", key);
        if (current.isEmpty() || !Arrays.equals(current.get().data(), expected.get())) {
            return false;
        }
        // EXISTS: changed since the gets; NOT_FOUND: deleted (or expired, evicted) since
        return store(mc, "cas", key, 0, next, current.get().cas(), "STORED", "EXISTS", "NOT_FOUND").equals("STORED");
    }

    @Override
    public int transaction(List<String> keys, UnaryOperator<Map<String, Optional<byte[]>>> change) {
        throw new UnsupportedOperationException("memcached has no multi-key transactions (only compare-and-set on one key)");
    }

    @Override
    public boolean multiKeyTransactions() {
        return false;
    }

    @Override
    public String transactionKind() {
        return "none: memcached has no multi-key transactions, only gets/cas on one key";
    }

    @Override
    public void close() {
        try {
            mc.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
