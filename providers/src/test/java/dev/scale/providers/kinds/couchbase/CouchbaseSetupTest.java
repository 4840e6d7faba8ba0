package dev.scale.providers.kinds.couchbase;

import dev.scale.providers.Endpoint;
import dev.scale.providers.Progress;
import dev.scale.providers.Secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Couchbase's node set-up against a TEST DOUBLE of the cluster manager's REST API (an HTTP server in
 * this JVM that records what it is sent and answers as the documented API does). No Couchbase Server
 * can run on the machine this was written on; this checks scale's side only: the steps, their order,
 * their parameters, and that the admin password travels in request bodies and auth headers, never in a URL.
 */
class CouchbaseSetupTest {
    record Call(String method, String path, Map<String, String> form, String auth) {
    }

    HttpServer server;
    final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    volatile int bucketStatus = 202;
    volatile boolean poolsAnswer = true;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> form = new LinkedHashMap<>();
            for (String pair : body.isEmpty() ? new String[0] : body.split("&")) {
                String[] kv = pair.split("=", 2);
                form.put(kv[0], URLDecoder.decode(kv.length > 1 ? kv[1] : "", StandardCharsets.UTF_8));
            }
            String path = exchange.getRequestURI().getPath();
            calls.add(new Call(exchange.getRequestMethod(), exchange.getRequestURI().toString(), form,
                    exchange.getRequestHeaders().getFirst("Authorization")));
            int status = 200;
            String reply = "{}";
            if (path.equals("/pools")) {
                status = poolsAnswer ? 200 : 503;
                reply = "{\"isEnterprise\":false,\"implementationVersion\":\"7.6.2-3721-community\"}";
            } else if (path.equals("/pools/default/buckets")) {
                status = bucketStatus;
                reply = status == 202 ? "" : "{\"errors\":{\"ramQuota\":\"RAM quota specified is too large\"}}";
            } else if (path.equals("/pools/default/b/scale")) {
                reply = "{\"nodesExt\":[{\"services\":{\"kv\":11210,\"n1ql\":8093,\"mgmt\":8091}}]}";
            } else if (path.equals("/query/service")) {
                String statement = form.getOrDefault("statement", "");
                reply = statement.contains("system:keyspaces") ? "{\"results\":[{\"present\":true}]}"
                        : statement.contains("system:indexes") ? "{\"results\":[{\"online\":true}]}" : "{\"results\":[]}";
            }
            byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                exchange.getResponseBody().write(bytes);
            }
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private Endpoint endpoint(String password) {
        int port = server.getAddress().getPort();
        return new Endpoint("127.0.0.1", 32790, "scale", Secret.of(password), "scale", Map.of("mgmt", port, "n1ql", port));
    }

    private static long in(int seconds) {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    }

    @Test
    void setsUpServicesQuotasAdminExternalAddressesAndABucketWithNoReplicaInOrder() throws Exception {
        String password = "pw-" + Secret.random().reveal();
        Endpoint e = endpoint(password);
        List<String> progress = new ArrayList<>();
        new CouchbaseKind().initialize(e, "172.17.0.5", in(20), (name, message) -> progress.add(message), "cb");

        List<String> steps = calls.stream().filter(c -> !c.method().equals("GET") || !c.path().equals("/pools"))
                .map(c -> c.method() + " " + c.path()).distinct().toList();
        assertThat(steps).containsSubsequence("POST /node/controller/rename", "POST /node/controller/setupServices", "POST /pools/default",
                "POST /settings/web", "PUT /node/controller/setupAlternateAddresses/external", "POST /settings/indexes",
                "POST /pools/default/buckets", "GET /pools/default/b/scale", "POST /query/service");
        Map<String, Call> byPath = new LinkedHashMap<>();
        calls.forEach(c -> byPath.putIfAbsent(c.path(), c));
        assertThat(byPath.get("/node/controller/rename").form()).containsEntry("hostname", "172.17.0.5");
        assertThat(byPath.get("/node/controller/setupServices").form()).containsEntry("services", "kv,n1ql,index");
        assertThat(byPath.get("/pools/default").form()).containsEntry("memoryQuota", "256").containsEntry("indexMemoryQuota", "256");
        assertThat(byPath.get("/settings/web").form()).containsEntry("username", "scale").containsEntry("password", password);
        int mgmt = e.ports().get("mgmt");
        assertThat(byPath.get("/node/controller/setupAlternateAddresses/external").form()).containsEntry("hostname", "127.0.0.1")
                .containsEntry("mgmt", Integer.toString(mgmt)).containsEntry("kv", "32790").containsEntry("n1ql", Integer.toString(mgmt));
        assertThat(byPath.get("/settings/indexes").form()).containsEntry("storageMode", "forestdb");
        assertThat(byPath.get("/pools/default/buckets").form()).containsEntry("name", "scale").containsEntry("replicaNumber", "0")
                .containsEntry("ramQuotaMB", "128").containsEntry("bucketType", "couchbase");
        assertThat(calls).filteredOn(c -> c.form().getOrDefault("statement", "").startsWith("CREATE PRIMARY INDEX")).hasSize(1);

        String basic = "Basic " + Base64.getEncoder().encodeToString(("scale:" + password).getBytes(StandardCharsets.UTF_8));
        int admin = calls.indexOf(byPath.get("/settings/web"));
        assertThat(calls.subList(0, admin + 1)).as("no credentials before the admin user exists").allMatch(c -> c.auth() == null);
        assertThat(calls.subList(admin + 1, calls.size())).as("the admin's credentials after").allMatch(c -> basic.equals(c.auth()));
        assertThat(calls).as("the password never in a URL").noneMatch(c -> c.path().contains(password));
        assertThat(progress).anyMatch(p -> p.contains("creating bucket scale (no replica)"));
    }

    @Test
    void aRefusedStepOrANodeThatNeverAnswersFailsWithWhatWasBeingDone() {
        bucketStatus = 400;
        assertThatThrownBy(() -> new CouchbaseKind().initialize(endpoint("pw1234"), "172.17.0.5", in(20), Progress.NONE, "cb"))
                .hasMessageStartingWith("creating the bucket: HTTP 400").hasMessageContaining("RAM quota");
        poolsAnswer = false;
        assertThatThrownBy(() -> new CouchbaseKind().initialize(endpoint("pw1234"), "172.17.0.5", in(1), Progress.NONE, "cb"))
                .hasMessageStartingWith("timed out waiting for the cluster manager to answer");
    }
}
