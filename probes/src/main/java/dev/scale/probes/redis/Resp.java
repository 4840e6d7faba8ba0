package dev.scale.probes.redis;

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
 * A minimal blocking RESP2 connection with typed replies, for the shell and the {@link RedisSession}
 * adapter. Jedis returns a status reply and a bulk string alike, but redis-cli prints {@code OK} and
 * {@code "OK"} differently, so scale reads the protocol itself. (The kv probe's hot path counts replies
 * with {@link Wire.Scanner} instead, without allocating.)
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

    public static Resp connect(String host, int port, String user, String password) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 3000);
        socket.setTcpNoDelay(true);
        Resp resp = new Resp(socket);
        if (password != null && !password.isEmpty()) {
            Reply auth = resp.call(List.of("AUTH", user, password));
            if (auth instanceof Error e) {
                resp.close();
                throw new IOException("Redis refused the login: " + e.text());
            }
        }
        return resp;
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
