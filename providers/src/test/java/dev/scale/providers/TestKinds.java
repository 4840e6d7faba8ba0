package dev.scale.providers;

import dev.scale.providers.kinds.couchbase.CouchbaseKind;
import dev.scale.providers.kinds.postgres.PostgresKind;
import dev.scale.providers.kinds.redis.RedisKind;
import java.util.List;

/** The kinds the providers' own tests start; the product's registry lives in the CLI, which this module cannot see. */
public final class TestKinds {
    public static final Kinds KINDS = new Kinds(List.of(new RedisKind(), new PostgresKind(), new CouchbaseKind(),
            new dev.scale.providers.kinds.memcached.MemcachedKind()));

    private TestKinds() {
    }
}
