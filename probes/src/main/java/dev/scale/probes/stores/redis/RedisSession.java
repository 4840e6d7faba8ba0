package dev.scale.probes.stores.redis;

import dev.scale.providers.kinds.redis.Resp;

import dev.scale.probes.KvSession;
import dev.scale.providers.Endpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** {@link KvSession} for Redis: native TTL (PX), INCRBY, CAS and transactions through WATCH/MULTI/EXEC. */
public final class RedisSession implements KvSession {
    private final Resp resp;

    public RedisSession(Endpoint e) throws IOException {
        resp = RedisAdapter.connect(e);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** One command; an error reply becomes an exception. */
    private Resp.Reply call(byte[]... args) throws IOException {
        Resp.Reply reply = resp.callRaw(List.of(args));
        if (reply instanceof Resp.Error e) {
            throw new IOException(e.text());
        }
        return reply;
    }

    private long integer(byte[]... args) throws IOException {
        return ((Resp.Int) call(args)).value();
    }

    @Override
    public Optional<byte[]> get(String key) throws IOException {
        return Optional.ofNullable(((Resp.Bulk) call(b("GET"), b(key))).value());
    }

    @Override
    public void put(String key, byte[] value) throws IOException {
        call(b("SET"), b(key), value);
    }

    @Override
    public boolean delete(String key) throws IOException {
        return integer(b("DEL"), b(key)) > 0;
    }

    @Override
    public void putWithTtl(String key, byte[] value, Duration ttl) throws IOException {
        call(b("SET"), b(key), value, b("PX"), b(Long.toString(Math.max(1, ttl.toMillis()))));
    }

    @Override
    public boolean nativeTtl() {
        return true;
    }

    @Override
    public long increment(String key, long delta) throws IOException {
        return integer(b("INCRBY"), b(key), b(Long.toString(delta)));
    }

    /** EXEC answers a nil array when a WATCHed key changed since WATCH. */
    private boolean exec() throws IOException {
        return ((Resp.Multi) call(b("EXEC"))).items() != null;
    }

    /** WATCH, compare, then MULTI/SET/EXEC. */
    @Override
    public boolean compareAndSet(String key, Optional<byte[]> expected, byte[] next) throws IOException {
        call(b("WATCH"), b(key));
        Optional<byte[]> current = get(key);
        boolean same = current.isPresent() == expected.isPresent()
                && (current.isEmpty() || java.util.Arrays.equals(current.get(), expected.get()));
        if (!same) {
            call(b("UNWATCH"));
            return false;
        }
        call(b("MULTI"));
        call(b("SET"), b(key), next);
        return exec();
    }

    @Override
    public int transaction(List<String> keys, UnaryOperator<Map<String, Optional<byte[]>>> change) throws IOException {
        for (int aborted = 0; ; aborted++) {
            byte[][] watch = new byte[keys.size() + 1][];
            watch[0] = b("WATCH");
            for (int i = 0; i < keys.size(); i++) {
                watch[i + 1] = b(keys.get(i));
            }
            call(watch);
            Map<String, Optional<byte[]>> current = new LinkedHashMap<>();
            for (String k : keys) {
                current.put(k, get(k));
            }
            Map<String, Optional<byte[]>> next = change.apply(current);
            call(b("MULTI"));
            for (var e : next.entrySet()) {
                if (e.getValue().isPresent()) {
                    call(b("SET"), b(e.getKey()), e.getValue().get());
                } else {
                    call(b("DEL"), b(e.getKey()));
                }
            }
            if (exec()) {
                return aborted;
            }
            // a watched key changed: try again
        }
    }

    @Override
    public boolean multiKeyTransactions() {
        return true;
    }

    @Override
    public String transactionKind() {
        return "WATCH/MULTI/EXEC, retried when a watched key changed";
    }

    @Override
    public void close() {
        try {
            resp.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
