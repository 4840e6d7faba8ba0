package dev.scale.probes.redis;

import dev.scale.probes.Driver;
import dev.scale.probes.KeyChooser;
import dev.scale.probes.Op;
import dev.scale.probes.Run;
import dev.scale.probes.Workload;
import dev.scale.providers.Endpoint;
import dev.scale.providers.ScaleException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * Redis traffic the way redis-benchmark makes it: one event-loop thread drives every client's
 * connection, each sending a batch of {@code pipeline} commands and waiting for its replies. On a
 * small machine this leaves the other cores to the server, where a thread per client would spend
 * them switching between threads.
 */
public final class RedisDriver implements Driver {
    private final Endpoint endpoint;
    private long highestKey = -1;

    public RedisDriver(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    private SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open();
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        try {
            ch.connect(new InetSocketAddress(endpoint.host(), endpoint.port()));
        } catch (IOException e) {
            ch.close();
            throw ScaleException.environment("cannot reach Redis at " + endpoint.host() + ":" + endpoint.port() + ": " + e.getMessage(),
                    "check the address, or that the instance is running (scale ls)", e);
        }
        String password = endpoint.password() == null ? "" : endpoint.password().reveal();
        if (!password.isEmpty()) {
            ByteBuffer out = ByteBuffer.allocate(512);
            Wire.command(out, "AUTH", endpoint.username() == null ? "default" : endpoint.username(), password);
            out.flip();
            Wire.writeFully(ch, out);
            ByteBuffer in = ByteBuffer.allocate(512);
            Wire.Scanner scanner = new Wire.Scanner();
            while (scanner.scan(in.flip()) == 0) {
                in.clear();
                if (ch.read(in) < 0) {
                    throw ScaleException.failure("Redis closed the connection during AUTH", null);
                }
            }
            if (scanner.takeErrors() > 0) {
                ch.close();
                throw ScaleException.environment("Redis refused the login: " + scanner.lastError(), "check the password in --on", null);
            }
        }
        return ch;
    }

    @Override
    public void load(Workload w, LongConsumer written) throws IOException {
        byte[] value = value(w.valueSize());
        byte[] header = Wire.bulkHeader(value.length);
        int batch = 512;
        try (SocketChannel ch = connect()) {
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
                Wire.writeFully(ch, out);
                int replies = 0;
                while (replies < n) {
                    in.clear();
                    if (ch.read(in) < 0) {
                        throw new IOException("Redis closed the connection while loading");
                    }
                    replies += scanner.scan(in.flip());
                }
                if (scanner.takeErrors() > 0) {
                    throw ScaleException.failure("Redis refused a write while loading: " + scanner.lastError(), null);
                }
                written.accept(k + n);
            }
        }
        highestKey = w.keys() - 1;
    }

    static byte[] value(int size) {
        byte[] v = new byte[size];
        new SplittableRandom(42).nextBytes(v);
        return v;
    }

    /** One client: its connection and the batch it has in flight. */
    private static final class Client {
        final SocketChannel ch;
        final ByteBuffer out;
        final ByteBuffer in = ByteBuffer.allocateDirect(256 * 1024);
        final Wire.Scanner scanner = new Wire.Scanner();
        final Op[] ops;
        final long[] keys;
        final SplittableRandom random;
        int expected;
        int received;
        int rmw;
        boolean secondRound;
        boolean busy;
        long intended;
        long started;
        long nextIntended;

        Client(SocketChannel ch, int pipeline, int valueSize, long seed) {
            this.ch = ch;
            this.out = ByteBuffer.allocateDirect(pipeline * (valueSize + 80) + 64);
            this.ops = new Op[pipeline];
            this.keys = new long[pipeline];
            this.random = new SplittableRandom(seed);
        }
    }

    @Override
    public void run(Workload w, Run run) throws IOException {
        byte[] value = value(w.valueSize());
        byte[] header = Wire.bulkHeader(value.length);
        KeyChooser chooser = KeyChooser.of(w.distribution(), w.keys());
        List<Client> clients = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < w.clients(); i++) {
                SocketChannel ch = connect();
                ch.configureBlocking(false);
                Client c = new Client(ch, w.pipeline(), w.valueSize(), 1000L + i);
                ch.register(selector, SelectionKey.OP_READ, c);
                clients.add(c);
            }
            boolean open = w.openLoop();
            long interval = open ? w.batchIntervalNanos() : 0;
            long t0 = System.nanoTime();
            for (int i = 0; i < clients.size(); i++) {
                clients.get(i).nextIntended = t0 + interval * i / clients.size();
            }
            Client[] all = clients.toArray(Client[]::new);
            while (!run.stopped()) {
                long now = System.nanoTime();
                long nextDue = Long.MAX_VALUE;
                for (Client c : all) {
                    if (c.busy) {
                        continue;
                    }
                    if (!open) {
                        send(c, w, run, chooser, header, value, now, now);
                    } else if (now >= c.nextIntended) {
                        run.backlog(now - c.nextIntended);
                        send(c, w, run, chooser, header, value, c.nextIntended, now);
                        c.nextIntended += interval;
                    } else {
                        nextDue = Math.min(nextDue, c.nextIntended);
                    }
                }
                if (!open) {
                    selector.select(100);
                } else {
                    long waitNanos = nextDue == Long.MAX_VALUE ? 100_000_000L : nextDue - System.nanoTime();
                    if (waitNanos > 1_000_000) {
                        selector.select(waitNanos / 1_000_000);
                    } else {
                        selector.selectNow();
                    }
                }
                var selected = selector.selectedKeys();
                if (selected.isEmpty()) {
                    continue;
                }
                long readAt = System.nanoTime();
                for (SelectionKey key : selected) {
                    receive((Client) key.attachment(), run, header, value, readAt);
                }
                selected.clear();
            }
            highestKey = Math.max(highestKey, run.newestKey());
        } finally {
            for (Client c : clients) {
                c.ch.close();
            }
        }
    }

    private static void send(Client c, Workload w, Run run, KeyChooser chooser, byte[] header, byte[] value,
                             long intended, long now) throws IOException {
        ByteBuffer out = c.out;
        out.clear();
        c.rmw = 0;
        for (int i = 0; i < w.pipeline(); i++) {
            Op op = w.mix().choose(c.random);
            long key = op == Op.INSERT ? run.insertKey() : chooser.next(c.random, run.newestKey());
            c.ops[i] = op;
            c.keys[i] = key;
            if (op == Op.READ || op == Op.READ_MODIFY_WRITE) {
                Wire.get(out, key);
                if (op == Op.READ_MODIFY_WRITE) {
                    c.rmw++;
                }
            } else {
                Wire.set(out, key, header, value);
            }
        }
        out.flip();
        Wire.writeFully(c.ch, out);
        c.expected = w.pipeline();
        c.received = 0;
        c.secondRound = false;
        c.intended = intended;
        c.started = now;
        c.busy = true;
    }

    private static void receive(Client c, Run run, byte[] header, byte[] value, long now) throws IOException {
        ByteBuffer in = c.in;
        in.clear();
        if (c.ch.read(in) < 0) {
            run.fail("Redis closed a connection");
            return;
        }
        in.flip();
        int replies = c.scanner.scan(in);
        for (int e = c.scanner.takeErrors(); e > 0; e--) {
            run.error();
        }
        if (!c.secondRound) {
            for (int i = c.received; i < c.received + replies; i++) {
                if (c.ops[i] != Op.READ_MODIFY_WRITE) {
                    run.record(c.ops[i], c.intended, c.started, now);
                }
            }
        } else {
            for (int i = 0; i < replies; i++) {
                run.record(Op.READ_MODIFY_WRITE, c.intended, c.started, now);
            }
        }
        c.received += replies;
        if (c.received < c.expected) {
            return;
        }
        if (!c.secondRound && c.rmw > 0) {
            // read-modify-write: the writes go once their reads have answered
            ByteBuffer out = c.out;
            out.clear();
            for (int i = 0; i < c.expected; i++) {
                if (c.ops[i] == Op.READ_MODIFY_WRITE) {
                    Wire.set(out, c.keys[i], header, value);
                }
            }
            out.flip();
            Wire.writeFully(c.ch, out);
            c.expected = c.rmw;
            c.received = 0;
            c.secondRound = true;
            return;
        }
        c.busy = false;
    }

    @Override
    public void cleanUp(Workload w) throws IOException {
        if (highestKey < 0) {
            return;
        }
        try (SocketChannel ch = connect()) {
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
                    Wire.key(out, k + i);
                    out.put(new byte[] {'\r', '\n'});
                }
                out.flip();
                Wire.writeFully(ch, out);
                int replies = 0;
                while (replies < 1) {
                    in.clear();
                    if (ch.read(in) < 0) {
                        return;
                    }
                    replies += scanner.scan(in.flip());
                }
            }
        }
    }

    @Override
    public void close() {
    }
}
