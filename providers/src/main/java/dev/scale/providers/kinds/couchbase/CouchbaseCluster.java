package dev.scale.providers.kinds.couchbase;

import com.fasterxml.jackson.databind.JsonNode;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Progress;
import dev.scale.providers.Topology;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Couchbase cluster ({@code scale up couchbase --replicas 2}): nodes {@code NAME-0..N}, every one running data, query
 * and index, joined to the first over the cluster manager's REST API and rebalanced, as an operator does in the console;
 * then one bucket with {@code --replicas} copies of each document (at most 3, Couchbase's own limit). Every node is
 * active for a share of the bucket (its vBuckets) and holds replicas of others': there is no one primary.
 * <ul>
 *   <li><b>Failover is Couchbase's own</b>: automatic failover, with the timeout {@code --down-after} asks for but never
 *   under 30 s, the least Couchbase Server Community Edition accepts (ns_server's AUTO_FAILOVER_MIN_CE_TIMEOUT).
 *   Couchbase disables automatic failover below three nodes, and a safe manual one needs a majority too, so
 *   {@code --replicas 1} gives a copy of every document but no failover, and the start says so.</li>
 *   <li><b>Couchbase does not take a failed-over node back by itself</b>: once it answers again, {@link #recover} does
 *   what an operator does, a delta recovery and a rebalance.</li>
 *   <li>Each node publishes its data, cluster-manager and query ports on 127.0.0.1, and names them as its external
 *   addresses, so that an SDK given {@code network=external} follows the cluster from this machine.</li>
 * </ul>
 */
final class CouchbaseCluster implements Topology.Replication {
    /** Couchbase Server Community Edition's least auto-failover timeout, in seconds. */
    static final int MIN_FAILOVER_SECONDS = 30;
    /** Couchbase's most replicas per bucket. */
    static final int MAX_BUCKET_REPLICAS = 3;

    @Override
    public boolean watchesItself() {
        return true;
    }

    /** Three nodes: a majority is left when one is lost. */
    @Override
    public int replicasToFailOver() {
        return 2;
    }

    @Override
    public void check(Topology topology) {
        Topology.refuseSentinels(topology, "couchbase", "its cluster manager fails a node over by itself", "scale up couchbase --replicas 2 [--down-after 30s]");
    }

    /** The auto-failover timeout, in seconds, for a topology's {@code --down-after}: never under Couchbase's least. */
    static int failoverSeconds(Topology topology) {
        long asked = (topology.downAfter().toMillis() + 999) / 1000;
        return (int) Math.min(3600, Math.max(MIN_FAILOVER_SECONDS, asked));
    }

    @Override
    public List<Topology.Member> members(String instance, Topology topology) {
        check(topology);
        List<Topology.Member> members = new ArrayList<>();
        for (int i = 0; i <= topology.replicas(); i++) {
            members.add(new Topology.Member(instance + "-" + i, i == 0 ? Topology.Role.PRIMARY : Topology.Role.REPLICA, CouchbaseKind.KV,
                    List.of("couchbase-server"), "", Map.of("mgmt", CouchbaseKind.MGMT, "n1ql", CouchbaseKind.QUERY)));
        }
        return members;
    }

    private static List<Map.Entry<Topology.Member, Endpoint>> nodes(Map<Topology.Member, Endpoint> at) {
        return at.entrySet().stream().filter(e -> e.getKey().role() != Topology.Role.SENTINEL)
                .sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(Topology.Member::host))).toList();
    }

    static String otp(String host) {
        return "ns_1@" + host;
    }

    @Override
    public void form(String instance, Topology topology, Map<Topology.Member, Endpoint> at, long deadline, Progress progress) throws Exception {
        List<Map.Entry<Topology.Member, Endpoint>> nodes = nodes(at);
        Endpoint first = nodes.get(0).getValue();
        CouchbaseKind.Rest rest = CouchbaseKind.rest(first);
        int mgmt = CouchbaseKind.port(first, "mgmt");
        boolean enterprise = CouchbaseKind.provision(first, nodes.get(0).getKey().host(), deadline, progress, instance);
        List<String> known = new ArrayList<>(List.of(otp(nodes.get(0).getKey().host())));
        for (var n : nodes.subList(1, nodes.size())) {
            String host = n.getKey().host();
            progress.step(instance, "adding node " + host + " to the cluster");
            CouchbaseKind.awaitManager(CouchbaseKind.rest(n.getValue()), CouchbaseKind.port(n.getValue(), "mgmt"), deadline);
            // a node not yet provisioned takes any login here; the cluster's admin's is as good as any
            rest.ok("POST", mgmt, "/controller/addNode", Map.of("hostname", host, "user", first.username(), "password", first.password().reveal(),
                    "services", CouchbaseKind.SERVICES), true, "adding " + host + " to the cluster");
            known.add(otp(host));
        }
        progress.step(instance, "rebalancing " + nodes.size() + " nodes");
        rebalance(rest, mgmt, known, deadline);
        for (var n : nodes) {
            CouchbaseKind.publishExternal(CouchbaseKind.rest(n.getValue()), n.getValue());
        }
        rest.ok("POST", mgmt, "/settings/indexes", Map.of("storageMode", enterprise ? "memory_optimized" : "forestdb"), true, "setting up the indexer");
        if (nodes.size() > replicasToFailOver()) {
            int seconds = failoverSeconds(topology);
            progress.step(instance, "automatic failover after " + seconds + "s"
                    + (seconds * 1000L > topology.downAfter().toMillis() ? " (Couchbase Community's least)" : ""));
            rest.ok("POST", mgmt, "/settings/autoFailover", Map.of("enabled", "true", "timeout", Integer.toString(seconds)), true,
                    "enabling automatic failover");
        } else {
            progress.step(instance, "no automatic failover: Couchbase disables it below three nodes (--replicas 2 gives three);"
                    + " each document has a copy on the other node");
        }
        CouchbaseKind.createBucket(first, Math.min(MAX_BUCKET_REPLICAS, nodes.size() - 1), deadline, progress, instance);
    }

    /** Starts a rebalance over {@code known} nodes and waits for it to end, well. */
    private static void rebalance(CouchbaseKind.Rest rest, int mgmt, List<String> known, long deadline) throws Exception {
        rest.ok("POST", mgmt, "/controller/rebalance", Map.of("knownNodes", String.join(",", known), "ejectedNodes", ""), true, "starting a rebalance");
        CouchbaseKind.until(deadline, "the rebalance to end", () -> !rebalancing(rest, mgmt));
        String why = whole(rest, mgmt, known.size());
        if (why != null) {
            throw new IOException("the rebalance ended, but " + why);
        }
    }

    private static boolean rebalancing(CouchbaseKind.Rest rest, int mgmt) throws Exception {
        HttpResponse<String> r = rest.call("GET", mgmt, "/pools/default/rebalanceProgress", Map.of(), true);
        return r.statusCode() != 200 || !"none".equals(CouchbaseKind.Json.MAPPER.readTree(r.body()).path("status").asText());
    }

    /** Null when the cluster manager at {@code mgmt} lists {@code expected} nodes, every one active and healthy; else what is not. */
    private static String whole(CouchbaseKind.Rest rest, int mgmt, int expected) throws Exception {
        JsonNode pool = CouchbaseKind.Json.MAPPER.readTree(rest.ok("GET", mgmt, "/pools/default", Map.of(), true, "reading the cluster"));
        int active = 0;
        for (JsonNode node : pool.path("nodes")) {
            String name = node.path("hostname").asText();
            String membership = node.path("clusterMembership").asText();
            if (!"active".equals(membership)) {
                return "node " + name + " is " + membership;
            }
            if (!"healthy".equals(node.path("status").asText())) {
                return "node " + name + " is " + node.path("status").asText();
            }
            active++;
        }
        return active == expected ? null : active + " of " + expected + " nodes are in the cluster";
    }

    /** Every node active and healthy in the cluster the first node sees, no rebalance running, and the bucket on every node. */
    @Override
    public void settled(String instance, Topology topology, Map<Topology.Member, Endpoint> at) throws Exception {
        List<Map.Entry<Topology.Member, Endpoint>> nodes = nodes(at);
        Endpoint first = nodes.get(0).getValue();
        String why = state(first, nodes.size());
        if (why != null) {
            throw new IllegalStateException(why);
        }
    }

    /** Null when the cluster is whole as seen from {@code node} (its mgmt port in its ports): {@code expected} nodes, active and healthy, no rebalance. */
    static String state(Endpoint node, int expected) throws Exception {
        CouchbaseKind.Rest rest = CouchbaseKind.rest(node);
        int mgmt = CouchbaseKind.port(node, "mgmt");
        if (rebalancing(rest, mgmt)) {
            return "a rebalance is running";
        }
        return whole(rest, mgmt, expected);
    }

    /**
     * Brings failed-over nodes back, as an operator would once they answer again: each node the cluster lists as failed
     * over ({@code inactiveFailed}) and healthy gets a delta recovery (it keeps its data and catches up), then one
     * rebalance over all. Nothing while a node is still down or a rebalance runs.
     *
     * @param nodes each node's endpoint, its mgmt port in its ports; the first that answers is asked
     * @return null when the cluster is whole, else what is still missing (a recovery started is missing until it ends)
     */
    static String recover(List<Endpoint> nodes, int expected) throws Exception {
        Exception last = null;
        for (Endpoint node : nodes) {
            CouchbaseKind.Rest rest = CouchbaseKind.rest(node, 2); // a paused node must not hold up the look at the others
            int mgmt = CouchbaseKind.port(node, "mgmt");
            JsonNode pool;
            try {
                if (rebalancing(rest, mgmt)) {
                    return "a rebalance is running";
                }
                pool = CouchbaseKind.Json.MAPPER.readTree(rest.ok("GET", mgmt, "/pools/default", Map.of(), true, "reading the cluster"));
            } catch (IOException e) {
                last = e; // this node is down or cut off: ask the next
                continue;
            }
            List<String> known = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            for (JsonNode n : pool.path("nodes")) {
                String otp = n.path("otpNode").asText();
                known.add(otp);
                boolean healthy = "healthy".equals(n.path("status").asText());
                String membership = n.path("clusterMembership").asText();
                if ("inactiveFailed".equals(membership)) {
                    if (!healthy) {
                        return "node " + n.path("hostname").asText() + " is failed over and not back yet";
                    }
                    failed.add(otp);
                } else if (!healthy) {
                    return "node " + n.path("hostname").asText() + " is " + n.path("status").asText();
                }
            }
            if (failed.isEmpty()) {
                return whole(rest, mgmt, expected);
            }
            for (String otp : failed) {
                rest.ok("POST", mgmt, "/controller/setRecoveryType", Map.of("otpNode", otp, "recoveryType", "delta"), true,
                        "setting " + otp + " to delta recovery");
            }
            rest.ok("POST", mgmt, "/controller/rebalance", Map.of("knownNodes", String.join(",", known), "ejectedNodes", ""), true,
                    "starting a rebalance");
            return "recovering " + String.join(", ", failed);
        }
        return "no node answers" + (last == null ? "" : ": " + last.getMessage());
    }

    /** The first node whose cluster manager answers: where {@code ls} and the instance's own address point. */
    @Override
    public String primary(String instance, Endpoint login, Map<String, Integer> ports) {
        Map<String, Integer> mgmt = Topology.byHost(ports, "mgmt");
        for (var p : Topology.servers(ports).entrySet()) {
            Integer m = mgmt.get(p.getKey());
            if (m == null) {
                continue;
            }
            try {
                HttpResponse<String> r = CouchbaseKind.rest(login, 1).call("GET", m, "/pools", Map.of(), false);
                if (r.statusCode() == 200) {
                    return p.getKey();
                }
            } catch (IOException e) {
                // down, paused or cut off: the next node
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }
}
