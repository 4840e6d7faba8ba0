package dev.scale.probes.stores.couchbase;

import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.query.QueryOptions;
import com.couchbase.client.java.query.QueryResult;
import com.couchbase.client.java.query.QueryScanConsistency;
import dev.scale.probes.RelationalModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Users and orders as JSON documents with a type field, joined and looked up with SQL++ on secondary
 * (GSI) indexes the probe creates; the plan of the lookup (EXPLAIN) says whether an index served it.
 */
final class CouchbaseRelational implements RelationalModel {
    private static final String USER = "scale_rel_user";
    private static final String ORDER = "scale_rel_order";
    private static final List<String> INDEXES = List.of("scale_rel_email", "scale_rel_city", "scale_rel_order_user");
    private final CouchbaseStore store;
    private final String bucket;
    private final List<String> keys = new ArrayList<>();

    CouchbaseRelational(CouchbaseStore store) {
        this.store = store;
        this.bucket = "`" + store.endpoint().database().replace("`", "``") + "`";
    }

    private Cluster cluster() {
        return store.cluster();
    }

    private QueryResult query(String statement, JsonObject params) {
        return cluster().query(statement, QueryOptions.queryOptions().parameters(params).scanConsistency(QueryScanConsistency.REQUEST_PLUS));
    }

    @Override
    public void load(List<User> users, List<Order> orders) {
        var c = store.collection().async();
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (User u : users) {
            String key = "scale:rel:user:" + u.id();
            keys.add(key);
            writes.add(c.upsert(key, JsonObject.create().put("type", USER).put("id", u.id()).put("email", u.email()).put("city", u.city())));
        }
        for (Order o : orders) {
            String key = "scale:rel:order:" + o.id();
            keys.add(key);
            writes.add(c.upsert(key, JsonObject.create().put("type", ORDER).put("id", o.id()).put("user_id", o.userId()).put("cents", o.cents())));
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        cluster().query("CREATE INDEX scale_rel_email ON " + bucket + "(email) WHERE type = \"" + USER + "\"");
        cluster().query("CREATE INDEX scale_rel_city ON " + bucket + "(city) WHERE type = \"" + USER + "\"");
        cluster().query("CREATE INDEX scale_rel_order_user ON " + bucket + "(user_id) WHERE type = \"" + ORDER + "\"");
    }

    @Override
    public Answer<Map<Long, Long>> totalsByCity(String city) {
        QueryResult r = query("SELECT u.id AS id, SUM(o.cents) AS total FROM " + bucket + " u JOIN " + bucket + " o "
                + "ON o.user_id = u.id AND o.type = \"" + ORDER + "\" WHERE u.type = \"" + USER + "\" AND u.city = $city GROUP BY u.id",
                JsonObject.create().put("city", city));
        Map<Long, Long> totals = new HashMap<>();
        for (JsonObject row : r.rowsAsObject()) {
            totals.put(row.getLong("id"), row.getLong("total"));
        }
        return new Answer<>(totals, 1, false, "one SQL++ statement: JOIN … GROUP BY");
    }

    @Override
    public Answer<Optional<Long>> userByEmail(String email) {
        String lookup = "SELECT RAW u.id FROM " + bucket + " u WHERE u.type = \"" + USER + "\" AND u.email = $email";
        List<Long> ids = query(lookup, JsonObject.create().put("email", email)).rowsAs(Long.class);
        String plan = cluster().query("EXPLAIN " + lookup, QueryOptions.queryOptions().parameters(JsonObject.create().put("email", email)))
                .rowsAsObject().toString();
        boolean index = plan.contains("scale_rel_email");
        return new Answer<>(ids.isEmpty() ? Optional.empty() : Optional.of(ids.get(0)), 1, index,
                "one SQL++ statement; plan: " + (index ? "IndexScan on scale_rel_email" : "no secondary index"));
    }

    @Override
    public void cleanUp() {
        for (String index : INDEXES) {
            try {
                cluster().query("DROP INDEX " + index + " ON " + bucket);
            } catch (RuntimeException absent) {
                // not created (the load failed before it)
            }
        }
        store.removeAll(keys);
    }

    @Override
    public void close() {
    }
}
