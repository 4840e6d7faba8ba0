package dev.scale.probes;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The kv probe's keys, the same for every store: {@code scale:kv:} and the key number in ten digits, written
 * into a buffer without allocating. Drivers' codecs use it; cleanup finds the keys by the same prefix.
 */
public final class KvKeys {
    public static final byte[] PREFIX = "scale:kv:".getBytes(StandardCharsets.US_ASCII);
    public static final int DIGITS = 10;
    public static final int LENGTH = PREFIX.length + DIGITS;

    private KvKeys() {
    }

    /** Writes key number {@code key} at the buffer's position. */
    public static void put(ByteBuffer out, long key) {
        out.put(PREFIX);
        int pos = out.position();
        long k = key;
        for (int i = DIGITS - 1; i >= 0; i--) {
            out.put(pos + i, (byte) ('0' + (k % 10)));
            k /= 10;
        }
        out.position(pos + DIGITS);
    }

    public static String text(long key) {
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        put(b, key);
        return new String(b.array(), StandardCharsets.US_ASCII);
    }
}
