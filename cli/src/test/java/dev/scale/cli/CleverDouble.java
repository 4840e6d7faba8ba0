package dev.scale.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.scale.providers.Endpoint;
import dev.scale.providers.kinds.postgres.Jdbc;
import dev.scale.providers.kinds.redis.Resp;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test double of Clever Cloud's API v2 for add-ons, as docs/research/clever.md gives it, because the real API
 * cannot be reached from here: Bearer API tokens on the API bridge, the add-on providers and their plans, add-ons
 * created in an organisation or the personal space ({@code /v2/self}), their env, their listing and deletion, and
 * the {@code {id, message, type}} error body. Its data plane is real: a PostgreSQL and a Redis that both require
 * TLS, where each add-on gets its own role and database, or its own token, a moment after it is created (Clever
 * hands out the credentials at once and provisions behind them).
 *
 * <p>Fixtures and the files they follow (sources as cited in the research notes):
 * <ul>
 * <li>{@code GET /v2/products/addonproviders[?orgaId=]}: clever-client.js {@code esm/api/v2/product.ts}; plan fields
 * from terraform-provider-clevercloud {@code pkg/tmp/addon.go}; {@code dev} as PostgreSQL's free plan from the
 * documentation's {@code content/doc/find-help/faq.md}. No source lists Materia KV's plans (no {@code base} was
 * found): this one lists a paid plan first and a free one after, which is what makes "the first plan" wrong.</li>
 * <li>{@code POST …/addons} and its answer ({@code addon_…} id, {@code realId}, {@code creationDate} in epoch ms):
 * clever-client.js {@code esm/api/v2/addon.js} {@code create}, terraform's {@code AddonRequest}/{@code AddonResponse}.</li>
 * <li>{@code GET …/addons/{id}/env} as {@code [{name, value}]}: clever-client.js {@code getAllEnvVars}; the names from
 * the documentation's {@code reference-environment-variables.md} (PostgreSQL) and {@code addons/materia-kv.md}.</li>
 * <li>{@code DELETE …/addons/{addon_…}}: clever-client.js {@code remove}; its success body is not confirmed by any
 * source, so it answers 200 with none.</li>
 * <li>Errors: the v2 body of terraform-provider-clevercloud issue 296; 429 with Retry-After is played as scale
 * handles any service's (no source documents Clever's rate limits).</li>
 * </ul>
 */
final class CleverDouble implements AutoCloseable {
    static final String TOKEN = "clever-test-token";
    static final String ORG = "orga_5c0ffee0-0000-4000-8000-000000000001";
    static final String PG_PLAN = "plan_0b7d9e1a-dev";
    static final String KV_FREE_PLAN = "plan_6c1d2e3f-kv-free";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ADDONS = Pattern.compile("/v2/(?:organisations/([^/]+)|self)/addons(?:/([^/]+)(/env)?)?");

    final HttpServer server;
    final TlsPostgres postgres;
    final TlsRedis redis;
    /** addon id → the add-on as the API gives it, with "space" kept beside Clever's own fields */
    final Map<String, ObjectNode> addons = new ConcurrentHashMap<>();
    /** addon id → its env, as {@code GET …/env} gives it */
    final Map<String, ArrayNode> envs = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** Authorization headers as received, to check the token went where it should and nowhere else */
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    /** the next responses to play instead of the documented success: status, body, Retry-After */
    final List<Object[]> scripted = new CopyOnWriteArrayList<>();
    /** When set, the creation answers Clever's documented 503 with this message instead. */
    volatile String failCreateWith;
    /** When set, reading an add-on's env fails with a 500 with this message (the add-on exists by then). */
    volatile String failEnvWith;
    /** How long after its creation an add-on's data plane takes its credentials: the slow provisioning phase. */
    volatile long provisioningMillis = 1500;
    private final ScheduledExecutorService provisioner = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "clever-double-provisioner");
        t.setDaemon(true);
        return t;
    });

    /** @param postgres the data plane of PostgreSQL add-ons, or null; @param redis that of Materia KV, or null */
    CleverDouble(TlsPostgres postgres, TlsRedis redis) throws IOException {
        this.postgres = postgres;
        this.redis = redis;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v2/", this::handle);
        server.start();
    }

    /** The base, as SCALE_CLEVER_API_URL takes it: the bridge's host, the paths carry /v2. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        provisioner.shutdownNow();
    }

    private void handle(HttpExchange x) throws IOException {
        String method = x.getRequestMethod();
        String path = x.getRequestURI().getPath();
        String query = x.getRequestURI().getQuery() == null ? "" : x.getRequestURI().getQuery();
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        requests.add(method + " " + path + (query.isEmpty() ? "" : "?" + query) + (body.isEmpty() ? "" : " " + body));
        authorizations.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
        try {
            if (!("Bearer " + TOKEN).equals(x.getRequestHeaders().getFirst("Authorization"))) {
                send(x, 401, error(401, "Invalid or expired API token"), null);
                return;
            }
            if (!scripted.isEmpty()) {
                Object[] next = scripted.remove(0);
                send(x, (Integer) next[0], (String) next[1], (String) next[2]);
                return;
            }
            route(x, method, path, query, body.isEmpty() ? null : JSON.readTree(body));
        } catch (Exception e) {
            send(x, 500, error(-500, String.valueOf(e)), null);
        }
    }

    private void route(HttpExchange x, String method, String path, String query, JsonNode body) throws Exception {
        Matcher m = ADDONS.matcher(path);
        if (method.equals("GET") && path.equals("/v2/products/addonproviders")) {
            if (!query.isEmpty() && !query.equals("orgaId=" + ORG)) {
                send(x, 404, error(4004, "organisation not found"), null);
                return;
            }
            send(x, 200, providers().toString(), null);
        } else if (m.matches()) {
            String space = m.group(1) == null ? "self" : m.group(1);
            if (!space.equals("self") && !space.equals(ORG)) {
                send(x, 404, error(4004, "organisation not found"), null);
                return;
            }
            String id = m.group(2);
            boolean env = m.group(3) != null;
            if (id == null && method.equals("GET")) {
                ArrayNode list = JSON.createArrayNode();
                addons.values().stream().filter(a -> a.get("space").asText().equals(space)).forEach(a -> list.add(a.deepCopy().without("space")));
                send(x, 200, list.toString(), null);
            } else if (id == null && method.equals("POST")) {
                if (failCreateWith != null) {
                    send(x, 503, error(-500, failCreateWith), null);
                    return;
                }
                create(x, space, body);
            } else if (id != null && env && method.equals("GET")) {
                ObjectNode a = addons.get(id);
                if (a == null || !a.get("space").asText().equals(space)) {
                    send(x, 404, error(4004, "addon not found"), null);
                    return;
                }
                if (failEnvWith != null) {
                    send(x, 500, error(-500, failEnvWith), null);
                    return;
                }
                send(x, 200, envs.get(id).toString(), null);
            } else if (id != null && !env && method.equals("DELETE")) {
                ObjectNode a = addons.get(id);
                if (a == null || !a.get("space").asText().equals(space)) {
                    send(x, 404, error(4004, "addon not found"), null);
                    return;
                }
                deprovision(id);
                send(x, 200, "", null);
            } else {
                send(x, 404, error(4040, "no route " + method + " " + path), null);
            }
        } else {
            send(x, 404, error(4040, "no route " + method + " " + path), null);
        }
    }

    private void create(HttpExchange x, String space, JsonNode body) throws Exception {
        String provider = body.path("providerId").asText();
        String plan = body.path("plan").asText();
        // the documented body: name, the plan's id (not its slug), providerId, region, options
        boolean known = (provider.equals("postgresql-addon") && plan.equals(PG_PLAN)) || (provider.equals("kv") && plan.equals(KV_FREE_PLAN));
        if (!known || !body.path("name").isTextual() || !"par".equals(body.path("region").asText()) || !body.path("options").isObject()) {
            send(x, 400, error(4000, "bad add-on request " + body), null);
            return;
        }
        String uuid = UUID.randomUUID().toString();
        String id = "addon_" + uuid;
        ObjectNode a = JSON.createObjectNode().put("id", id).put("realId", (provider.equals("kv") ? "kv_" : "postgresql_") + uuid.replace("-", ""))
                .put("name", body.get("name").asText()).put("region", "par").put("zoneId", "par");
        a.putObject("plan").put("id", plan).put("slug", provider.equals("kv") ? "free" : "dev");
        a.putObject("provider").put("id", provider).put("name", provider.equals("kv") ? "Materia KV" : "PostgreSQL");
        a.put("creationDate", Instant.now().toEpochMilli());
        a.putArray("configKeys");
        ArrayNode env = JSON.createArrayNode();
        String secret = UUID.randomUUID().toString().replace("-", "");
        if (provider.equals("kv")) {
            int port = redis.admin().port();
            put(env, "KV_HOST", "localhost").put(env, "KV_PORT", Integer.toString(port)).put(env, "KV_TOKEN", secret);
            put(env, "REDIS_HOST", "localhost").put(env, "REDIS_PORT", Integer.toString(port)).put(env, "REDIS_PASSWORD", secret);
            put(env, "REDISCLI_AUTH", secret);
        } else {
            String suffix = uuid.replace("-", "").substring(0, 12);
            String user = "u" + suffix;
            String db = "b" + suffix;
            int port = postgres.admin().port();
            put(env, "POSTGRESQL_ADDON_HOST", "localhost").put(env, "POSTGRESQL_ADDON_PORT", Integer.toString(port))
                    .put(env, "POSTGRESQL_ADDON_DB", db).put(env, "POSTGRESQL_ADDON_USER", user).put(env, "POSTGRESQL_ADDON_PASSWORD", secret)
                    .put(env, "POSTGRESQL_ADDON_ROLE", user)
                    .put(env, "POSTGRESQL_ADDON_URI", "postgresql://" + user + ":" + secret + "@localhost:" + port + "/" + db);
        }
        a.put("space", space);
        addons.put(id, a);
        envs.put(id, env);
        provisioner.schedule(() -> provision(id), provisioningMillis, TimeUnit.MILLISECONDS);
        send(x, 200, a.deepCopy().without("space").toString(), null);
    }

    private CleverDouble put(ArrayNode env, String name, String value) {
        env.addObject().put("name", name).put("value", value);
        return this;
    }

    private String var(String id, String name) {
        for (JsonNode v : envs.get(id)) {
            if (v.get("name").asText().equals(name)) {
                return v.get("value").asText();
            }
        }
        throw new IllegalStateException("no " + name);
    }

    /** The add-on's credentials start to work in the data plane: until now its login was refused. */
    private synchronized void provision(String id) {
        ObjectNode a = addons.get(id);
        if (a == null) {
            return; // deleted while it was being provisioned
        }
        try {
            if (a.get("provider").get("id").asText().equals("kv")) {
                redis(List.of("ACL", "SETUSER", "default", ">" + var(id, "KV_TOKEN")));
            } else {
                sql("CREATE ROLE " + var(id, "POSTGRESQL_ADDON_USER") + " LOGIN PASSWORD '" + var(id, "POSTGRESQL_ADDON_PASSWORD") + "'");
                sql("CREATE DATABASE " + var(id, "POSTGRESQL_ADDON_DB") + " OWNER " + var(id, "POSTGRESQL_ADDON_USER"));
            }
            a.put("provisioned", true);
        } catch (Exception e) {
            a.put("provisioningFailed", String.valueOf(e));
        }
    }

    private synchronized void deprovision(String id) throws Exception {
        ObjectNode a = addons.remove(id);
        if (a.path("provisioned").asBoolean()) {
            if (a.get("provider").get("id").asText().equals("kv")) {
                redis(List.of("ACL", "SETUSER", "default", "<" + var(id, "KV_TOKEN")));
            } else {
                sql("DROP DATABASE IF EXISTS " + var(id, "POSTGRESQL_ADDON_DB") + " WITH (FORCE)");
                sql("DROP ROLE IF EXISTS " + var(id, "POSTGRESQL_ADDON_USER"));
            }
        }
        envs.remove(id);
    }

    private ArrayNode providers() {
        ArrayNode list = JSON.createArrayNode();
        ObjectNode pg = list.addObject().put("id", "postgresql-addon").put("name", "PostgreSQL");
        pg.putArray("regions").add("par").add("rbx");
        ArrayNode pgPlans = pg.putArray("plans");
        pgPlans.addObject().put("id", "plan_0b7d9e1a-xxs").put("name", "XXS Small Space").put("slug", "xxs_sml").put("price", 5.25);
        pgPlans.addObject().put("id", PG_PLAN).put("name", "DEV").put("slug", "dev").put("price", 0);
        ObjectNode kv = list.addObject().put("id", "kv").put("name", "Materia KV");
        kv.putArray("regions").add("par");
        ArrayNode kvPlans = kv.putArray("plans");
        kvPlans.addObject().put("id", "plan_6c1d2e3f-kv-paid").put("name", "Paid").put("slug", "paid").put("price", 10);
        kvPlans.addObject().put("id", KV_FREE_PLAN).put("name", "Free").put("slug", "free").put("price", 0);
        list.addObject().put("id", "mysql-addon").put("name", "MySQL").putArray("plans");
        return list;
    }

    private void sql(String statement) throws Exception {
        Endpoint a = postgres.admin();
        Endpoint admin = new Endpoint(a.host(), a.port(), a.username(), a.password(), "postgres").withTls(a.tls());
        try (Connection c = Jdbc.connect(admin, "clever double", 5, 30); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private void redis(List<String> command) throws IOException {
        try (Resp r = Resp.connect(redis.admin(), 5000)) {
            Resp.Reply reply = r.call(command);
            if (!(reply instanceof Resp.Status)) {
                throw new IOException(command.get(0) + " answered " + reply);
            }
        }
    }

    static String error(int id, String message) {
        return JSON.createObjectNode().put("id", id).put("message", message).put("type", "error").toString();
    }

    private static void send(HttpExchange x, int status, String body, String retryAfter) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        if (retryAfter != null) {
            x.getResponseHeaders().add("Retry-After", retryAfter);
        }
        x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            x.getResponseBody().write(bytes);
        }
        x.close();
    }

    /** The names of the add-ons that exist now, in any space. */
    List<String> liveAddons() {
        return new ArrayList<>(addons.values().stream().map(a -> a.get("name").asText()).toList());
    }

    /** Whether every add-on is gone from the data planes too: no role or database left, no token accepted. */
    boolean dataPlaneEmpty() throws Exception {
        if (postgres != null) {
            Endpoint a = postgres.admin();
            Endpoint admin = new Endpoint(a.host(), a.port(), a.username(), a.password(), "postgres").withTls(a.tls());
            try (Connection c = Jdbc.connect(admin, "clever double", 5, 30); Statement s = c.createStatement();
                 java.sql.ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM pg_roles WHERE rolname ~ '^u[0-9a-f]{12}$')"
                         + " + (SELECT count(*) FROM pg_database WHERE datname ~ '^b[0-9a-f]{12}$')")) {
                rs.next();
                if (rs.getLong(1) != 0) {
                    return false;
                }
            }
        }
        if (redis != null) {
            try (Resp r = Resp.connect(redis.admin(), 5000)) {
                // the default user's passwords: the server's own, and one per live Materia KV add-on
                if (passwords(r.call(List.of("ACL", "GETUSER", "default"))) != 1) {
                    return false;
                }
            }
        }
        return true;
    }

    private static int passwords(Resp.Reply getuser) {
        if (getuser instanceof Resp.Multi array) {
            List<Resp.Reply> items = array.items();
            for (int i = 0; i + 1 < items.size(); i += 2) {
                if (items.get(i) instanceof Resp.Bulk key && "passwords".equals(new String(key.value(), StandardCharsets.UTF_8))
                        && items.get(i + 1) instanceof Resp.Multi list) {
                    return list.items().size();
                }
            }
        }
        return -1;
    }
}
