package dev.scale.probes.redis;

import dev.scale.probes.KvSession;
import dev.scale.providers.Endpoint;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** {@link KvSession} for Redis: native TTL (PX), INCRBY, CAS and transactions through WATCH/MULTI/EXEC. */
public final class RedisSession implements KvSession {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RedisSession(Endpoint e) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(e.host(), e.port()), 3000);
        socket.setTcpNoDelay(true);
        in = new java.io.BufferedInputStream(socket.getInputStream());
        out = new java.io.BufferedOutputStream(socket.getOutputStream());
        String password = e.password() == null ? "" : e.password().reveal();
        if (!password.isEmpty()) {
            Object r = call(b("AUTH"), b(e.username() == null ? "default" : e.username()), b(password));
            if (r instanceof RedisError err) {
                close();
                throw new IOException("Redis refused the login: " + err.message());
            }
        }
    }

    record RedisError(String message) {
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** One command; the reply as Long, byte[], String (status), List, RedisError, or null. */
    Object call(byte[]... args) throws IOException {
        out.write(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] a : args) {
            out.write(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(a);
            out.write('\r');
            out.write('\n');
        }
        out.flush();
        return read();
    }

    private Object read() throws IOException {
        int type = in.read();
        String line = line();
        switch (type) {
            case '+':
                return line;
            case '-':
                return new RedisError(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                byte[] data = in.readNBytes(n);
                in.readNBytes(2);
                return data;
            }
            case '*': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    items.add(read());
                }
                return items;
            }
            case -1:
                throw new EOFException("Redis closed the connection");
            default:
                throw new IOException("unexpected reply type " + (char) type);
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new EOFException("Redis closed the connection");
            }
            b.write(c);
        }
        in.read();
        return b.toString(StandardCharsets.UTF_8);
    }

    private static Object check(Object reply) throws IOException {
        if (reply instanceof RedisError e) {
            throw new IOException(e.message());
        }
        return reply;
    }

    @Override
    public Optional<byte[]> get(String key) throws IOException {
        return Optional.ofNullable((byte[]) check(call(b("GET"), b(key))));
    }

    @Override
    public void put(String key, byte[] value) throws IOException {
        check(call(b("SET"), b(key), value));
    }

    @Override
    public boolean delete(String key) throws IOException {
        return (Long) check(call(b("DEL"), b(key))) > 0;
    }

    @Override
    public void putWithTtl(String key, byte[] value, Duration ttl) throws IOException {
        check(call(b("SET"), b(key), value, b("PX"), b(Long.toString(Math.max(1, ttl.toMillis())))));
    }

    @Override
    public boolean nativeTtl() {
        return true;
    }

    @Override
    public long increment(String key, long delta) throws IOException {
        return (Long) check(call(b("INCRBY"), b(key), b(Long.toString(delta))));
    }

    /** WATCH, compare, then MULTI/SET/EXEC: EXEC answers nil when the key changed since WATCH. */
    @Override
    public boolean compareAndSet(String key, Optional<byte[]> expected, byte[] next) throws IOException {
        check(call(b("WATCH"), b(key)));
        Optional<byte[]> current = get(key);
        boolean same = current.isPresent() == expected.isPresent()
                && (current.isEmpty() || java.util.Arrays.equals(current.get(), expected.get()));
        if (!same) {
            check(call(b("UNWATCH")));
            return false;
        }
        check(call(b("MULTI")));
        check(call(b("SET"), b(key), next));
        return check(call(b("EXEC"))) != null;
    }

    @Override
    public void transaction(List<String> keys, UnaryOperator<Map<String, Optional<byte[]>>> change) throws IOException {
        while (true) {
            byte[][] watch = new byte[keys.size() + 1][];
            watch[0] = b("WATCH");
            for (int i = 0; i < keys.size(); i++) {
                watch[i + 1] = b(keys.get(i));
            }
            check(call(watch));
            Map<String, Optional<byte[]>> current = new LinkedHashMap<>();
            for (String k : keys) {
                current.put(k, get(k));
            }
            Map<String, Optional<byte[]>> next = change.apply(current);
            check(call(b("MULTI")));
            for (var e : next.entrySet()) {
                if (e.getValue().isPresent()) {
                    check(call(b("SET"), b(e.getKey()), e.getValue().get()));
                } else {
                    check(call(b("DEL"), b(e.getKey())));
                }
            }
            if (check(call(b("EXEC"))) != null) {
                return;
            }
            // a watched key changed: try again
        }
    }

    @Override
    public boolean multiKeyTransactions() {
        return true;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
