package dev.scale.providers.kinds.redis;

import dev.scale.providers.Endpoint;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * scale's blocking Redis client: one RESP2 connection with typed replies, for the readiness check, the
 * shell and the verdict probes' sessions. Chosen over Jedis because redis-cli prints a status reply
 * ({@code OK}) and a bulk string ({@code "OK"}) differently and Jedis returns both as a String; and a
 * one-shot check needs no pool. (The kv probe's hot path counts replies with its own non-blocking codec,
 * without allocating.) Over TLS for an endpoint that requires it (managed Redis: Upstash, Clever Cloud's Materia KV).
 */
public final class Resp implements Closeable {

    /** A Redis reply, as the protocol types it. */
    public sealed interface Reply permits Status, Error, Int, Bulk, Multi {
    }

    public record Status(String text) implements Reply {
    }

    public record Error(String text) implements Reply {
    }

    public record Int(long value) implements Reply {
    }

    /** @param value null for the nil bulk string */
    public record Bulk(byte[] value) implements Reply {
    }

    /** @param items null for the nil array */
    public record Multi(List<Reply> items) implements Reply {
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private Resp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** A reply as text: a bulk string's UTF-8, a status's words, anything else as it prints. */
    public static String text(Reply r) {
        return r instanceof Bulk b && b.value() != null ? new String(b.value(), java.nio.charset.StandardCharsets.UTF_8)
                : r instanceof Status st ? st.text() : String.valueOf(r);
    }

    /** A flat array of field, value, field, value (SENTINEL MASTER, one of SENTINEL REPLICAS) as a map; empty for another reply. */
    public static java.util.Map<String, String> fields(Reply r) {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        if (r instanceof Multi m && m.items() != null) {
            for (int i = 0; i + 1 < m.items().size(); i += 2) {
                out.put(text(m.items().get(i)), text(m.items().get(i + 1)));
            }
        }
        return out;
    }

    /**
     * A connection to an endpoint, logged in as its user ({@code default} when it names none); replies may take as
     * long as they take. Over TLS when the endpoint says so ({@code rediss://}), with the certificate and host name
     * verified.
     */
    public static Resp connect(Endpoint e) throws IOException {
        return connect(e, 0);
    }

    /** As {@link #connect(Endpoint)}, with every reply, the login's too, due within {@code timeoutMillis} (0: none). */
    public static Resp connect(Endpoint e, int timeoutMillis) throws IOException {
        String user = e.username() == null ? "default" : e.username();
        String password = e.password() == null ? "" : e.password().reveal();
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(e.host(), e.port()), 3000);
            socket.setTcpNoDelay(true);
            // A port that accepts and never answers (another program's) must not hold the login for ever.
            socket.setSoTimeout(timeoutMillis > 0 ? timeoutMillis : 10_000);
            Socket channel = e.tls() == null ? socket : handshake(socket, e);
            Resp resp = new Resp(channel);
            if (!password.isEmpty()) {
                Reply auth = resp.call(List.of("AUTH", user, password));
                if (auth instanceof Error refused) {
                    throw new IOException("Redis refused the login: " + refused.text());
                }
            }
            channel.setSoTimeout(timeoutMillis);
            return resp;
        } catch (IOException | RuntimeException ex) {
            socket.close();
            throw ex;
        }
    }

    /**
     * TLS over the connected socket. Its failures come back as one sentence with the way out: a managed Redis is
     * signed by a public authority the JVM trusts, so a refused certificate nearly always means a proxy that
     * re-signs TLS or a server with its own authority, and SCALE_CA_FILE is how to trust that one.
     */
    private static Socket handshake(Socket plain, Endpoint e) throws IOException {
        String failed = "TLS to Redis at " + e.host() + ":" + e.port() + " failed: ";
        int loginTimeout = plain.getSoTimeout();
        // A plaintext server never answers the ClientHello, and a handshake takes well under a second even across
        // an ocean: waiting the login's 10 s (twice, with the probes' clean-up) only delays the way out.
        int handshakeTimeout = Math.min(loginTimeout, 5000);
        plain.setSoTimeout(handshakeTimeout);
        try {
            Socket tls = e.tls().wrap(plain, e.host());
            tls.setSoTimeout(loginTimeout);
            return tls;
        } catch (javax.net.ssl.SSLException refused) {
            String why = reason(refused, e.host());
            throw new TlsRefused(failed + why + " — " + wayOut(why, e.tls()), refused);
        } catch (java.net.SocketTimeoutException silent) {
            // a plaintext Redis reads the ClientHello as the start of an inline command and waits for the rest of it
            throw new TlsRefused(failed + "no TLS answer within " + Math.max(1, handshakeTimeout / 1000) + " s (a plaintext port?) — " + PLAINTEXT, silent);
        }
    }

    private static final String NOT_TLS = "the server does not speak TLS on this port";
    private static final String NOT_FOR = "its certificate is not for ";
    private static final String PLAINTEXT = "a plaintext Redis wants redis://, not rediss:// (SCALE_CA_FILE only says which certificates to trust)";

    private static String wayOut(String why, Endpoint.Tls tls) {
        if (why.equals(NOT_TLS)) {
            return PLAINTEXT;
        }
        if (why.startsWith(NOT_FOR)) {
            return "connect by a name the certificate is for (SCALE_CA_FILE says which authorities to trust, not which names)";
        }
        return tls.caFile() == null
                ? "scale verifies the certificate and host name against the JVM's authorities; set SCALE_CA_FILE to the PEM of the authority that signed it"
                : "scale verifies the certificate and host name against SCALE_CA_FILE (" + tls.caFile() + "); check that it holds the authority that signed it";
    }

    /** What went wrong in the user's words: JSSE's messages name its internals (SunCertPathBuilderException). */
    private static String reason(javax.net.ssl.SSLException e, String host) {
        StringBuilder causes = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            causes.append(' ').append(t.getMessage());
        }
        String all = causes.toString();
        if (all.contains("No subject alternative") || all.contains("No name matching")) {
            return NOT_FOR + host;
        }
        if (all.contains("NotAfter") || all.contains("validity check failed")) {
            return "its certificate has expired or is not yet valid";
        }
        if (all.contains("PKIX path") || all.contains("unable to find valid certification path")) {
            return "its certificate is signed by an authority scale does not trust";
        }
        if (all.contains("Unsupported or unrecognized SSL message") || all.contains("plaintext connection")) {
            return NOT_TLS;
        }
        return String.valueOf(e.getMessage());
    }

    /** The server's TLS was refused (certificate, host name, a port without TLS): the message says the way out. */
    public static final class TlsRefused extends IOException {
        TlsRefused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public Reply call(List<String> args) throws IOException {
        List<byte[]> raw = new ArrayList<>();
        for (String a : args) {
            raw.add(a.getBytes(StandardCharsets.UTF_8));
        }
        return callRaw(raw);
    }

    public Reply callRaw(List<byte[]> args) throws IOException {
        return pipeline(List.of(args)).get(0);
    }

    /** Sends every command at once, then reads their replies in order: one round trip for the lot. */
    public List<Reply> pipeline(List<List<byte[]>> commands) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        for (List<byte[]> args : commands) { // each as an array of bulk strings
            buf.writeBytes(("*" + args.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (byte[] a : args) {
                buf.writeBytes(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                buf.writeBytes(a);
                buf.writeBytes(new byte[] {'\r', '\n'});
            }
        }
        out.write(buf.toByteArray());
        out.flush();
        List<Reply> replies = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            replies.add(read());
        }
        return replies;
    }

    /**
     * The next reply the server pushes (a subscriber's message), or null when none began within {@code waitMillis}.
     * Only the wait for its first byte is bounded: a reply, once begun, is read whole.
     */
    public Reply receive(int waitMillis) throws IOException {
        int before = socket.getSoTimeout();
        int type;
        try {
            socket.setSoTimeout(Math.max(1, waitMillis));
            type = in.read();
        } catch (java.net.SocketTimeoutException none) {
            return null;
        } finally {
            socket.setSoTimeout(before);
        }
        return read(type);
    }

    private Reply read() throws IOException {
        return read(in.read());
    }

    private Reply read(int type) throws IOException {
        if (type < 0) {
            throw new EOFException("connection closed by server");
        }
        String line = line();
        return switch (type) {
            case '+' -> new Status(line);
            case '-' -> new Error(line);
            case ':' -> new Int(Long.parseLong(line));
            case '$' -> {
                int len = Integer.parseInt(line);
                if (len < 0) {
                    yield new Bulk(null);
                }
                byte[] data = in.readNBytes(len);
                in.readNBytes(2);
                yield new Bulk(data);
            }
            case '*' -> {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    yield new Multi(null);
                }
                List<Reply> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    items.add(read());
                }
                yield new Multi(items);
            }
            default -> throw new IOException("unexpected reply type '" + (char) type + "'");
        };
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new EOFException("connection closed by server");
            }
            b.write(c);
        }
        in.read(); // '\n'
        return b.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
