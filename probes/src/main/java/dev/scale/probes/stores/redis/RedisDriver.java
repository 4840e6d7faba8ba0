package dev.scale.probes.stores.redis;

import dev.scale.probes.KvKeys;

import dev.scale.probes.Driver;
import dev.scale.probes.EventLoop;
import dev.scale.probes.Run;
import dev.scale.probes.TlsTransport;
import dev.scale.probes.Transport;
import dev.scale.probes.Workload;
import dev.scale.providers.Endpoint;
import dev.scale.errors.ScaleException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.function.LongConsumer;

/**
 * Redis traffic on the {@link EventLoop}, as redis-benchmark makes it: GET and SET of 1 KB-ish values. Over TLS
 * from the first byte when the endpoint requires it (rediss://: Upstash, managed Redis), as redis-benchmark --tls.
 */
public final class RedisDriver implements Driver {
    private final Endpoint endpoint;
    private long highestKey = -1;

    public RedisDriver(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    private Transport connect() throws IOException {
        SocketChannel ch = SocketChannel.open();
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        try {
            ch.connect(new InetSocketAddress(endpoint.host(), endpoint.port()));
        } catch (IOException e) {
            ch.close();
            throw ScaleException.environment("cannot reach Redis at " + endpoint.host() + ":" + endpoint.port() + ": " + e.getMessage(),
                    "check the address, or that the instance is running (scale ls)", e);
        }
        Transport t = endpoint.tls() == null ? Transport.plain(ch) : TlsTransport.handshake(ch, endpoint, "Redis");
        try {
            logIn(t);
            return t;
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
    }

    private void logIn(Transport t) throws IOException {
        String password = endpoint.password() == null ? "" : endpoint.password().reveal();
        if (password.isEmpty()) {
            return;
        }
        ByteBuffer out = ByteBuffer.allocate(512);
        Wire.command(out, "AUTH", endpoint.username() == null ? "default" : endpoint.username(), password);
        out.flip();
        t.writeFully(out);
        ByteBuffer in = ByteBuffer.allocate(512);
        Wire.Scanner scanner = new Wire.Scanner();
        if (!EventLoop.awaitReplies(t, in, scanner, 1)) {
            throw ScaleException.failure("Redis closed the connection during AUTH", null);
        }
        if (scanner.takeErrors() > 0) {
            throw ScaleException.environment("Redis refused the login: " + scanner.lastError(), "check the password in --on", null);
        }
    }

    @Override
    public void load(Workload w, LongConsumer written) throws IOException {
        byte[] value = w.value();
        byte[] header = Wire.bulkHeader(value.length);
        int batch = 512;
        try (Transport t = connect()) {
            ByteBuffer out = ByteBuffer.allocate(batch * (value.length + 64));
            ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
            Wire.Scanner scanner = new Wire.Scanner();
            for (long k = 0; k < w.keys(); k += batch) {
                int n = (int) Math.min(batch, w.keys() - k);
                out.clear();
                for (int i = 0; i < n; i++) {
                    Wire.set(out, k + i, header, value);
                }
                out.flip();
                t.writeFully(out);
                if (!EventLoop.awaitReplies(t, in, scanner, n)) {
                    throw new IOException("Redis closed the connection while loading");
                }
                if (scanner.takeErrors() > 0) {
                    throw ScaleException.failure("Redis refused a write while loading: " + scanner.lastError(), null);
                }
                written.accept(k + n);
            }
        }
        highestKey = w.keys() - 1;
    }

    @Override
    public void run(Workload w, Run run) throws Exception {
        byte[] value = w.value();
        byte[] header = Wire.bulkHeader(value.length);
        // One loop by default, as redis-benchmark: Redis serves from one thread, the other core is the generator's.
        EventLoop.run(w, run, new EventLoop.Protocol() {
            @Override
            public Transport open() throws IOException {
                return RedisDriver.this.connect();
            }

            @Override
            public void read(ByteBuffer out, long key) {
                Wire.get(out, key);
            }

            @Override
            public void write(ByteBuffer out, long key) {
                Wire.set(out, key, header, value);
            }

            @Override
            public int maxOperationBytes() {
                return value.length + 80;
            }

            @Override
            public EventLoop.Counter counter() {
                return new Wire.Scanner();
            }
        }, w.threadsOr(1));
        highestKey = Math.max(highestKey, run.newestKey());
    }

    @Override
    public void cleanUp(Workload w) throws IOException {
        if (highestKey < 0) {
            return;
        }
        try (Transport t = connect()) {
            ByteBuffer out = ByteBuffer.allocate(1024 * (Wire.KEY_LENGTH + 16) + 64);
            ByteBuffer in = ByteBuffer.allocate(4096);
            Wire.Scanner scanner = new Wire.Scanner();
            for (long k = 0; k <= highestKey; k += 1024) {
                int n = (int) Math.min(1024, highestKey + 1 - k);
                out.clear();
                out.put(("*" + (n + 1) + "\r\n$3\r\nDEL\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                byte[] keyHeader = Wire.bulkHeader(Wire.KEY_LENGTH);
                for (int i = 0; i < n; i++) {
                    out.put(keyHeader);
                    KvKeys.put(out, k + i);
                    out.put(new byte[] {'\r', '\n'});
                }
                out.flip();
                t.writeFully(out);
                if (!EventLoop.awaitReplies(t, in, scanner, 1)) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
    }
}
