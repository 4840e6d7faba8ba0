package dev.scale.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test double of Upstash's Developer API for Redis databases, as docs/research/upstash.md gives it: the OpenAPI
 * spec {@code devops/developer-api/openapi.yml} of upstash/docs (CreateDatabaseRequest, Database), HTTP Basic auth
 * with the account email and API key, {@code GET /redis/databases} as a bare array, {@code DELETE} answering the
 * JSON string "OK", errors as bare JSON strings or {@code {"error": …}} (what the official CLI's client.ts reads),
 * and the free plan's one database. Its data plane is real: every database's endpoint is one Redis that requires
 * TLS ({@link TlsRedis}), whose password the double gives as each database's.
 */
final class UpstashDouble implements AutoCloseable {
    static final String EMAIL = "dev@example.com";
    static final String KEY = "upstash-test-key";
    private static final ObjectMapper JSON = new ObjectMapper();

    final HttpServer server;
    final TlsRedis data;
    /** database_id → Database */
    final Map<String, ObjectNode> databases = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** the next responses to play instead of the documented ones: status, body, Retry-After */
    final List<Object[]> scripted = new CopyOnWriteArrayList<>();
    /** the next responses to a create only */
    final List<Object[]> scriptedCreate = new CopyOnWriteArrayList<>();
    /** the port new databases' endpoints give: the real server's, or one where nothing answers yet */
    volatile int dataPort;
    /** the free plan: one database per account */
    volatile int limit = 1;

    UpstashDouble(TlsRedis data) throws IOException {
        this.data = data;
        this.dataPort = data.admin().port();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v2/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v2";
    }

    List<String> liveNames() {
        return databases.values().stream().map(d -> d.get("database_name").asText()).sorted().toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange x) throws IOException {
        String method = x.getRequestMethod();
        String path = x.getRequestURI().getPath().substring("/v2".length());
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        requests.add(method + " " + path + (body.isEmpty() ? "" : " " + body) + " auth=" + x.getRequestHeaders().getFirst("Authorization"));
        try {
            String basic = "Basic " + Base64.getEncoder().encodeToString((EMAIL + ":" + KEY).getBytes(StandardCharsets.UTF_8));
            if (!basic.equals(x.getRequestHeaders().getFirst("Authorization"))) {
                send(x, 401, "\"Unauthorized\"", null);
                return;
            }
            if (!scripted.isEmpty()) {
                Object[] next = scripted.remove(0);
                send(x, (Integer) next[0], (String) next[1], (String) next[2]);
                return;
            }
            route(x, method, path, body.isEmpty() ? null : JSON.readTree(body));
        } catch (Exception e) {
            send(x, 500, JSON.writeValueAsString(String.valueOf(e)), null);
        }
    }

    private void route(HttpExchange x, String method, String path, JsonNode body) throws Exception {
        if (method.equals("GET") && path.equals("/redis/databases")) {
            ArrayNode list = JSON.createArrayNode();
            databases.values().forEach(list::add);
            send(x, 200, list.toString(), null);
        } else if (method.equals("POST") && path.equals("/redis/database") && !scriptedCreate.isEmpty()) {
            Object[] next = scriptedCreate.remove(0);
            send(x, (Integer) next[0], (String) next[1], (String) next[2]);
        } else if (method.equals("POST") && path.equals("/redis/database")) {
            // CreateDatabaseRequest: database_name, platform and primary_region are required since regional creation went
            if (!body.hasNonNull("database_name") || !body.hasNonNull("platform") || !body.hasNonNull("primary_region")) {
                send(x, 400, "\"database_name, platform and primary_region are required\"", null);
                return;
            }
            if (body.has("region") && !"global".equals(body.get("region").asText())) {
                send(x, 400, "\"regional db creation is deprecated\"", null);
                return;
            }
            if (databases.size() >= limit) {
                send(x, 400, "\"You have reached the maximum number of databases for the free plan\"", null);
                return;
            }
            String id = UUID.randomUUID().toString();
            ObjectNode db = JSON.createObjectNode().put("database_id", id).put("database_name", body.get("database_name").asText())
                    .put("region", "global").put("primary_region", body.get("primary_region").asText()).put("type", "free")
                    .put("endpoint", "localhost").put("port", dataPort).put("password", data.admin().password().reveal())
                    .put("tls", true).put("state", "active").put("creation_time", java.time.Instant.now().getEpochSecond());
            databases.put(id, db);
            send(x, 200, db.toString(), null);
        } else if (method.equals("DELETE") && path.startsWith("/redis/database/")) {
            if (databases.remove(path.substring("/redis/database/".length())) == null) {
                send(x, 404, "\"database not found\"", null);
                return;
            }
            send(x, 200, "\"OK\"", null);
        } else {
            send(x, 404, JSON.writeValueAsString("no route " + method + " " + path), null);
        }
    }

    private static void send(HttpExchange x, int status, String body, String retryAfter) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        if (retryAfter != null) {
            x.getResponseHeaders().set("Retry-After", retryAfter);
        }
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
        x.close();
    }
}
