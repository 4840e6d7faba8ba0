package dev.scale.probes.stores.couchbase;

import com.couchbase.client.core.error.CasMismatchException;
import com.couchbase.client.core.error.DocumentExistsException;
import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.core.msg.kv.DurabilityLevel;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.codec.RawBinaryTranscoder;
import com.couchbase.client.java.kv.GetOptions;
import com.couchbase.client.java.kv.GetResult;
import com.couchbase.client.java.kv.IncrementOptions;
import com.couchbase.client.java.kv.InsertOptions;
import com.couchbase.client.java.kv.ReplaceOptions;
import com.couchbase.client.java.kv.UpsertOptions;
import com.couchbase.client.java.transactions.TransactionGetResult;
import com.couchbase.client.java.transactions.config.TransactionGetOptions;
import com.couchbase.client.java.transactions.config.TransactionInsertOptions;
import com.couchbase.client.java.transactions.config.TransactionOptions;
import com.couchbase.client.java.transactions.config.TransactionReplaceOptions;
import dev.scale.probes.KvSession;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * {@link KvSession} for a Couchbase bucket: values as raw bytes (no JSON encoding), native expiry,
 * counters with the binary increment, compare-and-set with the document's CAS, and multi-document
 * transactions at {@link #DURABILITY}.
 */
public final class CouchbaseSession implements KvSession {
    /** The transactions' durability: a majority of replicas (with no replica on one node, the node itself) has each write. */
    public static final DurabilityLevel DURABILITY = DurabilityLevel.MAJORITY;
    private static final RawBinaryTranscoder RAW = RawBinaryTranscoder.INSTANCE;
    private final CouchbaseStore store;
    private final Collection c;

    public CouchbaseSession(CouchbaseStore store) {
        this.store = store;
        this.c = store.collection();
    }

    @Override
    public Optional<byte[]> get(String key) {
        try {
            return Optional.of(c.get(key, GetOptions.getOptions().transcoder(RAW)).contentAsBytes());
        } catch (DocumentNotFoundException e) {
            return Optional.empty();
        }
    }

    @Override
    public void put(String key, byte[] value) {
        store.wrote(key);
        c.upsert(key, value, UpsertOptions.upsertOptions().transcoder(RAW));
    }

    @Override
    public boolean delete(String key) {
        try {
            c.remove(key);
            return true;
        } catch (DocumentNotFoundException e) {
            return false;
        }
    }

    /** Couchbase's expiry counts whole seconds: a shorter or fractional TTL is rounded up, and the ttl probe's lateness shows it. */
    @Override
    public void putWithTtl(String key, byte[] value, Duration ttl) {
        store.wrote(key);
        long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
        c.upsert(key, value, UpsertOptions.upsertOptions().transcoder(RAW).expiry(Duration.ofSeconds(seconds)));
    }

    @Override
    public boolean nativeTtl() {
        return true;
    }

    /** The binary counter creates a missing counter at its initial value without adding the delta, so the initial value is the delta. */
    @Override
    public long increment(String key, long delta) {
        store.wrote(key);
        return c.binary().increment(key, IncrementOptions.incrementOptions().delta(delta).initial(delta)).content();
    }

    @Override
    public boolean compareAndSet(String key, Optional<byte[]> expected, byte[] next) {
        store.wrote(key);
        if (expected.isEmpty()) {
            try {
                c.insert(key, next, InsertOptions.insertOptions().transcoder(RAW));
                return true;
            } catch (DocumentExistsException e) {
                return false;
            }
        }
        try {
            GetResult current = c.get(key, GetOptions.getOptions().transcoder(RAW));
            if (!Arrays.equals(current.contentAsBytes(), expected.get())) {
                return false;
            }
            c.replace(key, next, ReplaceOptions.replaceOptions().transcoder(RAW).cas(current.cas()));
            return true;
        } catch (DocumentNotFoundException | CasMismatchException e) {
            return false;
        }
    }

    @Override
    public int transaction(List<String> keys, UnaryOperator<Map<String, Optional<byte[]>>> change) {
        AtomicInteger attempts = new AtomicInteger();
        keys.forEach(store::wrote);
        store.cluster().transactions().run(ctx -> {
            attempts.incrementAndGet();
            Map<String, TransactionGetResult> docs = new HashMap<>();
            Map<String, Optional<byte[]>> current = new LinkedHashMap<>();
            for (String k : keys) {
                try {
                    TransactionGetResult doc = ctx.get(c, k, TransactionGetOptions.transactionGetOptions().transcoder(RAW));
                    docs.put(k, doc);
                    current.put(k, Optional.of(doc.contentAsBytes()));
                } catch (DocumentNotFoundException absent) {
                    current.put(k, Optional.empty());
                }
            }
            for (var e : change.apply(current).entrySet()) {
                TransactionGetResult doc = docs.get(e.getKey());
                if (e.getValue().isEmpty()) {
                    if (doc != null) {
                        ctx.remove(doc);
                    }
                } else if (doc != null) {
                    ctx.replace(doc, e.getValue().get(), TransactionReplaceOptions.transactionReplaceOptions().transcoder(RAW));
                } else {
                    ctx.insert(c, e.getKey(), e.getValue().get(), TransactionInsertOptions.transactionInsertOptions().transcoder(RAW));
                }
            }
        }, TransactionOptions.transactionOptions().durabilityLevel(DURABILITY));
        return attempts.get() - 1;
    }

    @Override
    public boolean multiKeyTransactions() {
        return true;
    }

    @Override
    public String transactionKind() {
        return "multi-document transactions, durability " + DURABILITY.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public void close() {
        // the connection is the store's, shared
    }
}
