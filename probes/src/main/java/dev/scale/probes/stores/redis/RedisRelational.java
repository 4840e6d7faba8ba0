package dev.scale.probes.stores.redis;

import dev.scale.providers.kinds.redis.Resp;

import dev.scale.probes.RelationalModel;
import dev.scale.providers.Endpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Users and orders in plain Redis, the way an application has to keep them: a hash per user, a set of
 * user ids per city and a key per email that the client writes beside each user (Redis has no secondary
 * index), a list of order totals per user. The join is done by the client, one request per user.
 */
final class RedisRelational implements RelationalModel {
    private static final String PREFIX = "scale:rel:";
    private final Endpoint endpoint;
    private final Resp resp;

    RedisRelational(Endpoint endpoint) throws IOException {
        this.endpoint = endpoint;
        this.resp = RedisAdapter.connect(endpoint);
    }

    private Resp.Reply call(List<String> args) throws IOException {
        Resp.Reply r = resp.call(args);
        if (r instanceof Resp.Error e) {
            throw new IOException(e.text());
        }
        return r;
    }


    @Override
    public void load(List<User> users, List<Order> orders) throws IOException {
        Map<String, List<String>> byCity = new LinkedHashMap<>();
        for (User u : users) {
            call(List.of("HSET", PREFIX + "user:" + u.id(), "email", u.email(), "city", u.city()));
            call(List.of("SET", PREFIX + "email:" + u.email(), Long.toString(u.id())));
            byCity.computeIfAbsent(u.city(), c -> new ArrayList<>(List.of("SADD", PREFIX + "city:" + c))).add(Long.toString(u.id()));
        }
        for (List<String> sadd : byCity.values()) {
            call(sadd);
        }
        Map<Long, List<String>> byUser = new LinkedHashMap<>();
        for (Order o : orders) {
            byUser.computeIfAbsent(o.userId(), u -> new ArrayList<>(List.of("RPUSH", PREFIX + "orders:" + u))).add(Long.toString(o.cents()));
        }
        for (List<String> rpush : byUser.values()) {
            call(rpush);
        }
    }

    @Override
    public Answer<Map<Long, Long>> totalsByCity(String city) throws IOException {
        int requests = 1;
        Map<Long, Long> totals = new HashMap<>();
        for (Resp.Reply id : ((Resp.Multi) call(List.of("SMEMBERS", PREFIX + "city:" + city))).items()) {
            long user = Long.parseLong(Resp.text(id));
            long sum = 0;
            boolean any = false;
            requests++;
            for (Resp.Reply cents : ((Resp.Multi) call(List.of("LRANGE", PREFIX + "orders:" + user, "0", "-1"))).items()) {
                sum += Long.parseLong(Resp.text(cents));
                any = true;
            }
            if (any) {
                totals.put(user, sum);
            }
        }
        return new Answer<>(totals, requests, false, "no server-side join: SMEMBERS of the city, then one LRANGE per user, summed by the client");
    }

    @Override
    public Answer<Optional<Long>> userByEmail(String email) throws IOException {
        Resp.Reply r = call(List.of("GET", PREFIX + "email:" + email));
        Optional<Long> id = ((Resp.Bulk) r).value() == null ? Optional.empty() : Optional.of(Long.parseLong(Resp.text(r)));
        return new Answer<>(id, 1, false, "no secondary index: GET of an email key the client writes beside each user");
    }

    @Override
    public void cleanUp() throws IOException {
        RedisAdapter.deleteByPrefix(endpoint, PREFIX);
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
