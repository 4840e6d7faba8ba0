package dev.scale.probes.stores.memcached;

import dev.scale.probes.RelationalModel;
import dev.scale.providers.Endpoint;
import dev.scale.providers.kinds.memcached.Memcache;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Users and orders in memcached, the way an application has to keep them: an item per user, an item per email
 * holding the user's id (memcached has no secondary index), and lists the client maintains with {@code append}
 * (created with {@code add}): the ids of each city's users, the order totals of each user. memcached has no
 * server-side join or query: the client reads the city's list, then the users' order lists with multi-key
 * gets, and adds up.
 */
final class MemcachedRelational implements RelationalModel {
    private static final String PREFIX = "scale:rel:";
    /** Keys in one multi-key get: a command line stays a few KB. */
    static final int GET_BATCH = 100;
    private final Endpoint endpoint;
    private final WrittenKeys written;
    private final Memcache mc;

    MemcachedRelational(Endpoint endpoint, WrittenKeys written) throws IOException {
        this.endpoint = endpoint;
        this.written = written;
        this.mc = MemcachedAdapter.connect(endpoint);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void set(String key, String value) throws IOException {
        written.add(key);
        MemcachedSession.store(mc, "set", key, 0, b(value), null, "STORED");
    }

    /** Appends to a list item, creating it if absent: {@code append} answers NOT_STORED when there is no item, {@code add} when there is one. */
    private void append(String key, String items) throws IOException {
        written.add(key);
        byte[] data = b(items);
        for (int attempt = 0; attempt < 10; attempt++) {
            if (MemcachedSession.store(mc, "append", key, 0, data, null, "STORED", "NOT_STORED").equals("STORED")
                    || MemcachedSession.store(mc, "add", key, 0, data, null, "STORED", "NOT_STORED").equals("STORED")) {
                return;
            }
        }
        throw new IOException("could not append to " + key);
    }

    @Override
    public void load(List<User> users, List<Order> orders) throws IOException {
        Map<String, StringBuilder> byCity = new LinkedHashMap<>();
        for (User u : users) {
            set(PREFIX + "user:" + u.id(), u.email() + " " + u.city());
            set(PREFIX + "email:" + u.email(), Long.toString(u.id()));
            byCity.computeIfAbsent(u.city(), c -> new StringBuilder()).append(u.id()).append(' ');
        }
        for (var city : byCity.entrySet()) {
            append(PREFIX + "city:" + city.getKey(), city.getValue().toString());
        }
        Map<Long, StringBuilder> byUser = new LinkedHashMap<>();
        for (Order o : orders) {
            byUser.computeIfAbsent(o.userId(), u -> new StringBuilder()).append(o.cents()).append(' ');
        }
        for (var user : byUser.entrySet()) {
            append(PREFIX + "orders:" + user.getKey(), user.getValue().toString());
        }
    }

    private static long[] numbers(byte[] data) {
        String text = new String(data, StandardCharsets.US_ASCII).trim();
        if (text.isEmpty()) {
            return new long[0];
        }
        String[] parts = text.split(" +");
        long[] n = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            n[i] = Long.parseLong(parts[i]);
        }
        return n;
    }

    @Override
    public Answer<Map<Long, Long>> totalsByCity(String city) throws IOException {
        int requests = 1;
        Map<Long, Long> totals = new HashMap<>();
        Optional<Memcache.Value> members = MemcachedSession.gets(mc, "get", PREFIX + "city:" + city);
        long[] ids = members.map(v -> numbers(v.data())).orElse(new long[0]);
        for (int from = 0; from < ids.length; from += GET_BATCH) {
            List<String> keys = new ArrayList<>();
            for (int i = from; i < Math.min(ids.length, from + GET_BATCH); i++) {
                keys.add(PREFIX + "orders:" + ids[i]);
            }
            requests++;
            for (Memcache.Value v : mc.retrieve("get", keys)) {
                long user = Long.parseLong(v.key().substring((PREFIX + "orders:").length()));
                long sum = 0;
                for (long cents : numbers(v.data())) {
                    sum += cents;
                }
                totals.put(user, sum);
            }
        }
        return new Answer<>(totals, requests, false, "no server-side join: get of the city's id list, then multi-key gets of the users' "
                + "order lists (" + GET_BATCH + " keys a request), summed by the client");
    }

    @Override
    public Answer<Optional<Long>> userByEmail(String email) throws IOException {
        Optional<Long> id = MemcachedSession.gets(mc, "get", PREFIX + "email:" + email)
                .map(v -> Long.parseLong(new String(v.data(), StandardCharsets.US_ASCII)));
        return new Answer<>(id, 1, false, "no secondary index: get of an email key the client writes beside each user");
    }

    @Override
    public void cleanUp() throws IOException {
        written.deleteByPrefix(endpoint, PREFIX);
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
