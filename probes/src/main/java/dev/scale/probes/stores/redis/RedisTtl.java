package dev.scale.probes.stores.redis;

import dev.scale.probes.KvSession;
import dev.scale.probes.TtlStore;
import dev.scale.providers.Endpoint;
import dev.scale.providers.kinds.redis.Resp;
import java.io.IOException;
import java.util.List;

/** The ttl probe's Redis part: native TTL, keys counted with DBSIZE. */
public final class RedisTtl {
    private RedisTtl() {
    }

    public static TtlStore of(Endpoint e) {
        return new TtlStore() {
            private long baseline;

            private Resp admin() throws IOException {
                return RedisAdapter.connect(e);
            }

            @Override
            public KvSession session() throws IOException {
                return new RedisSession(e);
            }

            private long dbsize() throws IOException {
                try (Resp r = admin()) {
                    return ((Resp.Int) r.call(List.of("DBSIZE"))).value();
                }
            }

            @Override
            public void before(String prefix) throws IOException {
                baseline = dbsize();
            }

            /**
             * Keys still in the keyspace, expired or not. DBSIZE counts without touching keys; GET, EXISTS and
             * even SCAN would expire the keys they look at and hide what the store does by itself. Other
             * clients' writes to the same database would blur this count.
             */
            @Override
            public long present(String prefix) throws IOException {
                return Math.max(0, dbsize() - baseline);
            }

            @Override
            public long sweep() {
                return 0;
            }

            @Override
            public void cleanUp(String prefix) throws IOException {
                RedisAdapter.deleteByPrefix(e, prefix);
            }
        };
    }

}
