package dev.scale.providers.kinds.redis;

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
 * without allocating.)
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

    /** A connection to an endpoint, logged in as its user ({@code default} when it names none); replies may take as long as they take. */
    public static Resp connect(dev.scale.providers.Endpoint e) throws IOException {
        return connect(e, 0);
    }

    /** As {@link #connect(dev.scale.providers.Endpoint)}, with every reply, the login's too, due within {@code timeoutMillis} (0: none). */
    public static Resp connect(dev.scale.providers.Endpoint e, int timeoutMillis) throws IOException {
        return connect(e.host(), e.port(), e.username() == null ? "default" : e.username(), e.password() == null ? "" : e.password().reveal(),
                timeoutMillis);
    }

    public static Resp connect(String host, int port, String user, String password) throws IOException {
        return connect(host, port, user, password, 0);
    }

    private static Resp connect(String host, int port, String user, String password, int timeoutMillis) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), 3000);
            socket.setTcpNoDelay(true);
            // A port that accepts and never answers (another program's) must not hold the login for ever.
            socket.setSoTimeout(timeoutMillis > 0 ? timeoutMillis : 10_000);
            Resp resp = new Resp(socket);
            if (password != null && !password.isEmpty()) {
                Reply auth = resp.call(List.of("AUTH", user, password));
                if (auth instanceof Error e) {
                    throw new IOException("Redis refused the login: " + e.text());
                }
            }
            socket.setSoTimeout(timeoutMillis);
            return resp;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
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
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        buf.writeBytes(("*" + args.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] a : args) {
            buf.writeBytes(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            buf.writeBytes(a);
            buf.writeBytes(new byte[] {'\r', '\n'});
        }
        out.write(buf.toByteArray());
        out.flush();
        return read();
    }

    private Reply read() throws IOException {
        int type = in.read();
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
