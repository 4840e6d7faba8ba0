package dev.scale.probes.stores.couchbase;

import dev.scale.probes.TtlStore;

import com.fasterxml.jackson.databind.JsonNode;
import dev.scale.probes.Driver;
import dev.scale.probes.KvSession;
import dev.scale.probes.StoreAdapter;
import dev.scale.probes.Method;
import dev.scale.probes.RelationalModel;
import dev.scale.providers.kinds.couchbase.CouchbaseKind;
import dev.scale.providers.Endpoint;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The probes' view of a Couchbase bucket. Sizes and item counts come from the cluster manager's REST
 * API, which needs its port: scale's own instances know it; a server given by URL does not, and those
 * numbers are then reported as not measured rather than guessed.
 */
public final class CouchbaseAdapter implements StoreAdapter {
        private final CouchbaseStore store;

    public CouchbaseAdapter(Endpoint endpoint) {
        this.store = new CouchbaseStore(endpoint);
    }

    private Optional<JsonNode> bucketInfo() throws IOException, InterruptedException {
        return CouchbaseKind.bucketDetails(store.endpoint());
    }

    @Override
    public String kind() {
        return "couchbase";
    }

    @Override
    public KvSession session() {
        return new CouchbaseSession(store);
    }

    @Override
    public void deleteByPrefix(String prefix) {
        store.removeWritten(prefix);
    }

    @Override
    public void cleanUpSessions() {
    }

    @Override
    public String kvModel() {
        return "native (documents by key)";
    }

    @Override
    public Driver driver() {
        return new CouchbaseDriver(store);
    }

    @Override
    public TtlStore ttl() {
        return new TtlStore() {
            private long baseline;

            @Override
            public KvSession session() {
                return new CouchbaseSession(store);
            }

            private long itemCount() throws IOException, InterruptedException {
                return bucketInfo().orElseThrow(() -> new UnsupportedOperationException(
                        "counting untouched documents needs Couchbase's management port, which a URL target does not give"))
                        .path("basicStats").path("itemCount").asLong();
            }

            @Override
            public void before(String prefix) throws Exception {
                baseline = bucketInfo().isPresent() ? itemCount() : 0;
            }

            /**
             * Documents in the bucket, expired or not: the item count includes expired documents nobody has
             * read until the expiry pager or compaction removes them, which is what this measures.
             */
            @Override
            public long present(String prefix) throws Exception {
                return Math.max(0, itemCount() - baseline);
            }

            @Override
            public long sweep() {
                return 0;
            }

            @Override
            public void cleanUp(String prefix) {
                store.removeWritten(prefix);
            }
        };
    }

    @Override
    public List<String> rmwMethods() {
        return CouchbaseMethods.names();
    }

    @Override
    public Method openRmw(String method) {
        return CouchbaseMethods.open(method, store);
    }

    @Override
    public void prepareRmw() {
    }

    @Override
    public void cleanUpRmw() {
        store.removeAll(CouchbaseMethods.names().stream().map(Method::key).toList());
    }

    @Override
    public long bytesUsed() throws Exception {
        Optional<JsonNode> info = bucketInfo();
        return info.isEmpty() ? -1 : info.get().path("basicStats").path("memUsed").asLong(-1);
    }

    @Override
    public String bytesUsedMeaning() {
        return "the bucket's basicStats.memUsed";
    }

    /** A couchbase bucket never drops a document to make room (it ejects values to disk); an ephemeral one can, and is not counted here. */
    @Override
    public long evictions() throws Exception {
        Optional<JsonNode> info = bucketInfo();
        return info.isPresent() && info.get().path("bucketType").asText().equals("membase") ? 0 : -1;
    }

    @Override
    public RelationalModel relational() {
        return new CouchbaseRelational(store);
    }

    @Override
    public void close() {
        store.close();
    }
}
