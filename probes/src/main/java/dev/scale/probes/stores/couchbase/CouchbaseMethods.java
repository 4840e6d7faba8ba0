package dev.scale.probes.stores.couchbase;

import com.couchbase.client.core.error.CasMismatchException;
import com.couchbase.client.core.error.DocumentNotFoundException;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.codec.RawBinaryTranscoder;
import com.couchbase.client.java.kv.GetOptions;
import com.couchbase.client.java.kv.GetResult;
import com.couchbase.client.java.kv.IncrementOptions;
import com.couchbase.client.java.kv.ReplaceOptions;
import com.couchbase.client.java.kv.UpsertOptions;
import dev.scale.probes.Method;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Couchbase's ways to increment: a naive get then upsert, the server-side binary counter, and a CAS loop
 * (get with its CAS, replace only if the CAS is still the same, retry otherwise). All three keep the
 * value as ASCII digits, the counter's own format, so one can read what another wrote.
 */
final class CouchbaseMethods {
    private static final RawBinaryTranscoder RAW = RawBinaryTranscoder.INSTANCE;

    private CouchbaseMethods() {
    }

    static List<String> names() {
        return List.of("naive", "counter", "cas-retry");
    }

    private static byte[] digits(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    static Method open(String name, CouchbaseStore store) {
        Collection c = store.collection();
        return new Method() {
            @Override
            public String name() {
                return name;
            }


            @Override
            public int increment(String key) {
                switch (name) {
                    case "naive" -> {
                        c.upsert(key, digits(read(key) + 1), UpsertOptions.upsertOptions().transcoder(RAW));
                        return 0;
                    }
                    case "counter" -> {
                        c.binary().increment(key, IncrementOptions.incrementOptions().delta(1).initial(1));
                        return 0;
                    }
                    default -> {
                        for (int aborts = 0; ; aborts++) {
                            GetResult r = c.get(key, GetOptions.getOptions().transcoder(RAW));
                            long v = Long.parseLong(new String(r.contentAsBytes(), StandardCharsets.US_ASCII));
                            try {
                                c.replace(key, digits(v + 1), ReplaceOptions.replaceOptions().transcoder(RAW).cas(r.cas()));
                                return aborts;
                            } catch (CasMismatchException changed) {
                                // another client wrote between our get and replace: read again
                            }
                        }
                    }
                }
            }

            @Override
            public long read(String key) {
                try {
                    return Long.parseLong(new String(c.get(key, GetOptions.getOptions().transcoder(RAW)).contentAsBytes(), StandardCharsets.US_ASCII));
                } catch (DocumentNotFoundException e) {
                    return 0;
                }
            }

            @Override
            public void reset(String key) {
                store.wrote(key);
                c.upsert(key, digits(0), UpsertOptions.upsertOptions().transcoder(RAW));
            }

            @Override
            public void close() {
                // the connection is the store's, shared
            }
        };
    }
}
