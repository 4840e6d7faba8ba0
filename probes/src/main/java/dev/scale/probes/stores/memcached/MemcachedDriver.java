package dev.scale.probes.stores.memcached;

import dev.scale.errors.ScaleException;
import dev.scale.probes.Driver;
import dev.scale.probes.EventLoop;
import dev.scale.probes.Run;
import dev.scale.probes.Workload;
import dev.scale.providers.Endpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.function.LongConsumer;

/**
 * memcached traffic on the {@link EventLoop}, as memcaslap makes it: get and set over the text protocol, a
 * connection per client, {@code pipeline} commands sent at once and their replies counted as they come
 * ({@link MemcachedWire}). memcached has no login, so a connection is ready as soon as it is open.
 */
public final class MemcachedDriver implements Driver {
    private final Endpoint endpoint;
    private long highestKey = -1;

    public MemcachedDriver(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    private SocketChannel connect() {
        try {
            return WrittenKeys.open(endpoint);
        } catch (IOException e) {
            throw ScaleException.environment("cannot reach memcached at " + endpoint.host() + ":" + endpoint.port() + ": " + e.getMessage(),
                    "check the address, or that the instance is running (scale ls)", e);
        }
    }

    /** Sets every key, 512 a batch; a refusal (a value over the item size limit, out of memory) stops the load and says why. */
    @Override
    public void load(Workload w, LongConsumer written) throws IOException {
        byte[] value = w.value();
        byte[] header = MemcachedWire.setHeader(value.length);
        int batch = Math.max(1, Math.min(512, (4 << 20) / (value.length + 64)));
        try (SocketChannel ch = connect()) {
            ByteBuffer out = ByteBuffer.allocate(batch * (value.length + 64));
            ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
            MemcachedWire.Scanner scanner = new MemcachedWire.Scanner();
            // keys are counted as written before the server answers, so that cleanUp removes them even if the load fails
            for (long k = 0; k < w.keys(); k += batch) {
                int n = (int) Math.min(batch, w.keys() - k);
                out.clear();
                for (int i = 0; i < n; i++) {
                    MemcachedWire.set(out, k + i, header, value);
                }
                out.flip();
                highestKey = Math.max(highestKey, k + n - 1);
                EventLoop.writeFully(ch, out);
                if (!EventLoop.awaitReplies(ch, in, scanner, n)) {
                    throw new IOException("memcached closed the connection while loading");
                }
                if (scanner.takeErrors() > 0) {
                    throw ScaleException.failure("memcached refused a write while loading: " + scanner.lastError()
                            + (scanner.lastError().contains("too large") ? " (a " + value.length
                            + "-byte value is over memcached's item size limit, -I, 1 MB by default)" : ""), null);
                }
                written.accept(k + n);
            }
        }
    }

    @Override
    public void run(Workload w, Run run) throws Exception {
        byte[] value = w.value();
        byte[] header = MemcachedWire.setHeader(value.length);
        // memcached serves each connection from one of its worker threads (-t 4 by default), so like memaslap -T
        // at one thread a core, a loop per core by default: on 2 cores one loop kept memcached ~15% below
        // memaslap -T 2 on read-only traffic, two matched it.
        EventLoop.run(w, run, new EventLoop.Protocol() {
            @Override
            public SocketChannel connect() {
                return MemcachedDriver.this.connect();
            }

            @Override
            public void read(ByteBuffer out, long key) {
                MemcachedWire.get(out, key);
            }

            @Override
            public void write(ByteBuffer out, long key) {
                MemcachedWire.set(out, key, header, value);
            }

            @Override
            public int maxOperationBytes() {
                return value.length + MemcachedWire.KEY_LENGTH + header.length + 16;
            }

            @Override
            public EventLoop.Counter counter() {
                return new MemcachedWire.Scanner();
            }
        }, w.threadsOr(Runtime.getRuntime().availableProcessors()));
        highestKey = Math.max(highestKey, run.newestKey());
    }

    /** Deletes keys 0 to the highest the load and the run wrote, 1024 a batch. */
    @Override
    public void cleanUp(Workload w) throws IOException {
        if (highestKey < 0) {
            return;
        }
        try (SocketChannel ch = connect()) {
            ByteBuffer out = ByteBuffer.allocate(1024 * (MemcachedWire.KEY_LENGTH + 16));
            ByteBuffer in = ByteBuffer.allocate(16 * 1024);
            MemcachedWire.Scanner scanner = new MemcachedWire.Scanner();
            for (long k = 0; k <= highestKey; k += 1024) {
                int n = (int) Math.min(1024, highestKey + 1 - k);
                out.clear();
                for (int i = 0; i < n; i++) {
                    MemcachedWire.delete(out, k + i);
                }
                out.flip();
                EventLoop.writeFully(ch, out);
                if (!EventLoop.awaitReplies(ch, in, scanner, n)) {
                    throw new IOException("memcached closed the connection while removing the probe's keys");
                }
            }
            if (scanner.takeErrors() > 0) {
                throw new IOException("memcached refused a delete: " + scanner.lastError());
            }
        }
        highestKey = -1;
    }

    @Override
    public void close() {
    }
}
