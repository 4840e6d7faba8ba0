package dev.scale.probes.stores.redis;

import dev.scale.probes.QueueStore;
import dev.scale.providers.Endpoint;
import dev.scale.providers.kinds.redis.Resp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The queue probe on Redis, two ways:
 * <ul>
 * <li><b>stream</b>: XADD to a stream, one consumer group per group of consumers, XREADGROUP, XACK; a dead
 * consumer's pending entries are taken over with XAUTOCLAIM once idle for a second;</li>
 * <li><b>pubsub</b>: PUBLISH and SUBSCRIBE, which delivers to whoever is subscribed at that moment and keeps
 * nothing for anyone else, as the probe shows.</li>
 * </ul>
 * Each producer and consumer has a connection of its own; a batch is one pipeline.
 */
public final class RedisQueues implements QueueStore {
    /** How long a pending entry stays with a consumer that stopped before another takes it over. */
    static final long RECLAIM_IDLE_MILLIS = 1000;
    private final Endpoint endpoint;

    public RedisQueues(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public String kind() {
        return "redis";
    }

    @Override
    public List<Variant> variants() {
        return List.of(new Stream(), new PubSub());
    }

    /** RDB snapshots and the append-only file, as CONFIG GET gives them. */
    @Override
    public String persistence() throws IOException {
        try (Resp r = RedisAdapter.connect(endpoint)) {
            return persistence(r);
        }
    }

    static String persistence(Resp r) throws IOException {
        String save = config(r, "save");
        String aof = config(r, "appendonly");
        return "RDB " + (save == null || save.isBlank() ? "off" : "save " + save) + ", AOF " + ("yes".equals(aof) ? "on" : "off");
    }

    private static String config(Resp r, String name) throws IOException {
        Resp.Reply reply = r.call(List.of("CONFIG", "GET", name));
        return reply instanceof Resp.Multi m && m.items() != null && m.items().size() == 2 ? Resp.text(m.items().get(1)) : null;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }


    private static Resp.Reply ok(Resp.Reply r) throws IOException {
        if (r instanceof Resp.Error e) {
            throw new IOException("Redis: " + e.text());
        }
        return r;
    }

    /** A producer on a connection of its own that sends each batch as one pipeline of {@code command(body)}. */
    private Publisher pipelined(java.util.function.Function<byte[], List<byte[]>> command) throws IOException {
        Resp r = RedisAdapter.connect(endpoint);
        return new Publisher() {
            @Override
            public void publish(List<byte[]> bodies) throws Exception {
                List<List<byte[]>> commands = new ArrayList<>(bodies.size());
                for (byte[] b : bodies) {
                    commands.add(command.apply(b));
                }
                for (Resp.Reply reply : r.pipeline(commands)) {
                    ok(reply);
                }
            }

            @Override
            public void flush() {
                // every pipeline was replied to
            }

            @Override
            public void close() throws IOException {
                r.close();
            }
        };
    }

    private static String group(int g) {
        return "g" + g;
    }

    private final class Stream extends Named {
        Stream() {
            super("stream", "stream with consumer groups, XREADGROUP, XACK, XAUTOCLAIM of a dead consumer's entries");
        }

        @Override
        public void create(String queue, int groups) throws Exception {
            try (Resp r = RedisAdapter.connect(endpoint)) {
                for (int g = 0; g < groups; g++) {
                    ok(r.call(List.of("XGROUP", "CREATE", queue, group(g), "$", "MKSTREAM")));
                }
            }
        }

        @Override
        public Publisher publisher(String queue) throws Exception {
            byte[] key = bytes(queue);
            return pipelined(body -> List.of(XADD, key, STAR, FIELD, body));
        }

        @Override
        public Subscriber subscriber(String queue, int group, String consumer) throws Exception {
            Resp r = RedisAdapter.connect(endpoint);
            // as a consumer starts: its group made if the stream or the group is not there (a server restarted
            // without persistence keeps neither); BUSYGROUP says it is, as it should be
            Resp.Reply made = r.call(List.of("XGROUP", "CREATE", queue, group(group), "$", "MKSTREAM"));
            if (made instanceof Resp.Error e && !e.text().startsWith("BUSYGROUP")) {
                throw new IOException("Redis: " + e.text());
            }
            List<Delivery> claimed = new ArrayList<>();
            // entries a consumer that stopped left pending, once idle long enough: taken over before new ones
            String cursor = "0-0";
            do {
                Resp.Multi m = (Resp.Multi) ok(r.call(List.of("XAUTOCLAIM", queue, group(group), consumer,
                        Long.toString(RECLAIM_IDLE_MILLIS), cursor, "COUNT", "1000")));
                cursor = Resp.text(m.items().get(0));
                entries(m.items().get(1), claimed);
            } while (!cursor.equals("0-0"));
            return new Subscriber() {
                @Override
                public List<Delivery> take(int max, long waitMillis) throws Exception {
                    if (!claimed.isEmpty()) {
                        List<Delivery> out = new ArrayList<>(claimed.subList(0, Math.min(max, claimed.size())));
                        claimed.subList(0, out.size()).clear();
                        return out;
                    }
                    Resp.Reply reply = ok(r.call(List.of("XREADGROUP", "GROUP", group(group), consumer, "COUNT", Integer.toString(max),
                            "BLOCK", Long.toString(Math.max(1, waitMillis)), "STREAMS", queue, ">")));
                    List<Delivery> out = new ArrayList<>();
                    if (reply instanceof Resp.Multi streams && streams.items() != null) {
                        for (Resp.Reply s : streams.items()) {
                            entries(((Resp.Multi) s).items().get(1), out);
                        }
                    }
                    return out;
                }

                @Override
                public void ack(List<Delivery> taken) throws Exception {
                    if (taken.isEmpty()) {
                        return;
                    }
                    List<String> ack = new ArrayList<>(List.of("XACK", queue, group(group)));
                    taken.forEach(d -> ack.add((String) d.handle()));
                    ok(r.call(ack));
                }

                @Override
                public void crash() {
                    try {
                        r.close(); // its pending entries stay in the group until claimed
                    } catch (IOException ignored) {
                        // gone either way
                    }
                }

                @Override
                public void close() throws IOException {
                    r.close();
                }
            };
        }

        /** [[id, [field, value]], …] into deliveries, the entry's id as the handle to XACK it with. */
        private static void entries(Resp.Reply list, List<Delivery> out) {
            if (!(list instanceof Resp.Multi m) || m.items() == null) {
                return;
            }
            for (Resp.Reply e : m.items()) {
                List<Resp.Reply> entry = ((Resp.Multi) e).items();
                if (entry.get(1) instanceof Resp.Multi fields && fields.items() != null && fields.items().size() >= 2) {
                    out.add(new Delivery(((Resp.Bulk) fields.items().get(1)).value(), Resp.text(entry.get(0))));
                }
            }
        }

        @Override
        public void delete(String queue, int groups) throws Exception {
            try (Resp r = RedisAdapter.connect(endpoint)) {
                ok(r.call(List.of("DEL", queue)));
            }
        }

        @Override
        public long reclaimAfterMillis() {
            return RECLAIM_IDLE_MILLIS;
        }
    }

    private static final byte[] XADD = bytes("XADD");
    private static final byte[] STAR = bytes("*");
    private static final byte[] FIELD = bytes("m");
    private static final byte[] PUBLISH = bytes("PUBLISH");

    private final class PubSub extends Named {
        PubSub() {
            super("pubsub", "PUBLISH and SUBSCRIBE: delivered to whoever is subscribed at that moment, kept for nobody");
        }

        @Override
        public void create(String queue, int groups) {
            // a channel exists while someone is subscribed to it; there is nothing to create
        }

        /** Each group is its own channel subscriber; a message published reaches every subscriber of the channel. */
        @Override
        public Publisher publisher(String queue) throws Exception {
            byte[] channel = bytes(queue);
            return pipelined(body -> List.of(PUBLISH, channel, body));
        }

        @Override
        public Subscriber subscriber(String queue, int group, String consumer) throws Exception {
            Resp r = RedisAdapter.connect(endpoint);
            ok(r.call(List.of("SUBSCRIBE", queue))); // the reply confirms the subscription: from here on it receives
            return new Subscriber() {
                @Override
                public List<Delivery> take(int max, long waitMillis) throws Exception {
                    List<Delivery> out = new ArrayList<>();
                    Resp.Reply first = r.receive((int) Math.max(1, waitMillis));
                    for (Resp.Reply m = first; m != null && out.size() < max; m = out.size() < max ? r.receive(1) : null) {
                        List<Resp.Reply> items = ((Resp.Multi) m).items();
                        if (Resp.text(items.get(0)).equals("message")) {
                            out.add(new Delivery(((Resp.Bulk) items.get(2)).value(), null));
                        }
                    }
                    return out;
                }

                @Override
                public void ack(List<Delivery> taken) {
                    // pub/sub has no acknowledgement
                }

                @Override
                public void crash() {
                    try {
                        r.close();
                    } catch (IOException ignored) {
                        // gone either way
                    }
                }

                @Override
                public void close() throws IOException {
                    r.close();
                }
            };
        }

        @Override
        public void delete(String queue, int groups) {
            // nothing was kept
        }
    }
}
