package dev.scale.probes.stores.couchbase;

import static org.assertj.core.api.Assertions.assertThat;

import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.ClusterOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.couchbase.mock.CouchbaseMock;
import dev.scale.probes.History;
import dev.scale.probes.SetTest;
import dev.scale.providers.Secret;
import dev.scale.providers.kinds.couchbase.CouchbaseKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The failover probe's Couchbase side, against TEST DOUBLES only: no Couchbase Server can run on the machine this was
 * written on.
 * <ul>
 *   <li>The set test with the real SDK against CouchbaseMock, one node: the fault makes the node stop answering (the
 *   mock's failover without a rebalance), the heal brings it back. A three-node mock cannot be used: SDK 3 tells nodes
 *   apart by host and cluster-manager port, and the mock gives all its nodes one of each.</li>
 *   <li>How a run picks its keys and tells that Couchbase promoted the faulted node's replicas, on vBucket maps in the
 *   shape the cluster manager gives ({@code /pools/default/buckets/NAME}).</li>
 * </ul>
 * Couchbase's own failover timing, and whether it loses acknowledged writes, only a real cluster can show.
 */
class CouchbaseFailoverTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void whileTheNodeIsSilentWritesAreNotAcknowledgedAndEveryAcknowledgedOneIsReadBackAfter() throws Exception {
        String password = Secret.random().reveal();
        CouchbaseMock mock = new CouchbaseMock("127.0.0.1", 0, 1, 64, "scale:" + password);
        try {
            mock.start();
            mock.waitForStartup();
            mock.getDispatcher().processInput("{\"command\":\"SET_CCCP\",\"payload\":{\"enabled\":true}}");
            Map<String, String> contract = new LinkedHashMap<>();
            contract.put("COUCHBASE_CONNECTION_STRING", "couchbase://127.0.0.1:" + mock.getCarrierPort("scale"));
            contract.put("COUCHBASE_USERNAME", "scale");
            contract.put("COUCHBASE_PASSWORD", password);
            contract.put("COUCHBASE_BUCKET", "scale");
            contract.put("COUCHBASE_NODES", "node-0");
            contract.put("COUCHBASE_MANAGEMENT_URLS", "http://127.0.0.1:" + mock.getHttpPort());
            assertThat(CouchbaseReplicated.of(Map.of("COUCHBASE_CONNECTION_STRING", "couchbase://127.0.0.1:1"), (m, f) -> { }))
                    .as("one server's contract: nothing to fail over").isNull();

            List<String> faults = new ArrayList<>();
            CouchbaseReplicated store = CouchbaseReplicated.of(contract, (member, fault) -> faults.add(member + " " + fault));
            assertThat(store.primary()).isEqualTo("node-0");
            String written;
            History h;
            try (SetTest.Target target = store.target(500,
                    () -> mock.getDispatcher().processInput("{\"command\":\"FAILOVER\",\"payload\":{\"idx\":0,\"bucket\":\"scale\",\"rebalance\":false}}"),
                    () -> mock.getDispatcher().processInput("{\"command\":\"RESPAWN\",\"payload\":{\"idx\":0,\"bucket\":\"scale\"}}"))) {
                written = ((CouchbaseSetTarget) target).key(7);
                h = SetTest.run(target, 4, 150, 9, 1000);
            }
            History.Analysis a = h.analyse();
            System.out.println("couchbase set test against the mock: " + a);
            assertThat(a.writes()).isEqualTo(1350);
            assertThat(a.acknowledged() + a.refused() + a.unknown()).isEqualTo(a.writes());
            assertThat(a.acknowledged()).as("before the fault, and after the heal (late writes queue: the loop is open)").isGreaterThan(600);
            // 4 writers, each waiting 500 ms for an answer through 3 s of silence
            assertThat(a.refused() + a.unknown()).as("writes that timed out while the node was silent").isBetween(12, 60);
            assertThat(a.windowMillis()).as("from the fault to the first write after the heal: about 3 s").isNotNull().isBetween(2500.0, 8000.0);
            assertThat(a.promoteMillis()).as("one node: nothing is promoted").isNull();
            assertThat(a.acknowledgedLost()).as("the mock keeps what it acknowledged").isZero();
            assertThat(faults).as("the double did the faults").isEmpty();

            // the run's keys go with it
            try (Cluster sdk = Cluster.connect(contract.get("COUCHBASE_CONNECTION_STRING"), ClusterOptions.clusterOptions("scale", password))) {
                var bucket = sdk.bucket("scale");
                bucket.waitUntilReady(Duration.ofSeconds(20), com.couchbase.client.java.diagnostics.WaitUntilReadyOptions.waitUntilReadyOptions()
                        .serviceTypes(Set.of(com.couchbase.client.core.service.ServiceType.KV)));
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> bucket.defaultCollection().get(written))
                        .isInstanceOf(com.couchbase.client.core.error.DocumentNotFoundException.class);
            }
        } finally {
            mock.stop();
        }
    }

    /** A three-node map as the cluster manager gives it: node i active for vBuckets i, i+3, ...; replicas on the next two. */
    private static JsonNode map(List<String> servers, int[] owners) {
        StringBuilder vbs = new StringBuilder();
        for (int vb = 0; vb < owners.length; vb++) {
            int o = owners[vb];
            vbs.append(vb == 0 ? "" : ",").append("[").append(o).append(",").append(o < 0 ? 1 : (o + 1) % servers.size()).append("]");
        }
        try {
            return JSON.readTree("{\"serverList\":" + JSON.writeValueAsString(servers) + ",\"vBucketMap\":[" + vbs + "]}");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aRunWritesOnlyTheFaultedNodesVbucketsAndCountsThemPromotedOnceAnotherNodeServesEveryOne() {
        List<String> servers = List.of("cb-0:11210", "cb-1:11210", "cb-2:11210");
        int[] owners = new int[64];
        for (int vb = 0; vb < owners.length; vb++) {
            owners[vb] = vb % 3;
        }
        JsonNode before = map(servers, owners);
        Set<Integer> ofCb1 = CouchbaseReplicated.activeOn(before, "cb-1:11210");
        assertThat(ofCb1).hasSize(21).allSatisfy(vb -> assertThat(vb % 3).isEqualTo(1));
        assertThat(CouchbaseReplicated.movedOff(before, "cb-1:11210", ofCb1)).isFalse();

        // the key CRC32 hashes to, as the SDK sends it: every one of a run's keys lands on the faulted node
        for (int id = 0; id < 200; id++) {
            String key = null;
            for (int s = 0; key == null; s++) {
                String k = "run:" + id + ":" + s;
                key = ofCb1.contains(CouchbaseKind.vbucket(k, 64)) ? k : null;
            }
            assertThat(ofCb1).contains(CouchbaseKind.vbucket(key, 64));
        }
        for (String k : List.of("scale", "run:1:0", "a", "sessions:42", "été")) { // the SDK's own choice of vBucket
            for (int n : new int[] {64, 128, 1024}) {
                assertThat(CouchbaseKind.vbucket(k, n)).as(k + " of " + n)
                        .isEqualTo(com.couchbase.client.core.node.KeyValueLocator.partitionForKey(k.getBytes(java.nio.charset.StandardCharsets.UTF_8), n));
            }
        }

        // cb-1 is down and not yet failed over: its vBuckets have no active node (-1), or still name it
        int[] down = owners.clone();
        for (int vb : ofCb1) {
            down[vb] = -1;
        }
        assertThat(CouchbaseReplicated.movedOff(map(servers, down), "cb-1:11210", ofCb1)).isFalse();
        // failed over: cb-1 is gone from the list, its vBuckets active on the replicas that were promoted
        int[] after = owners.clone();
        for (int vb = 0; vb < after.length; vb++) {
            after[vb] = after[vb] == 1 ? 0 : after[vb] == 2 ? 1 : 0;
        }
        assertThat(CouchbaseReplicated.movedOff(map(List.of("cb-0:11210", "cb-2:11210"), after), "cb-1:11210", ofCb1)).isTrue();
        // half moved: not yet
        int[] half = owners.clone();
        half[1] = 0;
        assertThat(CouchbaseReplicated.movedOff(map(servers, half), "cb-1:11210", ofCb1)).isFalse();
    }
}
