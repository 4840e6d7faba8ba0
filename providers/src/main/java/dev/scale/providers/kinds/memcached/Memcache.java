package dev.scale.providers.kinds.memcached;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * scale's blocking memcached client: one connection speaking the text protocol, for the readiness check,
 * the shell and the verdict probes' sessions. Written here rather than taken from spymemcached because the
 * shell shows the server's own replies (STORED, NOT_FOUND, EXISTS), which a client library turns into
 * booleans and futures, and a readiness check wants one socket, not a connection manager's threads.
 * (The kv probe's hot path has its own non-blocking codec.)
 */
public final class Memcache implements Closeable {
    /** Keys are at most 250 bytes, without spaces or control characters (protocol.txt). */
    public static final int MAX_KEY = 250;

    /** One item of a get or gets reply; {@code cas} is 0 when the command did not ask for it. */
    public record Value(String key, int flags, byte[] data, long cas) {
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private Memcache(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
    }

    public static Memcache connect(Endpoint e) throws IOException {
        return connect(e.host(), e.port());
    }

    public static Memcache connect(String host, int port) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), 3000);
            socket.setTcpNoDelay(true);
            return new Memcache(socket);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** How long a reply may take; 0 waits for ever. */
    public void timeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    /** Whether a key is one the server accepts. */
    public static boolean validKey(String key) {
        byte[] b = key.getBytes(StandardCharsets.UTF_8);
        if (b.length == 0 || b.length > MAX_KEY) {
            return false;
        }
        for (byte c : b) {
            int u = c & 0xff; // UTF-8's bytes of a non-ASCII character are 0x80 and above, and welcome
            if (u <= ' ' || u == 127) {
                return false;
            }
        }
        return true;
    }

    /**
     * A storage command: set, add, replace, append, prepend, or cas (with {@code cas} given).
     * @return the server's status line: STORED, NOT_STORED, EXISTS, NOT_FOUND, or an error line
     */
    public String store(String command, String key, int flags, long exptime, byte[] data, Long cas) throws IOException {
        String header = command + " " + key + " " + Integer.toUnsignedString(flags) + " " + exptime + " " + data.length + (cas == null ? "" : " " + cas) + "\r\n";
        out.write(header.getBytes(StandardCharsets.UTF_8));
        out.write(data);
        out.write(CRLF);
        out.flush();
        return readLine();
    }

    /** get or gets (or gat/gats with the exptime first among {@code args}): the items found, in the server's order. */
    public List<Value> retrieve(String command, List<String> args) throws IOException {
        send(command + " " + String.join(" ", args));
        List<Value> values = new ArrayList<>();
        while (true) {
            String line = readLine();
            if (line.equals("END")) {
                return values;
            }
            if (!line.startsWith("VALUE ")) {
                throw new IOException(line);
            }
            String[] f = line.split(" ");
            int length = Integer.parseInt(f[3]);
            byte[] data = in.readNBytes(length);
            if (data.length < length || in.read() != '\r' || in.read() != '\n') {
                throw new EOFException("memcached closed the connection mid-value");
            }
            values.add(new Value(f[1], Integer.parseUnsignedInt(f[2]), data, f.length > 4 ? Long.parseUnsignedLong(f[4]) : 0));
        }
    }

    /** A command answered by one line: delete, incr, decr, touch, flush_all, verbosity, version. */
    public String call(String commandLine) throws IOException {
        send(commandLine);
        return readLine();
    }

    /** {@code stats [group]}: name to value, in the server's order; an error line becomes an IOException. */
    public Map<String, String> stats(String group) throws IOException {
        send(group == null || group.isEmpty() ? "stats" : "stats " + group);
        Map<String, String> stats = new LinkedHashMap<>();
        while (true) {
            String line = readLine();
            if (line.equals("END")) {
                return stats;
            }
            if (!line.startsWith("STAT ")) {
                throw new IOException(line);
            }
            String rest = line.substring(5);
            int sp = rest.indexOf(' ');
            stats.put(sp < 0 ? rest : rest.substring(0, sp), sp < 0 ? "" : rest.substring(sp + 1));
        }
    }

    /** One statistic as a number, -1 when the server does not report it. */
    public long stat(String name) throws IOException {
        String v = stats(null).get(name);
        return v == null ? -1 : Long.parseLong(v.trim());
    }

    /** The error lines the protocol defines; anything else is a reply. */
    public static boolean isError(String line) {
        return line.equals("ERROR") || line.startsWith("CLIENT_ERROR") || line.startsWith("SERVER_ERROR");
    }

    private static final byte[] CRLF = {'\r', '\n'};

    private void send(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.UTF_8);
            }
            b.write(c);
        }
        throw new EOFException("memcached closed the connection");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
