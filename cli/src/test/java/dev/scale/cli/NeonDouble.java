package dev.scale.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.scale.providers.kinds.postgres.Jdbc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test double of Neon's API v2, as docs/research/neon.md gives it (the OpenAPI spec of
 * {@code @neondatabase/api-client} 2.7.3, public-v2-for-users.gen.yaml): Bearer auth, projects, branches with
 * {@code expires_at} and a read_write endpoint, roles with their password, databases, operations that run
 * before they finish, the {code, message} error body. Its data plane is real: roles and databases are made in
 * a real PostgreSQL that requires TLS, whose host and port the double gives as the endpoint's host.
 */
final class NeonDouble implements AutoCloseable {
    static final String KEY = "neon-test-key";
    private static final ObjectMapper JSON = new ObjectMapper();

    final HttpServer server;
    final TlsPostgres data;
    final Map<String, ObjectNode> projects = new ConcurrentHashMap<>();
    /** branch id → branch, with "project" and "role" kept beside Neon's own fields */
    final Map<String, ObjectNode> branches = new ConcurrentHashMap<>();
    final Map<String, Integer> operationPolls = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** the next responses to play instead of the documented success: status, body, Retry-After */
    final List<Object[]> scripted = new CopyOnWriteArrayList<>();
    volatile String failRolesWith;

    NeonDouble(TlsPostgres data) throws IOException {
        this.data = data;
        try {
            sql("ALTER DATABASE scale RENAME TO scale_admin"); // the name each branch's own database takes
        } catch (Exception e) {
            throw new IOException(e);
        }
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v2/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/v2";
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange x) throws IOException {
        String method = x.getRequestMethod();
        String path = x.getRequestURI().getPath().substring("/api/v2".length());
        String query = x.getRequestURI().getQuery() == null ? "" : x.getRequestURI().getQuery();
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        requests.add(method + " " + path + (query.isEmpty() ? "" : "?" + query) + (body.isEmpty() ? "" : " " + body));
        try {
            if (!("Bearer " + KEY).equals(x.getRequestHeaders().getFirst("Authorization"))) {
                send(x, 401, error("", "authentication required"), null);
                return;
            }
            if (!scripted.isEmpty()) {
                Object[] next = scripted.remove(0);
                send(x, (Integer) next[0], (String) next[1], (String) next[2]);
                return;
            }
            route(x, method, path, query, body.isEmpty() ? null : JSON.readTree(body));
        } catch (Exception e) {
            send(x, 500, error("INTERNAL", String.valueOf(e)), null);
        }
    }

    private void route(HttpExchange x, String method, String path, String query, JsonNode body) throws Exception {
        Matcher m;
        if (method.equals("GET") && path.equals("/projects")) {
            ArrayNode list = JSON.createArrayNode();
            String search = param(query, "search");
            projects.values().stream().filter(p -> search == null || p.get("name").asText().contains(search)).forEach(list::add);
            send(x, 200, JSON.createObjectNode().<ObjectNode>set("projects", list).toString(), null);
        } else if (method.equals("POST") && path.equals("/projects")) {
            String id = "p-" + UUID.randomUUID().toString().substring(0, 8);
            ObjectNode p = JSON.createObjectNode().put("id", id).put("name", body.path("project").path("name").asText("project"));
            projects.put(id, p);
            ObjectNode out = JSON.createObjectNode();
            out.set("project", p);
            out.set("operations", operations(id, "create_timeline"));
            send(x, 201, out.toString(), null);
        } else if ((m = match("/projects/([^/]+)/branches", path)) != null && method.equals("GET")) {
            ArrayNode list = JSON.createArrayNode();
            String search = param(query, "search");
            String project = m.group(1);
            branches.values().stream().filter(b -> b.get("project_id").asText().equals(project))
                    .filter(b -> search == null || b.get("name").asText().contains(search)).forEach(b -> list.add(b.deepCopy().without("role")));
            send(x, 200, JSON.createObjectNode().<ObjectNode>set("branches", list).toString(), null);
        } else if ((m = match("/projects/([^/]+)/branches", path)) != null && method.equals("POST")) {
            String name = body.path("branch").path("name").asText();
            String expires = body.path("branch").path("expires_at").asText();
            java.time.Instant.parse(expires); // RFC 3339, to the second
            if (!"read_write".equals(body.path("endpoints").path(0).path("type").asText())) {
                send(x, 400, error("", "a branch without a read_write endpoint has no compute"), null);
                return;
            }
            String id = "br-" + UUID.randomUUID().toString().substring(0, 8);
            ObjectNode b = JSON.createObjectNode().put("id", id).put("project_id", m.group(1)).put("name", name).put("expires_at", expires)
                    .put("created_at", java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
            branches.put(id, b);
            ObjectNode out = JSON.createObjectNode();
            out.set("branch", b);
            out.putArray("endpoints").addObject().put("id", "ep-" + id).put("host", "localhost:" + data.admin().port()).put("type", "read_write");
            out.set("operations", operations(m.group(1), "create_branch"));
            send(x, 201, out.toString(), null);
        } else if ((m = match("/projects/([^/]+)/branches/([^/]+)/roles", path)) != null && method.equals("POST")) {
            if (failRolesWith != null) {
                send(x, 500, error("", failRolesWith), null);
                return;
            }
            String role = body.path("role").path("name").asText();
            String password = UUID.randomUUID().toString().replace("-", "");
            sql("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
            branches.get(m.group(2)).put("role", role);
            ObjectNode out = JSON.createObjectNode();
            out.putObject("role").put("name", role).put("password", password).put("branch_id", m.group(2));
            out.set("operations", operations(m.group(1), "apply_config"));
            send(x, 201, out.toString(), null);
        } else if ((m = match("/projects/([^/]+)/branches/([^/]+)/databases", path)) != null && method.equals("POST")) {
            String owner = body.path("database").path("owner_name").asText();
            // one real server stands for every branch: each branch's "scale" database is kept apart by its owner
            sql("CREATE DATABASE " + body.path("database").path("name").asText() + " OWNER " + owner);
            ObjectNode out = JSON.createObjectNode();
            out.putObject("database").put("name", body.path("database").path("name").asText()).put("owner_name", owner);
            out.set("operations", operations(m.group(1), "apply_config"));
            send(x, 201, out.toString(), null);
        } else if ((m = match("/projects/([^/]+)/operations/([^/]+)", path)) != null && method.equals("GET")) {
            // a slow "creating" phase: running on the first poll, finished on the second
            int polls = operationPolls.merge(m.group(2), 1, Integer::sum);
            ObjectNode out = JSON.createObjectNode();
            out.putObject("operation").put("id", m.group(2)).put("action", "create_branch").put("status", polls < 2 ? "running" : "finished");
            send(x, 200, out.toString(), null);
        } else if ((m = match("/projects/([^/]+)/branches/([^/]+)", path)) != null && method.equals("DELETE")) {
            ObjectNode b = branches.remove(m.group(2));
            if (b == null) {
                send(x, 404, error("", "branch not found"), null);
                return;
            }
            if (b.hasNonNull("role")) {
                sql("DROP DATABASE IF EXISTS scale WITH (FORCE)");
                sql("DROP ROLE IF EXISTS " + b.get("role").asText());
            }
            ObjectNode out = JSON.createObjectNode();
            out.set("branch", b);
            send(x, 200, out.toString(), null);
        } else {
            send(x, 404, error("", "no route " + method + " " + path), null);
        }
    }

    private void sql(String statement) throws Exception {
        dev.scale.providers.Endpoint a = data.admin();
        dev.scale.providers.Endpoint postgres = new dev.scale.providers.Endpoint(a.host(), a.port(), a.username(), a.password(), "postgres")
                .withTls(a.tls());
        try (Connection c = Jdbc.connect(postgres, "neon double", 5, 30); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private ArrayNode operations(String project, String action) {
        ArrayNode ops = JSON.createArrayNode();
        ops.addObject().put("id", UUID.randomUUID().toString()).put("project_id", project).put("action", action).put("status", "running");
        return ops;
    }

    static String error(String code, String message) {
        return JSON.createObjectNode().put("code", code).put("message", message).toString();
    }

    private static Matcher match(String regex, String path) {
        Matcher m = Pattern.compile(regex).matcher(path);
        return m.matches() ? m : null;
    }

    private static String param(String query, String name) {
        for (String p : query.split("&")) {
            if (p.startsWith(name + "=")) {
                return java.net.URLDecoder.decode(p.substring(name.length() + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static void send(HttpExchange x, int status, String body, String retryAfter) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        if (retryAfter != null) {
            x.getResponseHeaders().add("Retry-After", retryAfter);
        }
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
        x.close();
    }

    List<String> liveBranches() {
        return new ArrayList<>(branches.values().stream().map(b -> b.get("name").asText()).toList());
    }
}
