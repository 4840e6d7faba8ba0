package dev.scale.probes.stores.redis;

import dev.scale.probes.ObjectStore;
import dev.scale.probes.ObjectStore.Chunks;
import dev.scale.providers.Endpoint;
import dev.scale.providers.kinds.redis.Resp;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The objects probe on Redis: an object is a string, written with SET and then APPEND in {@value #CHUNK_MIB} MiB
 * chunks, read with GETRANGE in chunks of the same size, so neither side of the client holds a whole object. Redis
 * refuses a string over its {@code proto-max-bulk-len} (512 MB by default): the probe reports that refusal, in Redis's
 * words, as the store's limit. Keys are listed with SCAN and a pattern.
 */
public final class RedisObjects implements ObjectStore {
    static final int CHUNK_MIB = 8;
    private static final int CHUNK = CHUNK_MIB << 20;
    private final Endpoint endpoint;
    private Resp resp;

    public RedisObjects(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    private synchronized Resp resp() throws IOException {
        if (resp == null) {
            resp = RedisAdapter.connect(endpoint);
        }
        return resp;
    }

    @Override
    public String kind() {
        return "redis";
    }

    @Override
    public List<Variant> variants() {
        return List.of(new Strings());
    }

    @Override
    public String persistence() throws IOException {
        return RedisQueues.persistence(resp());
    }

    @Override
    public synchronized void close() {
        if (resp != null) {
            try {
                resp.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Resp.Reply call(String... args) throws IOException {
        List<byte[]> raw = new ArrayList<>();
        for (String a : args) {
            raw.add(bytes(a));
        }
        return ok(resp().callRaw(raw));
    }

    /** A reply, or Redis's refusal in its own words. */
    private static Resp.Reply ok(Resp.Reply r) throws IOException {
        if (r instanceof Resp.Error e) {
            throw new IOException("Redis: " + e.text());
        }
        return r;
    }

    private static String key(String space, String key) {
        return space + ":" + key;
    }

    /** A SCAN pattern matching exactly the keys that start with {@code prefix}: glob characters escaped. */
    static String pattern(String prefix) {
        return prefix.replaceAll("([*?\\[\\]\\\\])", "\\\\$1") + "*";
    }

    private final class Strings implements Variant {
        @Override
        public String name() {
            return "string";
        }

        @Override
        public String description() {
            return "a string per object: SET, APPEND and GETRANGE in " + CHUNK_MIB + " MiB chunks";
        }

        @Override
        public long documentedLimitBytes() {
            return 512L << 20; // proto-max-bulk-len's default: "a String value can be at most 512 MB"
        }

        @Override
        public void create(String space) throws IOException {
            resp(); // connects: an unreachable server or a refused password is said here, once
        }

        @Override
        public void put(String space, String key, InputStream body, long length) throws IOException {
            byte[] buffer = new byte[(int) Math.min(CHUNK, Math.max(length, 0))];
            byte[] k = bytes(key(space, key));
            long left = length;
            boolean first = true;
            do {
                int n = body.readNBytes(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < Math.min(buffer.length, left)) {
                    throw new IOException("the source ended " + (left - n) + " bytes early");
                }
                byte[] chunk = n == buffer.length ? buffer : java.util.Arrays.copyOf(buffer, n);
                ok(resp().callRaw(List.of(bytes(first ? "SET" : "APPEND"), k, chunk)));
                first = false;
                left -= n;
            } while (left > 0);
        }

        @Override
        public InputStream get(String space, String key) throws IOException {
            String k = key(space, key);
            Resp.Reply length = call("STRLEN", k);
            long size = ((Resp.Int) length).value();
            if (size == 0 && ((Resp.Int) call("EXISTS", k)).value() == 0) {
                return null;
            }
            return new Chunks(size, CHUNK) {
                @Override
                protected byte[] next(long offset, int n) throws IOException {
                    return ((Resp.Bulk) call("GETRANGE", k, Long.toString(offset), Long.toString(offset + n - 1))).value();
                }
            };
        }

        @Override
        public List<String> list(String space, String prefix) throws IOException {
            List<String> keys = new ArrayList<>();
            int cut = space.length() + 1;
            for (String k : scan(pattern(key(space, prefix)))) {
                keys.add(k.substring(cut));
            }
            keys.sort(null);
            return keys;
        }

        private List<String> scan(String pattern) throws IOException {
            List<String> keys = new ArrayList<>();
            String cursor = "0";
            do {
                Resp.Multi m = (Resp.Multi) call("SCAN", cursor, "MATCH", pattern, "COUNT", "1000");
                cursor = new String(((Resp.Bulk) m.items().get(0)).value(), StandardCharsets.UTF_8);
                for (Resp.Reply item : ((Resp.Multi) m.items().get(1)).items()) {
                    keys.add(new String(((Resp.Bulk) item).value(), StandardCharsets.UTF_8));
                }
            } while (!cursor.equals("0"));
            return keys;
        }

        @Override
        public void drop(String space) throws IOException {
            for (String k : scan(pattern(space + ":"))) {
                call("UNLINK", k);
            }
        }
    }
}
