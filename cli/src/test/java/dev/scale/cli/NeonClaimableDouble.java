package dev.scale.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.scale.providers.Endpoint;
import dev.scale.providers.kinds.postgres.Jdbc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test double of Neon's Claimable Postgres API, as docs/research/neon.md gives it (Neon's docs page
 * content/docs/reference/claimable-postgres.md): {@code POST /api/v1/database {"ref"}} with no auth answers
 * {id, status UNCLAIMED, neon_project_id, connection_string, claim_url, expires_at, created_at}; {@code GET
 * /api/v1/database/{id}}; 404 {"error": "Database not found"}. Each database is a real role and database on a
 * PostgreSQL that requires TLS.
 */
final class NeonClaimableDouble implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    final HttpServer server;
    final TlsPostgres data;
    final Map<String, ObjectNode> databases = new ConcurrentHashMap<>();
    /** method, path, body, and the Authorization header (there must be none) */
    final List<String> requests = new CopyOnWriteArrayList<>();

    NeonClaimableDouble(TlsPostgres data) throws IOException {
        this.data = data;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/database", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange x) throws IOException {
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String path = x.getRequestURI().getPath();
        requests.add(x.getRequestMethod() + " " + path + " " + body + " auth=" + x.getRequestHeaders().getFirst("Authorization"));
        try {
            if (x.getRequestMethod().equals("POST") && path.equals("/api/v1/database")) {
                if (JSON.readTree(body).path("ref").asText().isEmpty()) {
                    send(x, 400, "{\"error\":\"Missing referrer\"}");
                    return;
                }
                String id = UUID.randomUUID().toString();
                String role = "claim_" + id.substring(0, 8);
                String password = UUID.randomUUID().toString().replace("-", "");
                sql("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
                sql("CREATE DATABASE " + role + " OWNER " + role);
                java.time.Instant now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
                ObjectNode db = JSON.createObjectNode().put("id", id).put("status", "UNCLAIMED").put("neon_project_id", "np-" + id.substring(0, 8))
                        .put("connection_string", "postgresql://" + role + ":" + password + "@localhost:" + data.admin().port() + "/" + role
                                + "?sslmode=require&channel_binding=require")
                        .put("claim_url", url() + "/claim/" + id).put("expires_at", now.plusSeconds(72 * 3600).toString()).put("created_at", now.toString());
                databases.put(id, db);
                send(x, 201, db.toString());
            } else if (x.getRequestMethod().equals("GET") && databases.containsKey(path.substring(path.lastIndexOf('/') + 1))) {
                send(x, 200, databases.get(path.substring(path.lastIndexOf('/') + 1)).toString());
            } else {
                send(x, 404, "{\"error\":\"Database not found\"}");
            }
        } catch (Exception e) {
            send(x, 500, JSON.createObjectNode().put("error", String.valueOf(e)).toString());
        }
    }

    void sql(String statement) throws Exception {
        Endpoint a = data.admin();
        try (Connection c = Jdbc.connect(new Endpoint(a.host(), a.port(), a.username(), a.password(), "postgres").withTls(a.tls()), "claimable double", 5, 30);
             Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static void send(HttpExchange x, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
        x.close();
    }
}
