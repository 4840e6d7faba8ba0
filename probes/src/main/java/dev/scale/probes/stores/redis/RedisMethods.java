package dev.scale.probes.stores.redis;

import dev.scale.probes.Method;

import dev.scale.probes.stores.redis.RedisAdapter;
import dev.scale.providers.kinds.redis.Resp;
import dev.scale.providers.Endpoint;
import java.io.IOException;
import java.util.List;

/** Redis's ways to increment: a naive GET then SET, INCR, and WATCH/MULTI/EXEC with retry. */
public final class RedisMethods {
    private RedisMethods() {
    }

    public static List<String> names() {
        return List.of("naive", "incr", "watch-multi");
    }

    private static Resp connect(Endpoint e) throws IOException {
        return RedisAdapter.connect(e);
    }

    /** Deletes the probe's counters. */
    public static void cleanUp(Endpoint e) throws IOException {
        try (Resp resp = connect(e)) {
            List<String> del = new java.util.ArrayList<>(List.of("DEL"));
            names().forEach(n -> del.add(Method.key(n)));
            ok(resp.call(del));
        }
    }

    public static Method open(String name, Endpoint e) throws IOException {
        Resp resp = connect(e);
        return new Method() {
            @Override
            public String name() {
                return name;
            }


            @Override
            public int increment(String key) throws IOException {
                switch (name) {
                    case "naive" -> {
                        long v = read(key);
                        ok(resp.call(List.of("SET", key, Long.toString(v + 1))));
                        return 0;
                    }
                    case "incr" -> {
                        ok(resp.call(List.of("INCR", key)));
                        return 0;
                    }
                    default -> {
                        int aborts = 0;
                        while (true) {
                            ok(resp.call(List.of("WATCH", key)));
                            long v = read(key);
                            ok(resp.call(List.of("MULTI")));
                            ok(resp.call(List.of("SET", key, Long.toString(v + 1))));
                            Resp.Reply exec = ok(resp.call(List.of("EXEC")));
                            if (exec instanceof Resp.Multi m && m.items() != null) {
                                return aborts;
                            }
                            aborts++; // the key changed between WATCH and EXEC
                        }
                    }
                }
            }

            @Override
            public long read(String key) throws IOException {
                Resp.Reply r = ok(resp.call(List.of("GET", key)));
                return r instanceof Resp.Bulk b && b.value() != null ? Long.parseLong(new String(b.value(), java.nio.charset.StandardCharsets.US_ASCII)) : 0;
            }

            @Override
            public void reset(String key) throws IOException {
                ok(resp.call(List.of("SET", key, "0")));
            }

            @Override
            public void close() {
                try {
                    resp.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        };
    }

    private static Resp.Reply ok(Resp.Reply r) throws IOException {
        if (r instanceof Resp.Error e) {
            throw new IOException(e.text());
        }
        return r;
    }
}
