package dev.scale.providers.kinds.couchbase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Progress;
import dev.scale.providers.Secret;
import dev.scale.providers.Topology;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A Couchbase cluster's forming, settling and recovery against a TEST DOUBLE of the cluster manager's REST API: one HTTP
 * server in this JVM per node, sharing one cluster state that changes as the documented API says (addNode adds a node
 * as {@code inactiveAdded}, a rebalance makes the known nodes {@code active}, a failed-over node is
 * {@code inactiveFailed} until a recovery type and a rebalance). No Couchbase Server can run on the machine this was
 * written on: this checks scale's side, its calls, their order and parameters, and what it concludes from the answers,
 * not that a real cluster answers so.
 */
class CouchbaseClusterTest {
    record Call(int node, String method, String path, Map<String, String> form) {
    }

    /** One node of the cluster as the double keeps it. */
    static final class Node {
        String membership = "active";
        String status = "healthy";
        String recovery;
    }

    final List<HttpServer> servers = new ArrayList<>();
    final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    /** By otp name, in join order; the first node is there once it is renamed. */
    final Map<String, Node> cluster = Collections.synchronizedMap(new LinkedHashMap<>());
    final Map<Integer, Map<String, String>> external = new ConcurrentHashMap<>();
    volatile int rebalanceLooks;
    final String password = Secret.random().reveal();

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    private void reply(com.sun.net.httpserver.HttpExchange x, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            x.getResponseBody().write(bytes);
        }
        x.close();
    }

    /** Starts {@code n} node doubles; returns each one's endpoint as the provider gives it (data port, mgmt and n1ql ports). */
    private List<Endpoint> nodes(int n) throws IOException {
        List<Endpoint> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int index = i;
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", x -> {
                String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                Map<String, String> form = new LinkedHashMap<>();
                for (String pair : body.isEmpty() ? new String[0] : body.split("&")) {
                    String[] kv = pair.split("=", 2);
                    form.put(kv[0], URLDecoder.decode(kv.length > 1 ? kv[1] : "", StandardCharsets.UTF_8));
                }
                String path = x.getRequestURI().getPath();
                calls.add(new Call(index, x.getRequestMethod(), x.getRequestURI().toString(), form));
                switch (path) {
                    case "/pools" -> reply(x, 200, "{\"isEnterprise\":false,\"implementationVersion\":\"7.6.2-3721-community\"}");
                    case "/node/controller/rename" -> {
                        cluster.put("ns_1@" + form.get("hostname"), new Node());
                        reply(x, 200, "");
                    }
                    case "/controller/addNode" -> {
                        Node added = new Node();
                        added.membership = "inactiveAdded";
                        cluster.put("ns_1@" + form.get("hostname"), added);
                        reply(x, 200, "{\"otpNode\":\"ns_1@" + form.get("hostname") + "\"}");
                    }
                    case "/controller/rebalance" -> {
                        if (!form.get("knownNodes").equals(String.join(",", cluster.keySet()))) {
                            reply(x, 400, "{\"mismatch\":1}");
                            return;
                        }
                        cluster.values().forEach(node -> {
                            if (node.membership.equals("inactiveAdded") || node.recovery != null) {
                                node.membership = "active";
                                node.recovery = null;
                            }
                        });
                        rebalanceLooks = 0;
                        reply(x, 200, "");
                    }
                    case "/controller/setRecoveryType" -> {
                        cluster.get(form.get("otpNode")).recovery = form.get("recoveryType");
                        reply(x, 200, "");
                    }
                    // a rebalance runs for one look, then is over
                    case "/pools/default/rebalanceProgress" -> reply(x, 200, rebalanceLooks++ == 0 ? "{\"status\":\"running\"}" : "{\"status\":\"none\"}");
                    case "/pools/default" -> {
                        if (x.getRequestMethod().equals("POST")) {
                            reply(x, 200, "");
                            return;
                        }
                        StringBuilder json = new StringBuilder("{\"nodes\":[");
                        synchronized (cluster) {
                            cluster.forEach((otp, node) -> json.append(json.charAt(json.length() - 1) == '[' ? "" : ",")
                                    .append("{\"otpNode\":\"").append(otp).append("\",\"hostname\":\"").append(otp.substring(5)).append(":8091\",")
                                    .append("\"clusterMembership\":\"").append(node.membership).append("\",\"status\":\"").append(node.status).append("\"}"));
                        }
                        reply(x, 200, json.append("]}").toString());
                    }
                    case "/node/controller/setupAlternateAddresses/external" -> {
                        external.put(index, form);
                        reply(x, 200, "");
                    }
                    case "/pools/default/buckets" -> reply(x, 202, "");
                    case "/pools/default/b/scale" -> reply(x, 200, "{\"nodesExt\":[{\"services\":{\"kv\":11210,\"n1ql\":8093,\"mgmt\":8091}}]}");
                    case "/query/service" -> {
                        String statement = form.getOrDefault("statement", "");
                        reply(x, 200, statement.contains("system:keyspaces") ? "{\"results\":[{\"present\":true}]}"
                                : statement.contains("system:indexes") ? "{\"results\":[{\"online\":true}]}" : "{\"results\":[]}");
                    }
                    default -> reply(x, 200, "{}");
                }
            });
            server.start();
            servers.add(server);
            int port = server.getAddress().getPort();
            // one HTTP server answers for the node's cluster manager and query service; its data port is made up
            out.add(new Endpoint("127.0.0.1", 21000 + i, "scale", Secret.of(password), "scale", Map.of("mgmt", port, "n1ql", port)));
        }
        return out;
    }

    private Map<Topology.Member, Endpoint> at(String instance, Topology topology, List<Endpoint> nodes) {
        Map<Topology.Member, Endpoint> at = new LinkedHashMap<>();
        List<Topology.Member> members = new CouchbaseCluster().members(instance, topology);
        for (int i = 0; i < members.size(); i++) {
            at.put(members.get(i), nodes.get(i));
        }
        return at;
    }

    private List<Call> on(String path) {
        synchronized (calls) {
            return calls.stream().filter(c -> c.path().equals(path)).toList();
        }
    }

    @Test
    void threeNodesAreJoinedRebalancedGivenTheirOwnExternalPortsAutoFailoverAndABucketWithTwoReplicas() throws Exception {
        Topology topology = new Topology(2, 0, Duration.ofSeconds(5));
        List<Topology.Member> members = new CouchbaseCluster().members("cb", topology);
        assertThat(members).extracting(Topology.Member::host).containsExactly("cb-0", "cb-1", "cb-2");
        assertThat(members).allSatisfy(m -> {
            assertThat(m.port()).isEqualTo(11210);
            assertThat(m.services()).isEqualTo(Map.of("mgmt", 8091, "n1ql", 8093));
        });

        List<Endpoint> nodes = nodes(3);
        List<String> steps = Collections.synchronizedList(new ArrayList<>());
        new CouchbaseCluster().form("cb", topology, at("cb", topology, nodes), System.nanoTime() + 30_000_000_000L, (name, step) -> steps.add(step));

        assertThat(on("/node/controller/rename")).singleElement().satisfies(c -> {
            assertThat(c.node()).isZero();
            assertThat(c.form()).containsEntry("hostname", "cb-0"); // named as the others reach it on the topology's network
        });
        assertThat(on("/controller/addNode")).extracting(c -> c.node() + " " + c.form().get("hostname") + " " + c.form().get("services"))
                .containsExactly("0 cb-1 kv,n1ql,index", "0 cb-2 kv,n1ql,index");
        assertThat(on("/controller/rebalance")).singleElement().satisfies(c -> assertThat(c.form())
                .containsEntry("knownNodes", "ns_1@cb-0,ns_1@cb-1,ns_1@cb-2").containsEntry("ejectedNodes", ""));
        assertThat(cluster.values()).allSatisfy(n -> assertThat(n.membership).isEqualTo("active"));
        for (int i = 0; i < 3; i++) { // each node names its own published ports, set on its own manager
            assertThat(external.get(i)).containsEntry("hostname", "127.0.0.1").containsEntry("kv", Integer.toString(21000 + i))
                    .containsEntry("mgmt", nodes.get(i).ports().get("mgmt").toString());
        }
        // 5 s asked, 30 s given: Community Edition's least
        assertThat(on("/settings/autoFailover")).singleElement().satisfies(c -> assertThat(c.form())
                .containsEntry("enabled", "true").containsEntry("timeout", "30"));
        assertThat(steps).anyMatch(s -> s.contains("automatic failover after 30s (Couchbase Community's least)"));
        assertThat(on("/pools/default/buckets")).singleElement().satisfies(c -> assertThat(c.form()).containsEntry("replicaNumber", "2"));
        // the rebalance was waited for before anything else went to the cluster
        int rebalanced = calls.indexOf(on("/controller/rebalance").get(0));
        assertThat(calls.indexOf(on("/pools/default/buckets").get(0))).isGreaterThan(rebalanced);
        synchronized (calls) {
            assertThat(calls).noneMatch(c -> c.path().contains(password));
        }
        new CouchbaseCluster().settled("cb", topology, at("cb", topology, nodes));
    }

    @Test
    void twoNodesKeepACopyButGetNoAutomaticFailoverAndTheStartSaysWhy() throws Exception {
        Topology topology = new Topology(1, 0, Duration.ofSeconds(45));
        List<String> steps = Collections.synchronizedList(new ArrayList<>());
        new CouchbaseCluster().form("cb", topology, at("cb", topology, nodes(2)), System.nanoTime() + 30_000_000_000L, (name, step) -> steps.add(step));
        assertThat(on("/settings/autoFailover")).isEmpty();
        assertThat(steps).anyMatch(s -> s.startsWith("no automatic failover") && s.contains("--replicas 2"));
        assertThat(on("/pools/default/buckets")).singleElement().satisfies(c -> assertThat(c.form()).containsEntry("replicaNumber", "1"));
    }

    @Test
    void theFailoverTimeoutIsDownAfterRoundedUpButNeverUnderThirtySeconds() {
        assertThat(CouchbaseCluster.failoverSeconds(new Topology(2, 0, Duration.ofMillis(100)))).isEqualTo(30);
        assertThat(CouchbaseCluster.failoverSeconds(new Topology(2, 0, Duration.ofMillis(45_200)))).isEqualTo(46);
        assertThat(CouchbaseCluster.failoverSeconds(new Topology(2, 0, Duration.ofHours(2)))).isEqualTo(3600);
        assertThatThrownBy(() -> new CouchbaseCluster().members("cb", new Topology(2, 3, Duration.ofSeconds(30))))
                .hasMessageContaining("couchbase runs no watchers");
    }

    @Test
    void aFailedOverNodeIsRecoveredByDeltaAndARebalanceOnlyOnceItIsBack() throws Exception {
        Topology topology = new Topology(2, 0, Duration.ofSeconds(30));
        List<Endpoint> nodes = nodes(3);
        new CouchbaseCluster().form("cb", topology, at("cb", topology, nodes), System.nanoTime() + 30_000_000_000L, Progress.NONE);
        List<Endpoint> managers = nodes.stream().map(n -> new Endpoint(n.host(), n.ports().get("mgmt"), n.username(), n.password(), n.database())).toList();
        assertThat(CouchbaseKind.recover(managers)).isNull();

        // cb-0 was killed and Couchbase failed it over: the others say so; cb-0's own manager does not answer
        Node failed = cluster.get("ns_1@cb-0");
        failed.membership = "inactiveFailed";
        failed.status = "unhealthy";
        servers.get(0).stop(0);
        int before = on("/controller/rebalance").size();
        assertThat(CouchbaseKind.recover(managers)).isEqualTo("node cb-0:8091 is failed over and not back yet");
        assertThatThrownBy(() -> new CouchbaseCluster().settled("cb", topology, at("cb", topology, nodes)))
                .isInstanceOf(IOException.class); // the first node is the one that is down

        failed.status = "healthy"; // started again: back, but out of the cluster until an operator takes it back
        assertThat(CouchbaseKind.recover(managers)).isEqualTo("recovering ns_1@cb-0");
        assertThat(on("/controller/setRecoveryType")).singleElement().satisfies(c -> assertThat(c.form())
                .containsEntry("otpNode", "ns_1@cb-0").containsEntry("recoveryType", "delta"));
        assertThat(on("/controller/rebalance")).hasSize(before + 1);
        assertThat(CouchbaseKind.recover(managers)).isEqualTo("a rebalance is running");
        assertThat(CouchbaseKind.recover(managers)).isNull();
        assertThat(failed.membership).isEqualTo("active");
    }

    @Test
    void theContractOfAClusterNamesEveryNodeItsNameInTheClusterAndItsConsole() {
        Endpoint e = new Endpoint("127.0.0.1", 32001, "scale", Secret.of(password), "scale", Map.of(
                "server:cb-0", 32001, "mgmt:cb-0", 32002, "n1ql:cb-0", 32003,
                "server:cb-1", 32011, "mgmt:cb-1", 32012, "n1ql:cb-1", 32013,
                "server:cb-2", 32021, "mgmt:cb-2", 32022, "n1ql:cb-2", 32023));
        Map<String, String> env = new CouchbaseKind().env(e);
        assertThat(env).containsEntry("COUCHBASE_CONNECTION_STRING", "couchbase://127.0.0.1:32001,127.0.0.1:32011,127.0.0.1:32021?network=external")
                .containsEntry("COUCHBASE_NODES", "cb-0,cb-1,cb-2")
                .containsEntry("COUCHBASE_MANAGEMENT_URLS", "http://127.0.0.1:32002,http://127.0.0.1:32012,http://127.0.0.1:32022")
                .containsEntry("COUCHBASE_BUCKET", "scale");
        assertThat(new CouchbaseKind().url(e)).doesNotContain(password);
        assertThat(new CouchbaseKind().replication()).isNotNull();
    }
}
