package dev.scale.probes;

import java.io.IOException;
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

    /**
     * An object read chunk by chunk as the caller reads (Redis's GETRANGE, a bytea's substring, a large object's
     * loread): one chunk in memory at a time, never the whole object.
     */
    abstract class Chunks extends InputStream {
        private final long length;
        private final int chunk;
        private long offset;
        private byte[] current = new byte[0];
        private int at;
        private boolean closed;

        /** An object of {@code length} bytes, asked for {@code chunk} bytes at a time. */
        protected Chunks(long length, int chunk) {
            this.length = length;
            this.chunk = chunk;
        }

        /** The {@code size} bytes from {@code offset} on (fewer only at the end); never empty before the end. */
        protected abstract byte[] next(long offset, int size) throws Exception;

        /** Ends the read on the store's side (a transaction, a statement); called once, on close. */
        protected void done() throws Exception {
        }

        private boolean fill() throws IOException {
            while (at == current.length) {
                if (offset >= length) {
                    return false;
                }
                try {
                    current = next(offset, (int) Math.min(chunk, length - offset));
                } catch (IOException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException(e.getMessage(), e);
                }
                if (current == null || current.length == 0) {
                    throw new IOException("the object ended at " + offset + " of " + length + " bytes");
                }
                offset += current.length;
                at = 0;
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            return fill() ? current[at++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, current.length - at);
            System.arraycopy(current, at, b, off, n);
            at += n;
            return n;
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                try {
                    done();
                } catch (IOException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException(e.getMessage(), e);
                }
            }
        }
    }
}
