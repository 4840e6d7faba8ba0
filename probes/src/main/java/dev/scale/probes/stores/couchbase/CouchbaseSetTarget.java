package dev.scale.probes.stores.couchbase;

import com.couchbase.client.core.error.AmbiguousTimeoutException;
import com.couchbase.client.core.error.CouchbaseException;
import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.core.error.RequestCanceledException;
import com.couchbase.client.core.error.UnambiguousTimeoutException;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.ClusterOptions;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.kv.UpsertOptions;
import com.fasterxml.jackson.databind.JsonNode;
import dev.scale.probes.History.Outcome;
import dev.scale.probes.SetTest;
import dev.scale.providers.Endpoint;
import dev.scale.providers.kinds.couchbase.CouchbaseKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The set test on a Couchbase bucket, as an application's SDK does it: one {@link Cluster} from the contract's
 * connection string (every node), which follows failovers by itself through the cluster map. Id {@code n} is upserted
 * under a key of the run's whose vBucket is active on the faulted node. An upsert that returned is ACKNOWLEDGED (the
 * active node has it in memory; with no durability asked, as most applications write, its replicas may not yet). An
 * upsert the SDK reports as unambiguously not done (it timed out before it was sent) is REFUSED; one that timed out or was
 * cancelled after it may have been sent is UNKNOWN. Every key is read back once the run is over.
 */
final class CouchbaseSetTarget implements SetTest.Target {
    private final CouchbaseReplicated cluster;
    private final String prefix;
    private final Set<Integer> vbuckets;
    private final int vbucketCount;
    private final int victim;
    private final String victimServer;
    private final int timeoutMillis;
    private final Runnable fault;
    private final Runnable heal;
    private final Cluster sdk;
    private final Collection collection;
    private final AtomicInteger highest = new AtomicInteger(-1);
    private volatile long promoted = -1;
    private volatile boolean closed;
    private Thread watcher;

    CouchbaseSetTarget(CouchbaseReplicated cluster, Endpoint login, String connectionString, String prefix, Set<Integer> vbuckets, int vbucketCount,
                       int victim, String victimServer, int timeoutMillis, Runnable fault, Runnable heal) {
        this.cluster = cluster;
        this.prefix = prefix;
        this.vbuckets = vbuckets;
        this.vbucketCount = vbucketCount;
        this.victim = victim;
        this.victimServer = victimServer;
        this.timeoutMillis = timeoutMillis;
        this.fault = fault;
        this.heal = heal;
        this.sdk = Cluster.connect(connectionString, ClusterOptions.clusterOptions(login.username(), login.password().reveal())
                .environment(env -> env.timeoutConfig(t -> t.kvTimeout(Duration.ofMillis(timeoutMillis)).connectTimeout(Duration.ofSeconds(10)))));
        try {
            var bucket = sdk.bucket(login.database());
            bucket.waitUntilReady(Duration.ofSeconds(30), com.couchbase.client.java.diagnostics.WaitUntilReadyOptions.waitUntilReadyOptions()
                    .serviceTypes(Set.of(com.couchbase.client.core.service.ServiceType.KV)));
            this.collection = bucket.defaultCollection();
        } catch (RuntimeException e) {
            sdk.disconnect();
            throw e;
        }
    }

    /** The key of id {@code id}: the run's prefix, the id, and the first suffix that puts it in one of the faulted node's vBuckets. */
    String key(int id) {
        for (int s = 0; ; s++) {
            String key = prefix + id + ":" + s;
            if (vbuckets.contains(CouchbaseKind.vbucket(key, vbucketCount))) {
                return key;
            }
        }
    }

    @Override
    public Outcome add(int id) {
        highest.accumulateAndGet(id, Math::max);
        try {
            collection.upsert(key(id), id, UpsertOptions.upsertOptions().timeout(Duration.ofMillis(timeoutMillis)));
            return Outcome.ACKNOWLEDGED;
        } catch (UnambiguousTimeoutException e) {
            return Outcome.REFUSED; // the SDK knows it never reached a node
        } catch (AmbiguousTimeoutException | RequestCanceledException e) {
            return Outcome.UNKNOWN; // sent, and no answer
        } catch (CouchbaseException e) {
            return Outcome.REFUSED; // the node answered with an error: not stored
        } catch (RuntimeException e) {
            return Outcome.UNKNOWN;
        }
    }

    /** Every id whose key is in the bucket; keys the SDK cannot read yet are asked again, for up to a minute. */
    @Override
    public BitSet readBack() throws Exception {
        BitSet present = new BitSet();
        List<Integer> pending = new ArrayList<>();
        for (int id = 0; id <= highest.get(); id++) {
            pending.add(id);
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        Exception last = null;
        while (!pending.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new java.io.IOException(pending.size() + " keys could not be read back: " + (last == null ? "" : last.getMessage()), last);
            }
            List<Integer> again = new ArrayList<>();
            for (int from = 0; from < pending.size(); from += 256) {
                List<Integer> batch = pending.subList(from, Math.min(pending.size(), from + 256));
                List<CompletableFuture<?>> gets = new ArrayList<>();
                for (int id : batch) {
                    gets.add(collection.async().get(key(id)).handle((r, e) -> {
                        Throwable cause = e instanceof CompletionException ? e.getCause() : e;
                        synchronized (present) {
                            if (cause == null) {
                                present.set(id);
                            } else if (!(cause instanceof DocumentNotFoundException)) {
                                again.add(id);
                            }
                        }
                        return null;
                    }));
                }
                CompletableFuture.allOf(gets.toArray(CompletableFuture[]::new)).join();
            }
            pending = again;
            if (!pending.isEmpty()) {
                Thread.sleep(500);
            }
        }
        return present;
    }

    /** Removes every key the run wrote (the client is closed with the run, so this is done then). */
    private void removeAll() {
        List<CompletableFuture<?>> removes = new ArrayList<>();
        for (int id = 0; id <= highest.get(); id++) {
            removes.add(collection.async().remove(key(id)).handle((r, e) -> null));
            if (removes.size() >= 256) {
                CompletableFuture.allOf(removes.toArray(CompletableFuture[]::new)).join();
                removes.clear();
            }
        }
        CompletableFuture.allOf(removes.toArray(CompletableFuture[]::new)).join();
    }

    /** Faults the node, then watches the bucket's map (from the other nodes) for its vBuckets to move. */
    @Override
    public void fault() {
        fault.run();
        watcher = new Thread(() -> {
            while (!closed && promoted < 0) {
                try {
                    JsonNode map = cluster.map(victim);
                    if (CouchbaseReplicated.movedOff(map, victimServer, vbuckets)) {
                        promoted = System.nanoTime();
                        return;
                    }
                } catch (Exception e) {
                    // no other manager answers right now: look again
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "scale-couchbase-failover-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    @Override
    public void heal() {
        heal.run();
    }

    @Override
    public long promotedNanos() {
        return promoted;
    }

    @Override
    public void close() {
        closed = true;
        if (watcher != null) {
            watcher.interrupt();
        }
        try {
            removeAll();
        } catch (RuntimeException e) {
            // best effort: a node still down keeps its keys until the instance goes
        } finally {
            sdk.disconnect();
        }
    }
}
