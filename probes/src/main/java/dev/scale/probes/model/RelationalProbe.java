package dev.scale.probes.model;

import dev.scale.probes.RelationalModel;

import dev.scale.probes.StoreAdapter;
import dev.scale.probes.Measurement;
import dev.scale.probes.Params;
import dev.scale.probes.VerdictProbe;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * "Is my data relational?" answered by asking a store a relational question: users and their orders, the
 * order totals of one city's users (a join and an aggregate) and a user found by email (a secondary
 * index). Each answer is checked against what the probe loaded, and the requests it took and the
 * server's plan say whether the store did the work or the client had to.
 */
public final class RelationalProbe implements VerdictProbe {
    private static final int CITIES = 20;

    @Override
    public String name() {
        return "relational";
    }

    @Override
    public List<String> description() {
        return List.of("Can the store answer relational questions? Loads users and orders, then asks for one city's",
                "order totals per user (a join) and for a user by email (a secondary index); checks both answers",
                "and reports the requests each took, its time, and whether the server used an index.");
    }

    @Override
    public List<Param> params() {
        return List.of(
                Param.number("users", 2000, CITIES, 1_000_000, "Users to load."),
                Param.number("orders-per-user", 4, 1, 100, "Orders per user."),
                Param.number("repeat", 20, 1, 10_000, "Times each question is asked (the median time is reported)."));
    }

    @Override
    public List<Metric> metrics() {
        return List.of(
                new Metric("join_server_side", "the join took one request: the server joined"),
                new Metric("join_correct", "the join's answer matched the loaded data"),
                new Metric("join_requests", "requests the join took"),
                new Metric("join_ms", "median time of the join"),
                new Metric("lookup_index", "the server used an index to find the user by email"),
                new Metric("lookup_correct", "the lookup found the right user"),
                new Metric("lookup_requests", "requests the lookup took"),
                new Metric("lookup_ms", "median time of the lookup"));
    }

    /**
     * City names differ only in a non-ASCII character (ville-一, ville-丁, …): a store, driver or encoding that
     * loses characters (SQL_ASCII read back as bytes, a client encoding keys as ASCII) merges the cities, and the
     * join's answer is then wrong, not just differently spelt.
     */
    static String city(int n) {
        return "ville-" + (char) ('\u4e00' + n);
    }

    /** An address with a non-ASCII domain, read back through each store's secondary index or email key. */
    static String email(long user) {
        return "user" + user + "@exämple.com";
    }

    @Override
    public Measurement run(StoreAdapter store, Params params, Consumer<String> progress) throws Exception {
        int userCount = params.integer("users");
        int perUser = params.integer("orders-per-user");
        int repeat = params.integer("repeat");
        SplittableRandom random = new SplittableRandom(3);
        List<RelationalModel.User> users = new ArrayList<>();
        List<RelationalModel.Order> orders = new ArrayList<>();
        Map<String, Map<Long, Long>> expected = new HashMap<>();
        for (long u = 1; u <= userCount; u++) {
            String city = city((int) (u % CITIES));
            users.add(new RelationalModel.User(u, email(u), city));
            for (int o = 0; o < perUser; o++) {
                long cents = 100 + random.nextInt(10_000);
                orders.add(new RelationalModel.Order(u * 1000 + o, u, cents));
                expected.computeIfAbsent(city, c -> new HashMap<>()).merge(u, cents, Long::sum);
            }
        }
        String city = city(7);
        long wantedUser = Math.min(userCount, 1234);
        RelationalModel.Answer<Map<Long, Long>> join = null;
        RelationalModel.Answer<Optional<Long>> lookup = null;
        long[] joinNanos = new long[repeat];
        long[] lookupNanos = new long[repeat];
        try (RelationalModel model = store.relational()) {
            try {
                progress.accept("loading " + userCount + " users and " + orders.size() + " orders");
                model.load(users, orders);
                progress.accept("asking the join and the lookup " + repeat + " times");
                for (int i = 0; i < repeat; i++) {
                    long t0 = System.nanoTime();
                    join = model.totalsByCity(city);
                    joinNanos[i] = System.nanoTime() - t0;
                    t0 = System.nanoTime();
                    lookup = model.userByEmail(email(wantedUser));
                    lookupNanos[i] = System.nanoTime() - t0;
                }
            } finally {
                model.cleanUp();
            }
        }
        boolean joinCorrect = join.value().equals(expected.get(city));
        boolean lookupCorrect = lookup.value().equals(Optional.of(wantedUser));
        List<Map<String, Object>> rows = List.of(
                Measurement.row("question", "order totals of one city's users (join)", "correct", joinCorrect,
                        "requests", join.requests(), "median_ms", median(joinNanos), "how", join.how()),
                Measurement.row("question", "user by email (secondary index)", "correct", lookupCorrect,
                        "requests", lookup.requests(), "median_ms", median(lookupNanos), "how", lookup.how()));
        return Measurement.of(name(), new Measurement.Metrics()
                .put("join_server_side", join.requests() == 1)
                .put("join_correct", joinCorrect)
                .put("join_requests", join.requests())
                .put("join_ms", median(joinNanos))
                .put("lookup_index", lookup.indexUsed())
                .put("lookup_correct", lookupCorrect)
                .put("lookup_requests", lookup.requests())
                .put("lookup_ms", median(lookupNanos))
                .build(), rows);
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }
}
