package dev.scale.cli;

import com.couchbase.mock.CouchbaseMock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A TEST DOUBLE of Couchbase Capella's Management API v4, as docs/research/capella.md gives it (the v4 spec through
 * {@code couchbasecloud/terraform-provider-couchbase-capella} @ 6900d8f, {@code internal/generated/api/openapi.gen.go};
 * the Management API guide). It asserts what scale sends: the Bearer key, the organization and project in every
 * path, and the documented bodies (free-tier cluster, free-tier bucket, database credential and its password rules,
 * allowed CIDR with an RFC 3339 {@code expiresAt}); it plays the documented answers (202 and 201 with ids, a
 * {@code deploying} phase before {@code healthy}, {@code destroying} before 404, the {code, hint, message,
 * httpStatusCode} error body) and, when told, the undocumented ones the research expects: a 422 for a second free
 * cluster and a 403 for an organization on the free plan alone.
 *
 * <p>Its data plane ({@link TlsCouchbase}) is CouchbaseMock, itself a TEST DOUBLE of Couchbase Server's key/value
 * path, behind a real TLS endpoint with its own certificate authority. No Couchbase Server can be had on this
 * machine, and CouchbaseMock speaks no TLS: what runs for real is scale's TLS (the SDK's couchbases://, the
 * certificate and host name checks, SCALE_CA_FILE), not Couchbase Server or Capella.
 */
final class CapellaDouble implements AutoCloseable {
    static final String KEY = "capella-test-key-0123456789";
    static final String ORG = "6af08c0a-8cab-4c1c-b257-b521575c16d0";
    static final String PROJECT = "c1ff9c7a-19a8-4a0b-9b6c-6d5c4fbe4c0e";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** OpenAPI {@code CreateDatabaseCredentialRequest}: these may not appear in a password. */
    private static final String FORBIDDEN = "<>;.*&|£";

    /** A cluster as the double keeps it: Capella's own fields, and what was made in it. */
    static final class Cluster {
        final ObjectNode json;
        final Map<String, String> buckets = new ConcurrentHashMap<>();
        final Map<String, String> users = new ConcurrentHashMap<>();
        final Map<String, String> cidrs = new ConcurrentHashMap<>();
        int polls;
        boolean destroying;

        Cluster(ObjectNode json) {
            this.json = json;
        }
    }

    final HttpServer server;
    final TlsCouchbase data;
    final Map<String, Cluster> clusters = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** An answer to play once instead of the documented one, to the first request whose "METHOD path" starts with {@code when}. */
    record Scripted(String when, int status, String body, String retryAfter) {
    }

    final List<Scripted> scripted = new CopyOnWriteArrayList<>();
    /** GETs that answer {@code deploying} before {@code healthy}: the slow phase */
    volatile int deployingPolls = 2;
    /** {@code deploying} for as long as it is set */
    volatile boolean holdDeploying;
    /** an organization on the free plan alone: 403 on every call (no sample body was found; see the research) */
    volatile boolean freeOnly;
    /** whether the general cluster listing shows free-tier clusters ([TF]'s data source assumes so, its tests say no) */
    volatile boolean listsFreeTier;

    CapellaDouble(Path dir) throws Exception {
        data = new TlsCouchbase(dir);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        data.close();
    }

    /** Clusters that exist (destroying ones too), by name. */
    List<String> liveClusters() {
        return clusters.values().stream().map(c -> c.json.get("name").asText()).sorted().toList();
    }

    /** Everything made in clusters that still exist: buckets, users, allowed CIDRs. */
    int madeInClusters() {
        return clusters.values().stream().mapToInt(c -> c.buckets.size() + c.users.size() + c.cidrs.size()).sum();
    }

    /**
     * A free cluster made some minutes ago elsewhere, already healthy: by scale on another machine when its name is
     * {@code scale-…} (with the description scale writes), else by someone in Capella's console.
     */
    Cluster preload(String name, int minutesAgo) {
        Instant created = Instant.now().minus(minutesAgo, ChronoUnit.MINUTES);
        Cluster c = newCluster(name, created);
        if (name.startsWith("scale-")) {
            c.json.put("description", "made by scale; removed at " + created.plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS));
        }
        c.polls = Integer.MAX_VALUE / 2;
        c.json.put("currentState", "healthy");
        return c;
    }

    /** Capella deleted the cluster on its own (30 days idle, or by hand in the console). */
    void forget(String name) {
        clusters.values().removeIf(c -> c.json.get("name").asText().equals(name));
        data.stop();
    }

    private void handle(HttpExchange x) throws IOException {
        String method = x.getRequestMethod();
        String path = x.getRequestURI().getPath();
        String query = x.getRequestURI().getQuery() == null ? "" : x.getRequestURI().getQuery();
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        requests.add(method + " " + path + (query.isEmpty() ? "" : "?" + query) + (body.isEmpty() ? "" : " " + body));
        try {
            String auth = x.getRequestHeaders().getFirst("Authorization");
            if (!("Bearer " + KEY).equals(auth)) {
                // [INTRO]: Authorization: Bearer <API key>; [GEN] lists 401 with the Error body
                send(x, 401, error(1001, 401, "Unauthorized", "The request is not authorized: check the API key."), null);
                return;
            }
            if (!body.isEmpty() && !String.valueOf(x.getRequestHeaders().getFirst("Content-Type")).startsWith("application/json")) {
                send(x, 400, error(1000, 400, "The request was malformed or invalid.", "Send JSON."), null);
                return;
            }
            if (freeOnly) {
                // [INTRO]: the management API "is not available for free tier operational clusters. Upgrade your account";
                // the status and body are the research's expectation, not a documented sample
                send(x, 403, error(1002, 403, "Access Denied.", "The management API is not available for free tier operational clusters. "
                        + "Upgrade your account to use it."), null);
                return;
            }
            for (Scripted next : scripted) {
                if ((method + " " + path).startsWith(next.when()) && scripted.remove(next)) {
                    send(x, next.status(), next.body(), next.retryAfter());
                    return;
                }
            }
            String prefix = "/v4/organizations/" + ORG + "/projects/" + PROJECT;
            if (!path.startsWith(prefix + "/")) {
                send(x, 404, error(11001, 404, "Unable to find the organization or project.", "Check the ids in the path."), null);
                return;
            }
            route(x, method, path.substring(prefix.length()), query, body.isEmpty() ? null : JSON.readTree(body));
        } catch (AssertionError | Exception e) {
            send(x, 500, error(5000, 500, "double: " + e, "The double refused the request."), null);
        }
    }

    private void route(HttpExchange x, String method, String path, String query, JsonNode body) throws Exception {
        Matcher m;
        if (method.equals("GET") && path.equals("/clusters")) {
            // [GEN] ListClustersParams (page, perPage) and the {data, cursor} answer
            require(query.matches("page=\\d+&perPage=\\d+"), "page and perPage: " + query);
            ArrayNode list = JSON.createArrayNode();
            if (listsFreeTier) {
                clusters.values().forEach(c -> list.add(c.json.deepCopy()));
            }
            ObjectNode out = JSON.createObjectNode();
            out.set("data", list);
            out.putObject("cursor").putObject("pages").put("page", 1).put("last", 1).put("perPage", 100).put("totalItems", list.size());
            send(x, 200, out.toString(), null);
        } else if (method.equals("POST") && path.equals("/clusters/freeTier")) {
            // [GEN] CreateFreeTierClusterRequest; [TF] examples/free_tier_cluster: cidr always sent
            String name = body.path("name").asText();
            require(!name.isEmpty() && name.length() <= 256, "name of 1-256 characters");
            require(body.path("description").asText("").length() <= 1024, "description of at most 1024 characters");
            JsonNode cloud = body.path("cloudProvider");
            require(Set.of("aws", "gcp", "azure").contains(cloud.path("type").asText()), "cloudProvider.type aws, gcp or azure");
            require(!cloud.path("region").asText().isEmpty(), "cloudProvider.region");
            require(cloud.path("cidr").asText().matches("\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+"), "cloudProvider.cidr");
            if (!clusters.isEmpty()) {
                // [ACCT]: one free cluster per organization; the exact refusal is not documented (research: "likely 422")
                send(x, 422, error(4026, 422, "Unable to create the free tier cluster. The organization already has a free tier cluster.",
                        "Delete the existing free tier cluster first."), null);
                return;
            }
            Cluster c = newCluster(name, Instant.now());
            c.json.set("cloudProvider", cloud.deepCopy());
            c.json.put("description", body.path("description").asText(""));
            send(x, 202, JSON.createObjectNode().put("id", c.json.get("id").asText()).toString(), null);
        } else if ((m = match("/clusters/freeTier/([^/]+)", path)) != null && method.equals("GET")) {
            Cluster c = clusters.get(m.group(1));
            if (c == null) {
                send(x, 404, notFound(), null);
                return;
            }
            synchronized (c) {
                if (c.destroying) {
                    clusters.remove(m.group(1)); // destroying once, then gone: [TF] polls until 404
                    data.stop();
                    c.json.put("currentState", "destroying");
                } else {
                    c.polls++;
                    c.json.put("currentState", c.polls > deployingPolls && !holdDeploying ? "healthy" : "deploying");
                }
            }
            send(x, 200, c.json.toString(), null);
        } else if ((m = match("/clusters/freeTier/([^/]+)", path)) != null && method.equals("DELETE")) {
            Cluster c = clusters.get(m.group(1));
            if (c == null) {
                send(x, 404, notFound(), null);
                return;
            }
            synchronized (c) {
                c.destroying = true; // with its buckets, users and allowed CIDRs
            }
            send(x, 202, "", null);
        } else if ((m = match("/clusters/([^/]+)/buckets/freeTier", path)) != null && method.equals("POST")) {
            // [GEN] CreateFreeTierBucketRequest {name, memoryAllocationInMb?} → 201 {id: base64 of the name}
            Cluster c = healthy(x, m.group(1));
            if (c == null) {
                return;
            }
            String name = body.path("name").asText();
            require(!name.isEmpty(), "bucket name");
            require(!body.has("memoryAllocationInMb") || body.get("memoryAllocationInMb").isInt(), "memoryAllocationInMb, an integer");
            String id = Base64.getEncoder().encodeToString(name.getBytes(StandardCharsets.UTF_8));
            c.buckets.put(id, name);
            send(x, 201, JSON.createObjectNode().put("id", id).toString(), null);
        } else if ((m = match("/clusters/([^/]+)/users", path)) != null && method.equals("POST")) {
            // [GEN] CreateDatabaseCredentialRequest, Access; password rules from its description
            Cluster c = healthy(x, m.group(1));
            if (c == null) {
                return;
            }
            String name = body.path("name").asText();
            String password = body.path("password").asText();
            require(!name.isEmpty(), "credential name");
            require(password.length() >= 8 && password.chars().anyMatch(Character::isUpperCase) && password.chars().anyMatch(Character::isLowerCase)
                    && password.chars().anyMatch(Character::isDigit) && password.chars().anyMatch(ch -> !Character.isLetterOrDigit(ch))
                    && password.chars().noneMatch(ch -> FORBIDDEN.indexOf(ch) >= 0), "a password by Capella's rules");
            JsonNode access = body.path("access").path(0);
            List<String> privileges = new ArrayList<>();
            access.path("privileges").forEach(p -> privileges.add(p.asText()));
            require(privileges.containsAll(List.of("data_reader", "data_writer")), "data_reader and data_writer");
            String bucket = access.path("resources").path("buckets").path(0).path("name").asText();
            require(c.buckets.containsValue(bucket), "access to an existing bucket, not all of them: " + bucket);
            String id = UUID.randomUUID().toString();
            c.users.put(id, name);
            // CouchbaseMock logs in only a user named as the bucket: scale's credential is named scale, like its bucket
            data.start(bucket, password);
            send(x, 201, JSON.createObjectNode().put("id", id).put("password", password).toString(), null);
        } else if ((m = match("/clusters/([^/]+)/allowedcidrs", path)) != null && method.equals("POST")) {
            // [GEN] CreateAllowedCidrRequest {cidr, comment?, expiresAt? RFC 3339}
            Cluster c = healthy(x, m.group(1));
            if (c == null) {
                return;
            }
            require(body.path("cidr").asText().matches("\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+"), "a CIDR");
            Instant expires = Instant.parse(body.path("expiresAt").asText());
            require(expires.isAfter(Instant.now()), "an expiry in the future");
            String id = UUID.randomUUID().toString();
            c.cidrs.put(id, body.get("cidr").asText());
            data.allowed = true; // the data plane answers once an address is allowed, as Capella's does
            send(x, 201, JSON.createObjectNode().put("id", id).toString(), null);
        } else {
            send(x, 404, error(404, 404, "no route " + method + " " + path, "The double knows no such endpoint."), null);
        }
    }

    private Cluster newCluster(String name, Instant created) {
        String id = UUID.randomUUID().toString();
        ObjectNode json = JSON.createObjectNode().put("id", id).put("name", name).put("currentState", "deploying")
                .put("connectionString", "couchbases://localhost:" + data.port());
        json.putObject("couchbaseServer").put("version", "7.6.2");
        json.putObject("support").put("plan", "free").put("timezone", "PT");
        json.putObject("audit").put("createdAt", created.truncatedTo(ChronoUnit.SECONDS).toString());
        Cluster c = new Cluster(json);
        clusters.put(id, c);
        return c;
    }

    /** The cluster, when it exists and is healthy; else the refusal is sent and null returned. */
    private Cluster healthy(HttpExchange x, String id) throws IOException {
        Cluster c = clusters.get(id);
        if (c == null) {
            send(x, 404, notFound(), null);
            return null;
        }
        if (!"healthy".equals(c.json.path("currentState").asText())) {
            send(x, 422, error(4001, 422, "The cluster is not healthy.", "Wait for the cluster to be healthy."), null);
            return null;
        }
        return c;
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("the request lacks " + what);
        }
    }

    /** [GEN] Error: {code, hint, message, httpStatusCode}. */
    static String error(int code, int status, String message, String hint) {
        return JSON.createObjectNode().put("code", code).put("hint", hint).put("httpStatusCode", status).put("message", message).toString();
    }

    private static String notFound() {
        return error(4025, 404, "Unable to find the cluster.", "The requested cluster does not exist.");
    }

    private static Matcher match(String regex, String path) {
        Matcher m = Pattern.compile(regex).matcher(path);
        return m.matches() ? m : null;
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

    /**
     * Real TLS endpoints, with a certificate for localhost and 127.0.0.1 that only {@link #ca} trusts, in front of
     * CouchbaseMock's key/value and cluster manager ports (a TEST DOUBLE of Couchbase Server; it has no TLS of its
     * own). The SDK learns where to connect from the cluster map the server sends; Couchbase Server names its TLS
     * ports there ({@code kvSSL} 11207, {@code mgmtSSL} 18091), CouchbaseMock does not, so the key/value endpoint
     * adds both to each map that passes. The SDK's bucket.waitUntilReady asks the cluster manager, over TLS.
     */
    static final class TlsCouchbase implements AutoCloseable {
        private static final ObjectMapper MAPPER = new ObjectMapper();
        private final ServerSocket listener;
        private final ServerSocket manager;
        private final Path ca;
        private final Set<Socket> open = ConcurrentHashMap.newKeySet();
        private volatile CouchbaseMock mock;
        volatile boolean allowed;

        TlsCouchbase(Path dir) throws Exception {
            Path store = dir.resolve("couchbase-tls.p12");
            ca = dir.resolve("couchbase-ca.pem");
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            run(keytool, "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-validity", "1", "-dname", "CN=localhost",
                    "-ext", "san=dns:localhost,ip:127.0.0.1", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
                    "-keypass", "changeit");
            run(keytool, "-exportcert", "-rfc", "-alias", "server", "-keystore", store.toString(), "-storepass", "changeit", "-file", ca.toString());
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keys.load(in, "changeit".toCharArray());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "changeit".toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            listener = context.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            manager = context.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            daemon(() -> accept(listener, true));
            daemon(() -> accept(manager, false));
        }

        private static void run(String... command) throws Exception {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + ": " + out);
            }
        }

        /** The PEM of the authority that signed this endpoint's certificate, for SCALE_CA_FILE. */
        Path ca() {
            return ca;
        }

        int port() {
            return listener.getLocalPort();
        }

        /** The bucket, with its one login (CouchbaseMock's: the bucket's name and password). */
        synchronized void start(String bucket, String password) throws Exception {
            stop();
            CouchbaseMock m = new CouchbaseMock("127.0.0.1", 0, 1, 64, bucket + ":" + password);
            m.start();
            m.waitForStartup();
            // SDK 3 bootstraps over the key/value port (CCCP), which the mock serves only when asked to
            m.getDispatcher().processInput("{\"command\":\"SET_CCCP\",\"payload\":{\"enabled\":true}}");
            mock = m;
        }

        /** The cluster is gone: so are its data and its connections. */
        synchronized void stop() {
            allowed = false;
            if (mock != null) {
                mock.stop();
                mock = null;
            }
            open.forEach(TlsCouchbase::closeQuietly);
            open.clear();
        }

        @Override
        public void close() {
            closeQuietly(listener);
            closeQuietly(manager);
            stop();
        }

        /** @param keyValue the key/value port (whose cluster maps are rewritten), else the cluster manager's */
        private void accept(ServerSocket tls, boolean keyValue) {
            while (!tls.isClosed()) {
                Socket client;
                try {
                    client = tls.accept();
                } catch (IOException closed) {
                    return;
                }
                CouchbaseMock m = mock;
                if (m == null || !allowed) {
                    closeQuietly(client); // no bucket yet, or no address allowed: Capella's data plane does not answer either
                    continue;
                }
                try {
                    Socket server = new Socket("127.0.0.1", keyValue ? m.getCarrierPort(m.getBuckets().keySet().iterator().next()) : m.getHttpPort());
                    open.add(client);
                    open.add(server);
                    int kvPort = listener.getLocalPort();
                    int managerPort = manager.getLocalPort();
                    daemon(() -> pump(client, server));
                    daemon(keyValue ? () -> rewriteMaps(server, client, kvPort, managerPort) : () -> pump(server, client));
                } catch (IOException e) {
                    closeQuietly(client);
                }
            }
        }

        private static void daemon(Runnable r) {
            Thread t = new Thread(r, "capella-double-tls-pump");
            t.setDaemon(true);
            t.start();
        }

        private static void pump(Socket from, Socket to) {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // either side closed
            }
            closeQuietly(from);
            closeQuietly(to);
        }

        /**
         * Server to client, packet by packet (the memcached binary protocol's 24-byte header, then the body): a
         * cluster map gains {@code kvSSL} and {@code mgmtSSL}, these endpoints' ports, in each node's services.
         */
        private static void rewriteMaps(Socket from, Socket to, int kvPort, int managerPort) {
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(from.getInputStream())); OutputStream out = to.getOutputStream()) {
                byte[] header = new byte[24];
                while (true) {
                    in.readFully(header);
                    int magic = header[0] & 0xff;
                    boolean flexible = magic == 0x18 || magic == 0x08;
                    int framing = flexible ? header[2] & 0xff : 0;
                    int key = flexible ? header[3] & 0xff : ((header[2] & 0xff) << 8 | (header[3] & 0xff));
                    int extras = header[4] & 0xff;
                    int total = java.nio.ByteBuffer.wrap(header, 8, 4).getInt();
                    byte[] body = new byte[total];
                    in.readFully(body);
                    int head = framing + extras + key;
                    String value = new String(body, head, total - head, StandardCharsets.UTF_8);
                    if (value.startsWith("{") && value.contains("\"nodesExt\"")) {
                        JsonNode map = MAPPER.readTree(value);
                        map.path("nodesExt").forEach(n -> ((ObjectNode) n.path("services")).put("kvSSL", kvPort).put("mgmtSSL", managerPort));
                        byte[] rewritten = MAPPER.writeValueAsBytes(map);
                        byte[] next = new byte[head + rewritten.length];
                        System.arraycopy(body, 0, next, 0, head);
                        System.arraycopy(rewritten, 0, next, head, rewritten.length);
                        body = next;
                        java.nio.ByteBuffer.wrap(header, 8, 4).putInt(body.length);
                    }
                    out.write(header);
                    out.write(body);
                    out.flush();
                }
            } catch (IOException e) {
                // either side closed
            }
            closeQuietly(from);
            closeQuietly(to);
        }

        private static void closeQuietly(java.io.Closeable c) {
            try {
                c.close();
            } catch (IOException e) {
                // closing
            }
        }
    }
}
