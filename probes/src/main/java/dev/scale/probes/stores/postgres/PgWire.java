package dev.scale.probes.stores.postgres;

import dev.scale.probes.EventLoop;
import dev.scale.probes.TlsTransport;
import dev.scale.probes.Transport;
import dev.scale.providers.Endpoint;
import dev.scale.errors.ScaleException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * PostgreSQL's frontend/backend protocol (version 3), as far as the kv probe needs it: start-up with
 * trust, cleartext, MD5 or SCRAM-SHA-256 login, two named prepared statements, and per operation
 * Bind/Execute/Sync in binary format (what pgbench -M prepared sends). Each operation ends with its own
 * ReadyForQuery, so operations are independent and can be pipelined. A server that requires TLS gets it
 * as libpq's sslmode=verify-full does: an SSLRequest, then the handshake, then all of the above inside TLS.
 */
final class PgWire implements EventLoop.Protocol {
    private static final String READ = "SELECT v FROM " + PostgresDriver.TABLE + " WHERE k = $1";
    private static final String WRITE = "INSERT INTO " + PostgresDriver.TABLE + " (k, v) VALUES ($1, $2) "
            + "ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v";
    private static final byte[] EXECUTE_SYNC = {'E', 0, 0, 0, 9, 0, 0, 0, 0, 0, 'S', 0, 0, 0, 4};
    /** The SSLRequest code, 1234 and 5679 in the two 16-bit halves (protocol docs, "SSLRequest"). */
    private static final int SSL_REQUEST = 80877103;

    private final Endpoint endpoint;
    private final byte[] value;

    PgWire(Endpoint endpoint, byte[] value) {
        this.endpoint = endpoint;
        this.value = value;
    }

    @Override
    public Transport open() throws IOException {
        SocketChannel ch = SocketChannel.open();
        Transport t = Transport.plain(ch);
        try {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.connect(new InetSocketAddress(endpoint.host(), endpoint.port()));
            if (endpoint.tls() != null) {
                t = startTls(ch);
            }
            startUp(t);
            prepare(t);
            return t;
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /** The plaintext connection's channel, where a test needs no more; the loop calls {@link #open()}, which also speaks TLS. */
    @Override
    public SocketChannel connect() throws IOException {
        if (endpoint.tls() != null) {
            throw new IllegalStateException("a TLS connection is more than its socket: open() it");
        }
        return open().channel();
    }

    /**
     * Asks for TLS before anything else, as the protocol has it: the server answers one unencrypted byte, 'S' (the
     * handshake follows) or 'N'. Exactly one byte is read, so nothing a man in the middle appends to it is taken
     * as the server's (CVE-2021-23222): such bytes would reach the TLS handshake and fail it.
     */
    private TlsTransport startTls(SocketChannel ch) throws IOException {
        ByteBuffer request = ByteBuffer.allocate(8).putInt(8).putInt(SSL_REQUEST);
        request.flip();
        EventLoop.writeFully(ch, request);
        ByteBuffer answer = ByteBuffer.allocate(1);
        while (answer.hasRemaining()) {
            if (ch.read(answer) < 0) {
                throw ScaleException.environment("PostgreSQL at " + where() + " closed the connection when scale asked for TLS", null, null);
            }
        }
        byte b = answer.get(0);
        if (b == 'S') {
            return TlsTransport.handshake(ch, endpoint, "PostgreSQL");
        }
        if (b == 'N') {
            throw ScaleException.environment("PostgreSQL at " + where() + " does not offer TLS, and the connection asks for it (sslmode=require)",
                    "turn ssl on in the server's configuration, or drop sslmode from the URL to speak plaintext", null);
        }
        throw ScaleException.environment("PostgreSQL at " + where() + " answered scale's request for TLS with "
                + (b == 'E' ? "an error" : String.format("byte 0x%02x, neither 'S' nor 'N'", b)), "check that the address is PostgreSQL's", null);
    }

    private String where() {
        return endpoint.host() + ":" + endpoint.port();
    }

    // --- the hot path: one operation, encoded straight into the send buffer ---

    @Override
    public void read(ByteBuffer out, long key) {
        // Bind: portal "", statement "r", 1 binary parameter (int8), 1 binary result column
        out.put((byte) 'B').putInt(4 + 1 + 2 + 2 + 2 + 2 + 4 + 8 + 2 + 2);
        out.put((byte) 0).put((byte) 'r').put((byte) 0);
        out.putShort((short) 1).putShort((short) 1);
        out.putShort((short) 1).putInt(8).putLong(key);
        out.putShort((short) 1).putShort((short) 1);
        out.put(EXECUTE_SYNC);
    }

    @Override
    public void write(ByteBuffer out, long key) {
        out.put((byte) 'B').putInt(4 + 1 + 2 + 2 + 2 + 2 + 2 + 4 + 8 + 4 + value.length + 2);
        out.put((byte) 0).put((byte) 'w').put((byte) 0);
        out.putShort((short) 2).putShort((short) 1).putShort((short) 1);
        out.putShort((short) 2).putInt(8).putLong(key).putInt(value.length).put(value);
        out.putShort((short) 0);
        out.put(EXECUTE_SYNC);
    }

    @Override
    public int maxOperationBytes() {
        return value.length + 64;
    }

    @Override
    public EventLoop.Counter counter() {
        return new Counter();
    }

    /** Counts ReadyForQuery messages (one per operation) and ErrorResponses, across partial reads. */
    static final class Counter implements EventLoop.Counter {
        private final byte[] header = new byte[5];
        private int have;
        private long skip;
        private int errors;

        @Override
        public int scan(ByteBuffer in) {
            int done = 0;
            while (in.hasRemaining()) {
                if (skip > 0) {
                    int n = (int) Math.min(skip, in.remaining());
                    in.position(in.position() + n);
                    skip -= n;
                    continue;
                }
                header[have++] = in.get();
                if (have < 5) {
                    continue;
                }
                have = 0;
                int length = ((header[1] & 0xff) << 24) | ((header[2] & 0xff) << 16) | ((header[3] & 0xff) << 8) | (header[4] & 0xff);
                skip = length - 4;
                if (header[0] == 'Z') {
                    done++;
                } else if (header[0] == 'E') {
                    errors++;
                }
            }
            return done;
        }

        @Override
        public int takeErrors() {
            int e = errors;
            errors = 0;
            return e;
        }
    }

    // --- start-up, login and statement preparation: once per connection, blocking ---

    private void startUp(Transport ch) throws IOException {
        ByteBuffer m = ByteBuffer.allocate(512);
        m.putInt(0).putInt(196608);
        for (String s : new String[] {"user", endpoint.username(), "database", endpoint.database(), "application_name", "scale probe"}) {
            m.put(s.getBytes(StandardCharsets.UTF_8)).put((byte) 0);
        }
        m.put((byte) 0);
        m.putInt(0, m.position());
        send(ch, m);
        Messages in = new Messages(ch);
        String password = endpoint.password() == null ? "" : endpoint.password().reveal();
        Scram scram = null;
        while (true) {
            Message msg = in.next();
            if (msg.type == 'E') {
                String text = error(msg.body);
                boolean auth = text.contains("28P01") || text.contains("password") || text.contains("authentication");
                throw ScaleException.environment("PostgreSQL refused the connection: " + text.replaceAll(" \\(SQLSTATE \\w+\\)", ""),
                        auth ? "check the user and password in --on" : null, null);
            }
            if (msg.type == 'Z') {
                return;
            }
            if (msg.type != 'R') {
                continue; // ParameterStatus, BackendKeyData, notices
            }
            int code = msg.body.getInt();
            switch (code) {
                case 0 -> { }
                case 3 -> sendPassword(ch, (password + "\0").getBytes(StandardCharsets.UTF_8));
                case 5 -> {
                    byte[] salt = new byte[4];
                    msg.body.get(salt);
                    String inner = md5hex((password + endpoint.username()).getBytes(StandardCharsets.UTF_8));
                    byte[] outer = concat(inner.getBytes(StandardCharsets.US_ASCII), salt);
                    sendPassword(ch, ("md5" + md5hex(outer) + "\0").getBytes(StandardCharsets.US_ASCII));
                }
                case 10 -> {
                    scram = new Scram(password);
                    byte[] first = scram.clientFirst().getBytes(StandardCharsets.UTF_8);
                    ByteBuffer b = ByteBuffer.allocate(64 + first.length);
                    b.put((byte) 'p').putInt(0).put("SCRAM-SHA-256\0".getBytes(StandardCharsets.US_ASCII)).putInt(first.length).put(first);
                    b.putInt(1, b.position() - 1);
                    send(ch, b);
                }
                case 11 -> {
                    byte[] rest = new byte[msg.body.remaining()];
                    msg.body.get(rest);
                    byte[] fin = scram.clientFinal(new String(rest, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
                    sendPassword(ch, fin);
                }
                case 12 -> {
                    byte[] rest = new byte[msg.body.remaining()];
                    msg.body.get(rest);
                    scram.verifyServer(new String(rest, StandardCharsets.UTF_8));
                }
                default -> throw ScaleException.environment("PostgreSQL asks for a login method scale does not speak (" + code + ")",
                        "use scram-sha-256, md5, password or trust", null);
            }
        }
    }

    private void prepare(Transport ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1024);
        parse(b, "r", READ, new int[] {20});
        parse(b, "w", WRITE, new int[] {20, 17});
        b.put((byte) 'S').putInt(4);
        send(ch, b);
        Messages in = new Messages(ch);
        while (true) {
            Message msg = in.next();
            if (msg.type == 'E') {
                throw ScaleException.failure("PostgreSQL could not prepare the probe's statements: " + error(msg.body), null);
            }
            if (msg.type == 'Z') {
                return;
            }
        }
    }

    private static void parse(ByteBuffer b, String name, String sql, int[] types) {
        int start = b.position();
        b.put((byte) 'P').putInt(0);
        b.put(name.getBytes(StandardCharsets.US_ASCII)).put((byte) 0);
        b.put(sql.getBytes(StandardCharsets.UTF_8)).put((byte) 0);
        b.putShort((short) types.length);
        for (int t : types) {
            b.putInt(t);
        }
        b.putInt(start + 1, b.position() - start - 1);
    }

    private static void sendPassword(Transport ch, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(5 + payload.length);
        b.put((byte) 'p').putInt(4 + payload.length).put(payload);
        send(ch, b);
    }

    private static void send(Transport ch, ByteBuffer b) throws IOException {
        b.flip();
        ch.writeFully(b);
    }

    /** An ErrorResponse's severity, message and SQLSTATE. */
    private static String error(ByteBuffer body) {
        Map<Character, String> fields = new HashMap<>();
        while (body.hasRemaining()) {
            byte t = body.get();
            if (t == 0) {
                break;
            }
            StringBuilder s = new StringBuilder();
            byte c;
            while ((c = body.get()) != 0) {
                s.append((char) (c & 0xff));
            }
            fields.put((char) t, new String(s.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
        }
        return fields.getOrDefault('S', "ERROR") + ": " + fields.getOrDefault('M', "") + " (SQLSTATE " + fields.getOrDefault('C', "?") + ")";
    }

    private record Message(byte type, ByteBuffer body) {
    }

    /** Whole messages from a blocking transport, during start-up only. */
    private static final class Messages {
        private final Transport ch;
        private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);

        Messages(Transport ch) {
            this.ch = ch;
            buf.flip();
        }

        Message next() throws IOException {
            while (true) {
                if (buf.remaining() >= 5) {
                    int length = buf.getInt(buf.position() + 1);
                    if (buf.remaining() >= 1 + length) {
                        byte type = buf.get();
                        buf.getInt();
                        byte[] body = new byte[length - 4];
                        buf.get(body);
                        return new Message(type, ByteBuffer.wrap(body));
                    }
                }
                buf.compact();
                if (ch.read(buf) < 0) {
                    throw new IOException("PostgreSQL closed the connection during start-up");
                }
                buf.flip();
            }
        }
    }

    private static String md5hex(byte[] data) {
        try {
            StringBuilder s = new StringBuilder();
            for (byte b : MessageDigest.getInstance("MD5").digest(data)) {
                s.append(String.format("%02x", b));
            }
            return s.toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL uses it: no channel binding, user name from start-up. */
    static final class Scram {
        private final String password;
        private final String clientNonce;
        private String clientFirstBare;
        private byte[] saltedPassword;
        private String authMessage;

        Scram(String password) {
            this.password = password;
            byte[] nonce = new byte[18];
            new SecureRandom().nextBytes(nonce);
            this.clientNonce = Base64.getEncoder().encodeToString(nonce);
        }

        String clientFirst() {
            clientFirstBare = "n=,r=" + clientNonce;
            return "n,," + clientFirstBare;
        }

        String clientFinal(String serverFirst) {
            Map<String, String> attrs = attributes(serverFirst);
            String nonce = attrs.get("r");
            if (nonce == null || !nonce.startsWith(clientNonce)) {
                throw ScaleException.environment("PostgreSQL's SCRAM reply did not carry our nonce", null, null);
            }
            byte[] salt = Base64.getDecoder().decode(attrs.get("s"));
            int iterations = Integer.parseInt(attrs.get("i"));
            try {
                SecretKeyFactory f = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
                saltedPassword = f.generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256)).getEncoded();
                byte[] clientKey = hmac(saltedPassword, "Client Key");
                byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
                String withoutProof = "c=biws,r=" + nonce;
                authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
                byte[] signature = hmac(storedKey, authMessage);
                byte[] proof = new byte[clientKey.length];
                for (int i = 0; i < proof.length; i++) {
                    proof[i] = (byte) (clientKey[i] ^ signature[i]);
                }
                return withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        void verifyServer(String serverFinal) {
            String expected = Base64.getEncoder().encodeToString(hmac(hmac(saltedPassword, "Server Key"), authMessage));
            if (!expected.equals(attributes(serverFinal).get("v"))) {
                throw ScaleException.environment("PostgreSQL's SCRAM signature did not match: not the server it claims to be", null, null);
            }
        }

        private static Map<String, String> attributes(String s) {
            Map<String, String> m = new HashMap<>();
            for (String part : s.split(",")) {
                int eq = part.indexOf('=');
                if (eq > 0) {
                    m.put(part.substring(0, eq), part.substring(eq + 1));
                }
            }
            return m;
        }

        private static byte[] hmac(byte[] key, String data) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
                return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
