package dev.scale.probes;

import java.io.InputStream;
import java.time.Duration;
import java.util.List;

/**
 * What the objects probe needs from a store that can keep files: one or more ways of doing it (variants: PostgreSQL
 * has {@code bytea} columns and large objects), each a small set of streamed operations the probe's one workload
 * engine drives. Each kind's adapter lives in its package under {@code dev.scale.probes.stores}.
 *
 * <p>The adapters judge nothing themselves: what was stored intact, what a listing missed and what a restart kept are
 * counted by the engine from the bytes it reads back.
 */
public interface ObjectStore extends AutoCloseable {

    /** The kind's name: s3, postgres, redis. */
    String kind();

    /** The ways this store keeps objects, the one a user would reach for first at the head. */
    List<Variant> variants();

    /** How the server keeps data over a restart, as it reports it: "RDB off, AOF off", "fsync on", "files on disk". */
    default String persistence() throws Exception {
        return "unknown";
    }

    @Override
    default void close() {
    }

    /** One way of keeping objects on this store. */
    interface Variant {
        /** As typed in {@code --variant}: objects, bytea, large-object, string. */
        String name();

        /** What it is, in a few words, for the report: "one row per object, bytea column, TOAST uncompressed". */
        String description();

        /**
         * The largest object the store documents it can keep this way (Redis strings: 512 MB; a {@code bytea}
         * value: 1 GB), or 0 where it names none below what the probe tries.
         */
        long documentedLimitBytes();

        /** Makes what the objects need (a table); {@code space} names it, unique to one probe run. */
        void create(String space) throws Exception;

        /**
         * Stores {@code length} bytes read from {@code body} under {@code key}, streamed: the adapter never holds the
         * whole object. A refusal (too large, no room) is thrown in the store's own words.
         */
        void put(String space, String key, InputStream body, long length) throws Exception;

        /** The object's bytes as a stream, read from the store as the caller reads; null where there is no such key. */
        InputStream get(String space, String key) throws Exception;

        /** The keys that start with {@code prefix}, as the store lists them. */
        List<String> list(String space, String prefix) throws Exception;

        /** Removes everything made under {@code space}, the objects and what {@link #create} made. */
        void drop(String space) throws Exception;

        /**
         * A URL anyone can GET the object from for {@code valid}, without the store's credentials (S3's presigned
         * URLs), or null where the store has no such thing.
         */
        default String presign(String space, String key, Duration valid) throws Exception {
            return null;
        }
    }
}
