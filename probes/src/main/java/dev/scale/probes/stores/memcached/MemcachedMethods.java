package dev.scale.probes.stores.memcached;

import dev.scale.probes.Method;
import dev.scale.providers.Endpoint;
import dev.scale.providers.kinds.memcached.Memcache;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * memcached's ways to increment: a naive get then set, the server's {@code incr}, and a CAS loop ({@code gets}
 * with the item's unique, {@code cas} only if it is still the same, retried on EXISTS). All three keep the
 * value as ASCII digits, {@code incr}'s own format, so one can read what another wrote.
 */
final class MemcachedMethods {
    private static final byte[] ZERO = "0".getBytes(StandardCharsets.US_ASCII);

    private MemcachedMethods() {
    }

    static List<String> names() {
        return List.of("naive", "incr", "cas-retry");
    }

    /** Deletes the probe's counters. */
    static void cleanUp(Endpoint e) throws IOException {
        WrittenKeys.deleteAll(e, names().stream().map(Method::key).toList());
    }

    private static byte[] digits(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    private static long number(byte[] data) {
        return Long.parseLong(new String(data, StandardCharsets.US_ASCII).trim());
    }

    static Method open(String name, Endpoint e, WrittenKeys written) throws IOException {
        if (!names().contains(name)) {
            throw new IllegalArgumentException("memcached has no increment method " + name + "; it has " + names());
        }
        Memcache mc = MemcachedAdapter.connect(e);
        return new Method() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public int increment(String key) throws IOException {
                written.add(key);
                switch (name) {
                    case "naive" -> {
                        MemcachedSession.store(mc, "set", key, 0, digits(read(key) + 1), null, "STORED");
                        return 0;
                    }
                    case "incr" -> {
                        MemcachedSession.increment(mc, key, 1);
                        return 0;
                    }
                    default -> {
                        int aborts = 0;
                        while (true) {
                            Optional<Memcache.Value> current = MemcachedSession.gets(mc, "gets", key);
                            if (current.isEmpty()) {
                                // gone (evicted): start again from 0, as incr would
                                MemcachedSession.store(mc, "add", key, 0, ZERO, null, "STORED", "NOT_STORED");
                                continue;
                            }
                            String reply = MemcachedSession.store(mc, "cas", key, 0, digits(number(current.get().data()) + 1),
                                    current.get().cas(), "STORED", "EXISTS", "NOT_FOUND");
                            if (reply.equals("STORED")) {
                                return aborts;
                            }
                            aborts++; // EXISTS: another client wrote between our gets and cas; read again
                        }
                    }
                }
            }

            @Override
            public long read(String key) throws IOException {
                return MemcachedSession.gets(mc, "get", key).map(v -> number(v.data())).orElse(0L);
            }

            @Override
            public void reset(String key) throws IOException {
                written.add(key);
                MemcachedSession.store(mc, "set", key, 0, ZERO, null, "STORED");
            }

            @Override
            public void close() {
                try {
                    mc.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        };
    }
}
