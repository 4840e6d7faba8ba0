package dev.scale.probes.stores.couchbase;

import com.fasterxml.jackson.databind.JsonNode;
import dev.scale.probes.Replicated;
import dev.scale.probes.SetTest;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Secret;
import dev.scale.providers.kinds.couchbase.CouchbaseKind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A Couchbase cluster as the failover probe drives it, from the connection contract alone (the connection string with
 * every node, {@code COUCHBASE_NODES}, {@code COUCHBASE_MANAGEMENT_URLS} and the login). Couchbase has no one primary:
 * each node is active for a share of the bucket's vBuckets. Each run therefore writes only keys whose vBucket is active
 * on the node it faults (the key's vBucket is CRC32-hashed, as every SDK does, against the bucket's map then), so that
 * every write of the run depends on that node, as a primary's clients do.
 * <p>
 * Time to promote is when the bucket's map, read from another node's cluster manager, no longer has the faulted node
 * active for any of those vBuckets: Couchbase failed it over and promoted their replicas. After healing, the cluster is
 * whole once a failed-over node is taken back (delta recovery and a rebalance, which scale does as an operator would).
 */
public final class CouchbaseReplicated implements Replicated {
    private final String connectionString;
    private final List<String> names = new ArrayList<>();
    private final List<String> dataAddresses = new ArrayList<>();
    private final List<Endpoint> managers = new ArrayList<>();
    private final String user;
    private final Secret password;
    private final String bucket;
    private final Faults faults;

    /** @return null where the contract lists one node */
    public static CouchbaseReplicated of(Map<String, String> contract, Faults faults) {
        return contract.containsKey("COUCHBASE_NODES") && contract.containsKey("COUCHBASE_MANAGEMENT_URLS") ? new CouchbaseReplicated(contract, faults) : null;
    }

    private CouchbaseReplicated(Map<String, String> contract, Faults faults) {
        this.faults = faults;
        this.connectionString = contract.get("COUCHBASE_CONNECTION_STRING");
        this.user = contract.get("COUCHBASE_USERNAME");
        this.password = Secret.of(contract.getOrDefault("COUCHBASE_PASSWORD", ""));
        this.bucket = contract.get("COUCHBASE_BUCKET");
        names.addAll(List.of(contract.get("COUCHBASE_NODES").split(",")));
        String hosts = connectionString.replaceFirst("^couchbases?://", "").replaceFirst("\\?.*$", "");
        dataAddresses.addAll(List.of(hosts.split(",")));
        for (String url : contract.get("COUCHBASE_MANAGEMENT_URLS").split(",")) {
            java.net.URI u = java.net.URI.create(url);
            managers.add(new Endpoint(u.getHost(), u.getPort(), user, password, bucket));
        }
        if (names.size() != managers.size() || names.size() != dataAddresses.size()) {
            throw new IllegalArgumentException("COUCHBASE_NODES names " + names.size() + " nodes, COUCHBASE_MANAGEMENT_URLS " + managers.size()
                    + " and the connection string " + dataAddresses.size());
        }
    }

    /** The node the next run faults: the first whose cluster manager answers. */
    @Override
    public String primary() throws Exception {
        return names.get(first());
    }

    private int first() throws Exception {
        Exception last = null;
        for (int i = 0; i < managers.size(); i++) {
            try {
                CouchbaseKind.vbucketMap(managers.get(i), 2);
                return i;
            } catch (java.io.IOException e) {
                last = e;
            }
        }
        throw new java.io.IOException("no node's cluster manager answers: " + (last == null ? "none listed" : last.getMessage()), last);
    }

    /** The bucket's map from the first manager that answers, other than {@code not}'s (-1: any). */
    JsonNode map(int not) throws Exception {
        Exception last = null;
        for (int i = 0; i < managers.size(); i++) {
            if (i == not) {
                continue;
            }
            try {
                return CouchbaseKind.vbucketMap(managers.get(i), 1);
            } catch (java.io.IOException e) {
                last = e;
            }
        }
        throw new java.io.IOException("no cluster manager answers: " + (last == null ? "none" : last.getMessage()), last);
    }

    /** How the map names node {@code i}: by its name in the cluster ({@code cb-0:11210}), or by the address clients use. */
    String serverOf(JsonNode map, int i) {
        for (JsonNode s : map.path("serverList")) {
            String server = s.asText();
            if (server.startsWith(names.get(i) + ":") || server.equals(dataAddresses.get(i))) {
                return server;
            }
        }
        return null;
    }

    /** The vBuckets the map has active on {@code server}. */
    static Set<Integer> activeOn(JsonNode map, String server) {
        int index = -1;
        JsonNode list = map.path("serverList");
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).asText().equals(server)) {
                index = i;
            }
        }
        Set<Integer> out = new HashSet<>();
        JsonNode vbs = map.path("vBucketMap");
        for (int vb = 0; vb < vbs.size(); vb++) {
            if (index >= 0 && vbs.get(vb).path(0).asInt(-1) == index) {
                out.add(vb);
            }
        }
        return out;
    }

    /**
     * Whether the map has moved every one of {@code vbuckets} off {@code server} to a node that serves it: each has an
     * active node (not -1, Couchbase's "none now"), and it is another.
     */
    static boolean movedOff(JsonNode map, String server, Set<Integer> vbuckets) {
        JsonNode list = map.path("serverList");
        JsonNode vbs = map.path("vBucketMap");
        for (int vb : vbuckets) {
            int owner = vbs.path(vb).path(0).asInt(-1);
            if (owner < 0 || owner >= list.size() || list.get(owner).asText().equals(server)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public SetTest.Target target(int timeoutMillis, Runnable fault, Runnable heal) throws Exception {
        int victim = first();
        JsonNode map = map(-1);
        String server = serverOf(map, victim);
        Set<Integer> vbuckets = server == null ? Set.of() : activeOn(map, server);
        if (vbuckets.isEmpty()) {
            throw new IllegalStateException("node " + names.get(victim) + " is active for none of bucket " + bucket + "'s vBuckets: nothing to measure");
        }
        String prefix = "scale:failover:" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + ":";
        return new CouchbaseSetTarget(this, new Endpoint("127.0.0.1", 0, user, password, bucket), connectionString,
                prefix, vbuckets, map.path("vBucketMap").size(), victim, server, timeoutMillis, fault, heal);
    }

    @Override
    public Faults faults() {
        return faults;
    }

    /** Every node back in the cluster, active and healthy, with no rebalance running; a failed-over node is taken back first. */
    @Override
    public String whole() throws Exception {
        return CouchbaseKind.recover(managers);
    }

    /** Nothing left to do: each run removes its keys when it closes. */
    @Override
    public void clean() {
    }

    @Override
    public void close() {
    }
}
