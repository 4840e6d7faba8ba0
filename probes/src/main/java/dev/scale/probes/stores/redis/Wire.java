package dev.scale.probes.stores.redis;

import dev.scale.probes.EventLoop;
import dev.scale.probes.KvKeys;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** RESP encoding straight into reused buffers, and an incremental reply scanner: nothing allocated per operation. */
final class Wire {
    static final int KEY_LENGTH = KvKeys.LENGTH;
    private static final byte[] GET = ("*2\r\n$3\r\nGET\r\n$" + KEY_LENGTH + "\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SET = ("*3\r\n$3\r\nSET\r\n$" + KEY_LENGTH + "\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF = {'\r', '\n'};

    private Wire() {
    }

    static void get(ByteBuffer out, long key) {
        out.put(GET);
        KvKeys.put(out, key);
        out.put(CRLF);
    }

    static void set(ByteBuffer out, long key, byte[] valueHeader, byte[] value) {
        out.put(SET);
        KvKeys.put(out, key);
        out.put(CRLF);
        out.put(valueHeader);
        out.put(value);
        out.put(CRLF);
    }

    static byte[] bulkHeader(int length) {
        return ("$" + length + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    static void command(ByteBuffer out, String... args) {
        out.put(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String a : args) {
            byte[] b = a.getBytes(StandardCharsets.UTF_8);
            out.put(bulkHeader(b.length));
            out.put(b);
            out.put(CRLF);
        }
    }

    /**
     * Counts complete replies in the bytes it is given, carrying partial replies over to the next call.
     * Handles the replies GET, SET, DEL and AUTH give: simple strings, errors, integers, bulk strings.
     */
    static final class Scanner implements EventLoop.Counter {
        private static final int TYPE = 0;
        private static final int LINE = 1;
        private static final int BULK = 2;
        private int state = TYPE;
        private byte type;
        private long number;
        private boolean negative;
        private long skip;
        private int errors;
        private final StringBuilder errorText = new StringBuilder();

        /** Consumes every byte of {@code in}; returns how many replies it completed. */
        @Override
        public int scan(ByteBuffer in) {
            int done = 0;
            while (in.hasRemaining()) {
                if (state == TYPE) {
                    type = in.get();
                    number = 0;
                    negative = false;
                    state = LINE;
                } else if (state == LINE) {
                    byte b = in.get();
                    if (b == '\n') {
                        if (type == '$' && !negative) {
                            skip = number + 2;
                            state = BULK;
                        } else {
                            if (type == '-') {
                                errors++;
                            }
                            done++;
                            state = TYPE;
                        }
                    } else if (b != '\r') {
                        if (type == '-') {
                            if (errorText.length() < 200) {
                                errorText.append((char) b);
                            }
                        } else if (b == '-') {
                            negative = true;
                        } else if (b >= '0' && b <= '9') {
                            number = number * 10 + (b - '0');
                        }
                    }
                } else {
                    int n = (int) Math.min(skip, in.remaining());
                    in.position(in.position() + n);
                    skip -= n;
                    if (skip == 0) {
                        done++;
                        state = TYPE;
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

        String lastError() {
            return errorText.toString();
        }
    }
}
