package dev.scale.providers.kinds.couchbase;

import dev.scale.errors.ScaleException;
import dev.scale.providers.EmbeddedRecipe;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Kind;
import dev.scale.providers.Progress;
import dev.scale.providers.Secret;
import dev.scale.providers.Topology;
import dev.scale.providers.Wait;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.ClusterOptions;
import com.couchbase.client.java.Collection;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Couchbase Server, community edition, one node. A fresh container is a node nobody has set up, so
 * {@link #initialize} does over the REST API what the Testcontainers Couchbase module does (and an
 * operator does in the console): services, memory quotas sized for a laptop, the admin user, the
 * external (alternate) addresses the SDK needs to follow Docker's mapped ports, and one bucket with no
 * replica, so that durable writes work on a single node. Ready means the bucket took a key/value write.
 */
public final class CouchbaseKind implements Kind {
    static final int MGMT = 8091;
    static final int QUERY = 8093;
    static final int KV = 11210;
    /** Key/value over TLS: what {@code couchbases://} reaches when it names no port (Capella's clusters). */
    static final int KV_TLS = 11207;
    /** Made on first use: every scale command loads the kinds, and few talk to Couchbase. */
    static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    private static final EmbeddedRecipe NO_EMBEDDED = EmbeddedRecipe.none(
            "couchbase runs in Docker only: there is no embedded Couchbase Server; start a Docker engine (scale then uses it), or use --provider docker");

    @Override public String name() { return "couchbase"; }
    @Override public List<String> aliases() { return List.of("cb"); }
    @Override public String summary() { return "document store: key/value, SQL++ and replication"; }
    @Override public List<String> urlSchemes() { return List.of("couchbase", "couchbases"); }
    // README's kind table is this example: couchbases:// (TLS, port 11207) joins it when README says so too
    @Override public String urlExample() { return "couchbase[s]://USER:PASSWORD@HOST[:PORT]/BUCKET"; }
    @Override public EmbeddedRecipe embedded() { return NO_EMBEDDED; }
    @Override public String defaultVersion() { return "7.6.2"; }
    @Override public String officialImage(String version) { return "couchbase:community-" + version; }
    @Override public int containerPort() { return KV; }
    @Override public Map<String, Integer> servicePorts() { return Map.of("mgmt", MGMT, "n1ql", QUERY); }
    @Override public String defaultUsername() { return "scale"; }
    @Override public String defaultDatabase() { return "scale"; }
    @Override public Map<String, String> containerEnv(Endpoint endpoint) { return Map.of(); }
    @Override public List<String> containerCommand() { return List.of("couchbase-server"); }
    @Override public List<String> imageEntrypoint() { return List.of("/entrypoint.sh"); }
    /** Its quotas (256 MiB data, 256 MiB index) and the cluster manager's own. */
    @Override public int memoryMiB() { return 1536; }
    @Override public String containerPrelude() { return ""; }
    @Override public String stopSignal() { return "TERM"; }
    @Override public Duration startTimeout() { return Duration.ofMinutes(3); }
    private static final Topology.Replication CLUSTER = new CouchbaseCluster();
    @Override public Topology.Replication replication() { return CLUSTER; }

    /** A REST call to the node; {@code auth} once the admin user exists. */
    record Rest(HttpClient http, String base, String user, String password, Duration timeout) {
        HttpResponse<String> call(String method, int port, String path, Map<String, String> form, boolean auth) throws IOException, InterruptedException {
            StringBuilder body = new StringBuilder();
            form.forEach((k, v) -> body.append(body.length() == 0 ? "" : "&").append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + ":" + port + path)).timeout(timeout);
            if (auth) {
                b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
            }
            if (method.equals("GET")) {
                b.GET();
            } else {
                b.header("Content-Type", "application/x-www-form-urlencoded").method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
            }
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }

        /** The call, which must succeed. */
        String ok(String method, int port, String path, Map<String, String> form, boolean auth, String what) throws IOException, InterruptedException {
            HttpResponse<String> r = call(method, port, path, form, auth);
            if (r.statusCode() / 100 != 2) {
                throw new IOException(what + ": HTTP " + r.statusCode() + " " + r.body().strip());
            }
            return r.body();
        }
    }

    static Rest rest(Endpoint e) {
        return rest(e, 10);
    }

    /** REST calls to the node that give up after {@code seconds}. */
    static Rest rest(Endpoint e, int seconds) {
        return new Rest(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(Math.min(5, seconds))).build(), "http://" + e.host(), e.username(),
                e.password().reveal(), Duration.ofSeconds(seconds));
    }

    static int port(Endpoint e, String service) {
        Integer p = servicePort(e, service);
        if (p == null) {
            throw new IllegalStateException("no " + service + " port for this Couchbase instance");
        }
        return p;
    }

    /**
     * A service's port on the server the endpoint names: one server's own ({@code mgmt}), or in a cluster the one of
     * the node whose data port the endpoint has ({@code mgmt:NAME-1}); null where it is not known (a URL's endpoint).
     */
    private static Integer servicePort(Endpoint e, String service) {
        Integer own = e.ports().get(service);
        if (own != null) {
            return own;
        }
        for (var node : Topology.servers(e.ports()).entrySet()) {
            if (node.getValue() == e.port()) {
                return Topology.byHost(e.ports(), service).get(node.getKey());
            }
        }
        return null;
    }

    /** The bucket's description from the cluster manager (basicStats, bucketType), if its port is known (scale's own instances). */
    public static java.util.Optional<JsonNode> bucketDetails(Endpoint e) throws IOException, InterruptedException {
        Integer mgmt = servicePort(e, "mgmt");
        if (mgmt == null) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(Json.MAPPER.readTree(rest(e).ok("GET", mgmt, "/pools/default/buckets/" + e.database(), Map.of(), true,
                "reading the bucket's statistics")));
    }

    @Override
    public void initialize(Endpoint e, String containerAddress, long deadline, Progress progress, String instanceName) throws Exception {
        Rest rest = rest(e);
        boolean enterprise = provision(e, containerAddress, deadline, progress, instanceName);
        publishExternal(rest, e);
        rest.ok("POST", port(e, "mgmt"), "/settings/indexes", Map.of("storageMode", enterprise ? "memory_optimized" : "forestdb"), true, "setting up the indexer");
        createBucket(e, 0, deadline, progress, instanceName);
    }

    /**
     * Makes a fresh node a one-node cluster: named as others reach it, its services, memory quotas sized for a laptop,
     * the admin user. The internal name differs from the external one, so the SDK can tell which network it is on.
     * @return whether the server is the enterprise edition
     */
    static boolean provision(Endpoint e, String nodeName, long deadline, Progress progress, String instanceName) throws Exception {
        Rest rest = rest(e);
        int mgmt = port(e, "mgmt");
        progress.step(instanceName, "waiting for the Couchbase cluster manager on 127.0.0.1:" + mgmt);
        awaitManager(rest, mgmt, deadline);
        boolean enterprise = Json.MAPPER.readTree(rest.ok("GET", mgmt, "/pools", Map.of(), false, "reading /pools")).path("isEnterprise").asBoolean();
        progress.step(instanceName, "setting up the node: services, memory quotas, admin user, external addresses");
        rest.ok("POST", mgmt, "/node/controller/rename", Map.of("hostname", nodeName), false, "renaming the node");
        rest.ok("POST", mgmt, "/node/controller/setupServices", Map.of("services", SERVICES), false, "enabling services");
        rest.ok("POST", mgmt, "/pools/default", Map.of("memoryQuota", "256", "indexMemoryQuota", "256"), false, "setting memory quotas");
        rest.ok("POST", mgmt, "/settings/web", Map.of("username", e.username(), "password", e.password().reveal(), "port", "SAME"), false,
                "creating the admin user");
        return enterprise;
    }

    /** The services every node of scale's runs: data, query and index (SQL++ needs a primary index). */
    static final String SERVICES = "kv,n1ql,index";

    static void awaitManager(Rest rest, int mgmt, long deadline) throws IOException {
        until(deadline, "the cluster manager to answer", () -> rest.call("GET", mgmt, "/pools", Map.of(), false).statusCode() == 200);
    }

    /** The node's addresses as seen from this machine (Docker's mapped ports), which the SDK takes with {@code network=external}. */
    static void publishExternal(Rest rest, Endpoint e) throws IOException, InterruptedException {
        Map<String, String> external = new LinkedHashMap<>();
        external.put("hostname", e.host());
        external.put("mgmt", Integer.toString(port(e, "mgmt")));
        external.put("kv", Integer.toString(e.port()));
        external.put("n1ql", Integer.toString(port(e, "n1ql")));
        rest.ok("PUT", port(e, "mgmt"), "/node/controller/setupAlternateAddresses/external", external, true, "publishing the external addresses");
    }

    /**
     * The bucket, with {@code replicas} copies of each document on other nodes (none on a single node, so that durable
     * writes work there), once every node serves it; then its primary index, so that SQL++ works at once.
     */
    static void createBucket(Endpoint e, int replicas, long deadline, Progress progress, String instanceName) throws Exception {
        Rest rest = rest(e);
        int mgmt = port(e, "mgmt");
        progress.step(instanceName, "creating bucket " + e.database() + (replicas == 0 ? " (no replica)" : " (" + replicas + (replicas == 1 ? " replica)" : " replicas)")));
        rest.ok("POST", mgmt, "/pools/default/buckets", Map.of("name", e.database(), "ramQuotaMB", "128", "bucketType", "couchbase",
                "replicaNumber", Integer.toString(replicas), "flushEnabled", "1"), true, "creating the bucket");
        until(deadline, "the bucket's services", () -> {
            HttpResponse<String> r = rest.call("GET", mgmt, "/pools/default/b/" + e.database(), Map.of(), true);
            if (r.statusCode() != 200) {
                return false;
            }
            for (JsonNode node : Json.MAPPER.readTree(r.body()).path("nodesExt")) {
                if (!node.path("services").has("kv") || !node.path("services").has("n1ql")) {
                    return false;
                }
            }
            return true;
        });
        int query = port(e, "n1ql");
        progress.step(instanceName, "building the primary index, so that SQL++ works at once");
        until(deadline, "the query service to know the bucket", () -> {
            HttpResponse<String> r = rest.call("POST", query, "/query/service",
                    Map.of("statement", "SELECT COUNT(*) > 0 AS present FROM system:keyspaces WHERE name = \"" + e.database() + "\""), true);
            return r.statusCode() == 200 && Json.MAPPER.readTree(r.body()).at("/results/0/present").asBoolean();
        });
        HttpResponse<String> index = rest.call("POST", query, "/query/service", Map.of("statement", "CREATE PRIMARY INDEX ON `" + e.database() + "`"), true);
        if (index.statusCode() != 200 && !index.body().contains("retried in background")) {
            throw new IOException("creating the primary index: HTTP " + index.statusCode() + " " + index.body().strip());
        }
        until(deadline, "the primary index", () -> {
            HttpResponse<String> r = rest.call("POST", query, "/query/service", Map.of("statement",
                    "SELECT COUNT(*) > 0 AS online FROM system:indexes WHERE keyspace_id = \"" + e.database() + "\" AND is_primary = true AND state = \"online\""), true);
            return r.statusCode() == 200 && Json.MAPPER.readTree(r.body()).at("/results/0/online").asBoolean();
        });
    }

    static void until(long deadline, String what, Wait.Attempt<Boolean> check) throws IOException {
        try {
            Wait.until(deadline, what, () -> Boolean.TRUE.equals(check.get()) ? Boolean.TRUE : null);
        } catch (Wait.TimedOut e) {
            throw new IOException(e.getMessage(), e.getCause());
        }
    }

    /**
     * The connection string of the contract: {@code couchbases://HOST} for a server that requires TLS (Capella's
     * form, the port only when it is not 11207), else {@code couchbase://HOST:PORT}; Docker instances name the
     * external network, the one with the mapped ports.
     */
    private static String contract(Endpoint e) {
        if (e.tls() != null) {
            return "couchbases://" + e.host() + (e.port() == KV_TLS ? "" : ":" + e.port());
        }
        Map<String, Integer> nodes = Topology.servers(e.ports());
        if (!nodes.isEmpty()) { // a cluster: every node, so that a client can start from any that is up
            return "couchbase://" + String.join(",", nodes.values().stream().map(p -> e.host() + ":" + p).toList()) + "?network=external";
        }
        return "couchbase://" + e.host() + ":" + e.port() + (e.ports().isEmpty() ? "" : "?network=external");
    }

    /**
     * The connection string scale's own SDK clients use (the readiness probe, the probes, the shell): the contract's,
     * and for TLS the authorities of SCALE_CA_FILE as {@code certpath}, the SDK's own parameter for a trusted
     * certificate. Without it the SDK trusts the JVM's authorities and Capella's own, which it bundles.
     */
    public static String connectionString(Endpoint e) {
        if (e.tls() == null || e.tls().caFile() == null) {
            return contract(e);
        }
        String ca = e.tls().caFile().toString();
        if (ca.contains("&")) { // the SDK splits parameters on it, and decodes nothing
            throw ScaleException.usage("the Couchbase SDK cannot take a certificate file whose path holds '&': " + ca, "move SCALE_CA_FILE's file");
        }
        return contract(e) + "?certpath=" + ca;
    }

    /**
     * A verified TLS handshake, with the authorities the SDK is given, before the SDK runs: the SDK reports a
     * certificate it refuses only as a timeout minutes later, and a certificate will not become trusted by waiting.
     * @throws ScaleException when the certificate or host name is refused; an IOException when nothing answers yet
     */
    private static void checkTls(Endpoint e) throws IOException {
        javax.net.ssl.SSLContext context;
        if (e.tls().caFile() != null) {
            try {
                context = e.tls().context();
            } catch (IOException unusable) { // not a PEM file: no retry will change that
                throw ScaleException.environment(unusable.getMessage(), "give SCALE_CA_FILE a PEM file of certificate authorities", unusable);
            }
        } else {
            try {
                java.security.KeyStore trusted = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
                trusted.load(null, null);
                int n = 0;
                for (java.security.cert.X509Certificate c : com.couchbase.client.core.env.SecurityConfig.defaultCaCertificates()) {
                    trusted.setCertificateEntry("ca-" + n++, c);
                }
                javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trusted);
                context = javax.net.ssl.SSLContext.getInstance("TLS");
                context.init(null, tmf.getTrustManagers(), null);
            } catch (java.security.GeneralSecurityException g) {
                throw new IOException("cannot load the SDK's certificate authorities: " + g.getMessage(), g);
            }
        }
        try (java.net.Socket plain = new java.net.Socket()) {
            plain.connect(new java.net.InetSocketAddress(e.host(), e.port()), 5_000);
            plain.setSoTimeout(5_000);
            javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) context.getSocketFactory().createSocket(plain, e.host(), e.port(), true);
            javax.net.ssl.SSLParameters params = tls.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS"); // the host name too, as the SDK checks it
            tls.setSSLParameters(params);
            tls.startHandshake();
            tls.close();
        } catch (javax.net.ssl.SSLHandshakeException h) {
            Throwable refused = null; // the chain or the host name, not the network: the innermost says it best
            for (Throwable t = h; t != null; t = t.getCause()) {
                refused = t instanceof java.security.GeneralSecurityException ? t : refused;
            }
            if (refused == null) {
                throw h;
            }
            throw ScaleException.environment("Couchbase at " + e.host() + ":" + e.port() + " showed a TLS certificate scale does not trust ("
                    + firstLine(refused.getMessage()) + ")", e.tls().caFile() != null ? "check that SCALE_CA_FILE holds the authority that signed it"
                    : "set SCALE_CA_FILE to the PEM of the authority that signed it (a TLS-intercepting proxy's)", h);
        }
    }

    private static String firstLine(String s) {
        String m = String.valueOf(s);
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /**
     * Upserts and reads back one document in the bucket; the version comes from the cluster manager when it is known.
     * Over TLS (couchbases://), the certificate is checked first: see {@link #checkTls}.
     */
    @Override
    public String probe(Endpoint e) throws Exception {
        if (e.tls() != null) {
            checkTls(e);
        }
        Cluster cluster = Cluster.connect(connectionString(e), ClusterOptions.clusterOptions(e.username(), e.password().reveal())
                .environment(env -> env.timeoutConfig(t -> t.kvTimeout(Duration.ofSeconds(3)).connectTimeout(Duration.ofSeconds(10)))));
        try {
            Collection c = cluster.bucket(e.database()).defaultCollection();
            c.upsert("scale:ready", "ready");
            c.get("scale:ready");
            c.remove("scale:ready");
        } finally {
            cluster.disconnect();
        }
        if (servicePort(e, "mgmt") != null) {
            String pools = rest(e).ok("GET", port(e, "mgmt"), "/pools", Map.of(), true, "reading the version");
            return Json.MAPPER.readTree(pools).path("implementationVersion").asText("");
        }
        return "";
    }

    /**
     * Brings a cluster's failed-over nodes back once they answer (delta recovery, then a rebalance), as an operator does:
     * Couchbase does not by itself. Null when the cluster is whole, else what is still missing.
     *
     * @param nodes how to reach each node's cluster manager: the login, and the node's REST port as the endpoint's port
     */
    public static String recover(List<Endpoint> nodes) throws Exception {
        List<Endpoint> withMgmt = nodes.stream().map(n -> new Endpoint(n.host(), n.port(), n.username(), n.password(), n.database(),
                Map.of("mgmt", n.port()))).toList();
        return CouchbaseCluster.recover(withMgmt, nodes.size());
    }

    /**
     * The bucket's vBucket map as a cluster manager has it now ({@code vBucketServerMap}: {@code serverList}, the data
     * nodes as the cluster names them, and {@code vBucketMap}, for each vBucket the index of its active node then its
     * replicas'), asked with a short timeout.
     *
     * @param manager the login and bucket, and the cluster manager's port as the endpoint's port
     */
    public static JsonNode vbucketMap(Endpoint manager, int timeoutSeconds) throws IOException, InterruptedException {
        return Json.MAPPER.readTree(rest(manager, timeoutSeconds).ok("GET", manager.port(), "/pools/default/buckets/" + manager.database(), Map.of(), true,
                "reading the bucket's vBucket map")).path("vBucketServerMap");
    }

    /**
     * The vBucket a key lives in: CRC32 of the key, its bits 16 to 30, modulo the vBucket count, as every Couchbase SDK
     * computes it to choose the node it sends the key to.
     */
    public static int vbucket(String key, int vbuckets) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return (int) ((crc.getValue() >> 16) & 0x7fff) % vbuckets;
    }

    @Override
    public String url(Endpoint e) {
        return contract(e);
    }

    /**
     * {@code couchbase[s]://USER:PASSWORD@HOST[:PORT]/BUCKET}: the bucket is required; the port defaults to key/value's
     * 11210, or 11207 for {@code couchbases://}, which requires TLS, verified against the JVM's and Capella's
     * authorities here; whoever reads the URL from a user swaps in SCALE_CA_FILE's ({@link Endpoint.Tls#from}).
     */
    @Override
    public Endpoint endpointOf(java.net.URI url) {
        String path = url.getPath() == null ? "" : url.getPath().replaceFirst("^/", "");
        if (path.isEmpty()) {
            throw ScaleException.usage("the couchbase URL names no bucket", "write " + urlExample());
        }
        Endpoint.Login login = Endpoint.loginOf(url);
        boolean tls = "couchbases".equalsIgnoreCase(url.getScheme());
        Endpoint e = new Endpoint(url.getHost(), url.getPort() > 0 ? url.getPort() : tls ? KV_TLS : KV, login.userOr("Administrator"),
                Secret.of(login.password()), path);
        return tls ? e.withTls(Endpoint.Tls.SYSTEM) : e;
    }

    @Override
    public Map<String, String> env(Endpoint e) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("COUCHBASE_CONNECTION_STRING", contract(e));
        env.put("COUCHBASE_USERNAME", e.username());
        env.put("COUCHBASE_PASSWORD", e.password().reveal());
        env.put("COUCHBASE_BUCKET", e.database());
        Map<String, Integer> nodes = Topology.servers(e.ports());
        if (!nodes.isEmpty()) {
            // a cluster's nodes by their names in it, in the connection string's order, and their consoles (the REST API)
            env.put("COUCHBASE_NODES", String.join(",", nodes.keySet()));
            Map<String, Integer> mgmt = Topology.byHost(e.ports(), "mgmt");
            env.put("COUCHBASE_MANAGEMENT_URLS", String.join(",", nodes.keySet().stream().map(n -> "http://" + e.host() + ":" + mgmt.get(n)).toList()));
        }
        return env;
    }
}
