package dev.scale.probes.stores.memcached;

import dev.scale.probes.EventLoop;
import dev.scale.probes.KvKeys;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * memcached's text protocol encoded straight into reused buffers, and an incremental reply counter:
 * nothing allocated per operation (the kv probe's hot path; sessions use the blocking client instead).
 */
final class MemcachedWire {
    /** The kv probe's keys: the same names as on the other stores, zero-padded so that every key has one length. */
    static final int KEY_LENGTH = KvKeys.LENGTH;
    private static final byte[] GET = "get ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SET = "set ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DELETE = "delete ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF = {'\r', '\n'};

    private MemcachedWire() {
    }

    /** {@code get KEY}: answered by {@code VALUE KEY FLAGS BYTES}, the data and {@code END}, or {@code END} alone on a miss. */
    static void get(ByteBuffer out, long key) {
        out.put(GET);
        KvKeys.put(out, key);
        out.put(CRLF);
    }

    /** {@code set KEY 0 0 BYTES}, the value: answered by {@code STORED}. {@code header} is {@link #setHeader}'s. */
    static void set(ByteBuffer out, long key, byte[] header, byte[] value) {
        out.put(SET);
        KvKeys.put(out, key);
        out.put(header);
        out.put(value);
        out.put(CRLF);
    }

    /** What follows the key in a set without flags or expiry: {@code " 0 0 BYTES\r\n"}. */
    static byte[] setHeader(int length) {
        return (" 0 0 " + length + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code delete KEY}: answered by {@code DELETED} or {@code NOT_FOUND}. */
    static void delete(ByteBuffer out, long key) {
        out.put(DELETE);
        KvKeys.put(out, key);
        out.put(CRLF);
    }

    /** {@code delete KEY} for any key (validated by the caller). */
    static void delete(ByteBuffer out, byte[] key) {
        out.put(DELETE);
        out.put(key);
        out.put(CRLF);
    }

    /**
     * Counts complete replies in the bytes it is given, carrying a partial reply over to the next call. One
     * reply per command: a get's ends with its {@code END} line (the {@code VALUE} line and data before it are
     * skipped, the data by length, never scanned); every other reply is one line (STORED, DELETED, NOT_FOUND, a
     * number …). {@code ERROR}, {@code CLIENT_ERROR …} and {@code SERVER_ERROR …} lines count as replies and as errors.
     */
    static final class Scanner implements EventLoop.Counter {
        private static final int START = 0;
        private static final int LINE = 1;
        private static final int DATA = 2;
        private int state = START;
        private byte first;
        private byte second;
        private int length;
        private int spaces;
        private long number;
        private long skip;
        private boolean error;
        private int errors;
        private final StringBuilder errorText = new StringBuilder();

        /** Consumes every byte of {@code in}; returns how many replies it completed. */
        @Override
        public int scan(ByteBuffer in) {
            int done = 0;
            while (in.hasRemaining()) {
                if (state == DATA) {
                    int n = (int) Math.min(skip, in.remaining());
                    in.position(in.position() + n);
                    skip -= n;
                    if (skip == 0) {
                        state = START;
                    }
                    continue;
                }
                byte b = in.get();
                if (state == START) {
                    first = b;
                    second = 0;
                    length = 1;
                    spaces = 0;
                    number = 0;
                    // ERROR, CLIENT_ERROR …, SERVER_ERROR …: the second byte tells ERROR from END and EXISTS
                    error = b == 'C';
                    if (error) {
                        errorText.setLength(0);
                        errorText.append((char) b);
                    }
                    state = LINE;
                    continue;
                }
                if (b == '\n') {
                    if (first == 'V' && second == 'A') {
                        // VALUE KEY FLAGS BYTES [CAS]: the data and its CRLF follow, then more VALUEs or END
                        skip = number + 2;
                        state = skip > 0 ? DATA : START;
                        continue;
                    }
                    if (error) {
                        errors++;
                    }
                    done++;
                    state = START;
                    continue;
                }
                if (length == 1) {
                    second = b;
                    if ((first == 'E' && b == 'R') || (first == 'S' && b == 'E')) {
                        error = true;
                        errorText.setLength(0);
                        errorText.append((char) first);
                    }
                }
                length++;
                if (error) {
                    if (b != '\r' && errorText.length() < 200) {
                        errorText.append((char) b);
                    }
                } else if (first == 'V') {
                    if (b == ' ') {
                        spaces++;
                    } else if (spaces == 3 && b >= '0' && b <= '9') {
                        number = number * 10 + (b - '0'); // the BYTES field; a gets's CAS after it is not summed
                    }
                }
            }
            return done;
        }

        /** Error replies seen since the last call. */
        @Override
        public int takeErrors() {
            int e = errors;
            errors = 0;
            return e;
        }

        /** The last error line, e.g. {@code SERVER_ERROR object too large for cache}. */
        String lastError() {
            return errorText.toString();
        }
    }
}
