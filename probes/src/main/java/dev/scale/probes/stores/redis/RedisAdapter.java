package dev.scale.probes.stores.redis;

import dev.scale.probes.TtlStore;
import dev.scale.providers.kinds.redis.Resp;

import dev.scale.probes.Driver;
import dev.scale.probes.KvSession;
import dev.scale.probes.StoreAdapter;
import dev.scale.probes.Method;
import dev.scale.probes.stores.redis.RedisMethods;
import dev.scale.probes.RelationalModel;
import dev.scale.providers.Endpoint;
import dev.scale.errors.ScaleException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The probes' view of a Redis server. */
public final class RedisAdapter implements StoreAdapter {
    private final Endpoint endpoint;

    public RedisAdapter(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    /**
     * A connection for administrative commands and the verdict probes' sessions, over TLS when the endpoint requires
     * it. A server that cannot be reached or refuses TLS is an environment error (exit 3) whose one line says the
     * way out (SCALE_CA_FILE, rediss://): as an IOException it would reach the user as an internal error.
     */
    public static Resp connect(Endpoint e) throws IOException {
        try {
            return Resp.connect(e);
        } catch (Resp.TlsRefused refused) {
            throw ScaleException.environment(refused.getMessage(), null, refused);
        } catch (IOException ex) {
            if (String.valueOf(ex.getMessage()).startsWith("Redis refused the login")) {
                throw ScaleException.environment(ex.getMessage(), "check the password in --on", ex);
            }
            // a TLS-only port (every managed Redis) accepts a plaintext client, then drops it without a word
            String tls = e.tls() == null && !(ex instanceof java.net.ConnectException) ? "; a server that requires TLS wants rediss://" : "";
            throw ScaleException.environment("cannot reach Redis at " + e.host() + ":" + e.port() + ": " + ex.getMessage(),
                    "check the address, or that the instance is running (scale ls)" + tls, ex);
        }
    }

    /** SCAN MATCH prefix* and DEL what it finds. */
    public static void deleteByPrefix(Endpoint e, String prefix) throws IOException {
        try (Resp r = connect(e)) {
            String cursor = "0";
            do {
                Resp.Multi m = (Resp.Multi) r.call(List.of("SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"));
                cursor = new String(((Resp.Bulk) m.items().get(0)).value(), StandardCharsets.US_ASCII);
                List<String> del = new ArrayList<>(List.of("DEL"));
                for (Resp.Reply k : ((Resp.Multi) m.items().get(1)).items()) {
                    del.add(new String(((Resp.Bulk) k).value(), StandardCharsets.UTF_8));
                }
                if (del.size() > 1) {
                    r.call(del);
                }
            } while (!cursor.equals("0"));
        }
    }

    /** One field of INFO's text, as a number (0 when absent). */
    static long info(Endpoint e, String section, String field) throws IOException {
        try (Resp r = connect(e)) {
            Resp.Reply reply = r.call(List.of("INFO", section));
            if (reply instanceof Resp.Error err) {
                throw new IOException(err.text());
            }
            String text = new String(((Resp.Bulk) reply).value(), StandardCharsets.UTF_8);
            for (String line : text.split("\r?\n")) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).trim());
                }
            }
            return 0;
        }
    }

    @Override
    public String kind() {
        return "redis";
    }

    @Override
    public KvSession session() throws IOException {
        return new RedisSession(endpoint);
    }

    @Override
    public void deleteByPrefix(String prefix) throws IOException {
        deleteByPrefix(endpoint, prefix);
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
        return new RedisDriver(endpoint);
    }

    @Override
    public TtlStore ttl() {
        return RedisTtl.of(endpoint);
    }

    @Override
    public List<String> rmwMethods() {
        return RedisMethods.names();
    }

    @Override
    public Method openRmw(String method) throws IOException {
        return RedisMethods.open(method, endpoint);
    }

    @Override
    public void prepareRmw() {
    }

    @Override
    public void cleanUpRmw() throws IOException {
        RedisMethods.cleanUp(endpoint);
    }

    @Override
    public long bytesUsed() throws IOException {
        return info(endpoint, "memory", "used_memory");
    }

    @Override
    public String bytesUsedMeaning() {
        return "INFO used_memory";
    }

    @Override
    public long evictions() throws IOException {
        return info(endpoint, "stats", "evicted_keys");
    }

    @Override
    public RelationalModel relational() throws IOException {
        return new RedisRelational(endpoint);
    }
}
