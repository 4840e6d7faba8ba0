package dev.scale.probes.stores.couchbase;

import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.ClusterOptions;
import com.couchbase.client.java.Collection;
import dev.scale.providers.kinds.couchbase.CouchbaseKind;
import dev.scale.providers.Endpoint;
import dev.scale.errors.ScaleException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One SDK connection to a bucket, shared by every session of a probe: the SDK multiplexes requests and
 * a {@link Cluster} per client would cost a second and a thread pool each. Couchbase's key/value API
 * cannot list keys by prefix, so the keys probes write through it are remembered here and removed by key.
 */
public final class CouchbaseStore implements AutoCloseable {
    private final Endpoint endpoint;
    private final Set<String> written = ConcurrentHashMap.newKeySet();
    private Cluster cluster;
    private Collection collection;

    public CouchbaseStore(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    public synchronized Cluster cluster() {
        if (cluster == null) {
            try {
                cluster = Cluster.connect(CouchbaseKind.connectionString(endpoint),
                        ClusterOptions.clusterOptions(endpoint.username(), endpoint.password() == null ? "" : endpoint.password().reveal())
                                .environment(env -> env.timeoutConfig(t -> t.kvTimeout(Duration.ofSeconds(5)).connectTimeout(Duration.ofSeconds(10)))));
                var bucket = cluster.bucket(endpoint.database());
                // Ready for key/value traffic before the first operation, so that it does not race the
                // SDK's bootstrap (and a wrong password or bucket fails here, in one place).
                bucket.waitUntilReady(Duration.ofSeconds(15), com.couchbase.client.java.diagnostics.WaitUntilReadyOptions
                        .waitUntilReadyOptions().serviceTypes(java.util.Set.of(com.couchbase.client.core.service.ServiceType.KV)));
                collection = bucket.defaultCollection();
            } catch (RuntimeException e) {
                if (cluster != null) {
                    cluster.disconnect();
                    cluster = null;
                }
                throw ScaleException.environment("cannot connect to Couchbase at " + endpoint.host() + ":" + endpoint.port() + ": " + e.getMessage(),
                        "check the address, user, password and bucket in --on, or that the instance is running (scale ls)", e);
            }
        }
        return cluster;
    }

    public synchronized Collection collection() {
        cluster();
        return collection;
    }

    /** Remembers a key a probe wrote, for {@link #removeWritten}. */
    void wrote(String key) {
        written.add(key);
    }

    /** Removes every remembered key starting with {@code prefix} (many at once, asynchronously). */
    public void removeWritten(String prefix) {
        List<String> keys = written.stream().filter(k -> k.startsWith(prefix)).toList();
        removeAll(keys);
        keys.forEach(written::remove);
    }

    /** Removes keys, ignoring those already gone, at most 512 in flight. */
    public void removeAll(List<String> keys) {
        var async = collection().async();
        for (int from = 0; from < keys.size(); from += 512) {
            List<CompletableFuture<?>> batch = keys.subList(from, Math.min(keys.size(), from + 512)).stream()
                    .map(k -> async.remove(k).exceptionally(e -> null)).<CompletableFuture<?>>map(f -> f).toList();
            CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).join();
        }
    }

    /** Whether an exception (possibly wrapped) says the document does not exist. */
    static boolean notFound(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DocumentNotFoundException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void close() {
        if (cluster != null) {
            cluster.disconnect();
            cluster = null;
        }
    }
}
