package dev.scale.probes;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Load the way redis-benchmark and pgbench make it: one thread drives every client's connection, each
 * sending a batch of {@code pipeline} operations and waiting for its replies. On a small machine this
 * leaves the other cores to the server, where a thread per client would spend them switching threads.
 * Protocols plug in how an operation is encoded and how replies are counted; nothing is allocated per operation.
 * A connection's bytes go through its {@link Transport}: the socket itself, or TLS when the server requires it.
 */
public final class EventLoop {

    /**
     * A wire protocol: a logged-in connection, operation encodings, and a reply counter. A protocol implements
     * {@link #open()} when it may speak TLS, or only {@link #connect()} when it never does (memcached).
     */
    public interface Protocol {
        /** A connected, authenticated, blocking transport (the loop makes its channel non-blocking). */
        default Transport open() throws IOException {
            return Transport.plain(connect());
        }

        /** A connected, authenticated, blocking plaintext channel, for a protocol that does not implement {@link #open()}. */
        default SocketChannel connect() throws IOException {
            throw new UnsupportedOperationException(getClass().getName() + " implements neither open() nor connect()");
        }

        void read(ByteBuffer out, long key);

        void write(ByteBuffer out, long key);

        /** Bytes one operation may take in the send buffer. */
        int maxOperationBytes();

        Counter counter();
    }

    /** Counts complete replies in the bytes given, carrying partial ones over. */
    public interface Counter {
        int scan(ByteBuffer in);

        /** Error replies since the last call. */
        int takeErrors();
    }

    private EventLoop() {
    }

    private static final class Client {
        final Transport transport;
        final ByteBuffer out;
        final ByteBuffer in = ByteBuffer.allocateDirect(256 * 1024);
        final Counter counter;
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

        Client(Transport transport, Protocol p, int pipeline, long seed) {
            this.transport = transport;
            this.out = ByteBuffer.allocateDirect(pipeline * p.maxOperationBytes() + 64);
            this.counter = p.counter();
            this.ops = new Op[pipeline];
            this.keys = new long[pipeline];
            this.random = new SplittableRandom(seed);
        }
    }

    /**
     * Runs the workload's clients on {@code threads} loops (like pgbench -j), each driving its share of
     * the connections; returns when the run stops.
     */
    public static void run(Workload w, Run run, Protocol protocol, int threads) throws Exception {
        int loops = Math.max(1, Math.min(threads, w.clients()));
        if (loops == 1) {
            loop(w, run, protocol, 0, w.clients());
            return;
        }
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < loops; t++) {
            int from = w.clients() * t / loops;
            int to = w.clients() * (t + 1) / loops;
            Thread worker = new Thread(() -> {
                try {
                    loop(w, run, protocol, from, to);
                } catch (Exception e) {
                    run.fail(e.getMessage() == null ? e.toString() : e.getMessage());
                }
            }, "scale-probe-loop-" + t);
            worker.setDaemon(true);
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
    }

    private static void loop(Workload w, Run run, Protocol protocol, int from, int to) throws IOException {
        KeyChooser chooser = KeyChooser.of(w.distribution(), w.keys());
        List<Client> clients = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            for (int i = from; i < to; i++) {
                Transport t = protocol.open();
                Client c = new Client(t, protocol, w.pipeline(), 1000L + i);
                clients.add(c); // closed below even if the next line fails
                t.channel().configureBlocking(false);
                t.channel().register(selector, SelectionKey.OP_READ, c);
            }
            boolean open = w.openLoop();
            long interval = open ? w.batchIntervalNanos() : 0;
            long t0 = System.nanoTime();
            for (int i = 0; i < clients.size(); i++) {
                clients.get(i).nextIntended = t0 + interval * (from + i) / w.clients();
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
                        send(c, w, run, chooser, protocol, now, now);
                    } else if (now >= c.nextIntended) {
                        run.backlog(now - c.nextIntended);
                        send(c, w, run, chooser, protocol, c.nextIntended, now);
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
                    receive((Client) key.attachment(), run, protocol, readAt);
                }
                selected.clear();
            }
            drain(selector, all);
        } finally {
            for (Client c : clients) {
                c.transport.close();
            }
        }
    }

    /**
     * Waits, up to {@link #DRAIN_MILLIS}, for the replies of the operations still in flight when the run stopped,
     * without recording them. A connection closed with writes in flight lets the server apply them later than the
     * probe's cleanup, on another of its threads (memcached) or after the cleanup's connection was served (redis):
     * a key written after it was deleted stays on the user's server.
     */
    private static void drain(Selector selector, Client[] all) throws IOException {
        long deadline = System.nanoTime() + DRAIN_MILLIS * 1_000_000L;
        while (System.nanoTime() < deadline) {
            boolean waiting = false;
            for (Client c : all) {
                waiting |= c.busy;
            }
            if (!waiting) {
                return;
            }
            selector.select(50);
            for (SelectionKey key : selector.selectedKeys()) {
                Client c = (Client) key.attachment();
                do {
                    c.in.clear();
                    int n = c.transport.read(c.in);
                    if (n <= 0) {
                        c.busy = n == 0 && c.busy; // a closed connection has nothing more to wait for
                        break;
                    }
                    c.received += c.counter.scan(c.in.flip());
                    c.counter.takeErrors();
                } while (c.transport.buffered());
                if (c.received >= c.expected) {
                    c.busy = false; // a read-modify-write's writes are not sent once the run stopped
                }
            }
            selector.selectedKeys().clear();
        }
    }

    /** How long a stopped run waits for the replies still in flight before it closes its connections. */
    static final long DRAIN_MILLIS = 5_000;

    private static void send(Client c, Workload w, Run run, KeyChooser chooser, Protocol p, long intended, long now) throws IOException {
        ByteBuffer out = c.out;
        out.clear();
        c.rmw = 0;
        for (int i = 0; i < w.pipeline(); i++) {
            Op op = w.mix().choose(c.random);
            long key = op == Op.INSERT ? run.insertKey() : chooser.next(c.random, run.newestKey());
            c.ops[i] = op;
            c.keys[i] = key;
            if (op == Op.READ || op == Op.READ_MODIFY_WRITE) {
                p.read(out, key);
                if (op == Op.READ_MODIFY_WRITE) {
                    c.rmw++;
                }
            } else {
                p.write(out, key);
            }
        }
        out.flip();
        c.transport.writeFully(out);
        c.expected = w.pipeline();
        c.received = 0;
        c.secondRound = false;
        c.intended = intended;
        c.started = now;
        c.busy = true;
    }

    private static void receive(Client c, Run run, Protocol p, long now) throws IOException {
        do {
            ByteBuffer in = c.in;
            in.clear();
            int n = c.transport.read(in);
            if (n < 0) {
                run.fail("the server closed a connection");
                return;
            }
            if (n == 0) {
                return;
            }
            in.flip();
            consume(c, in, run, p, now);
        } while (c.transport.buffered()); // TLS may hold whole records the selector will not signal again
    }

    /** Counts and records the replies in {@code in}; sends a read-modify-write's writes once its reads have all answered. */
    private static void consume(Client c, ByteBuffer in, Run run, Protocol p, long now) throws IOException {
        int replies = c.counter.scan(in);
        for (int e = c.counter.takeErrors(); e > 0; e--) {
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
                    p.write(out, c.keys[i]);
                }
            }
            out.flip();
            c.transport.writeFully(out);
            c.expected = c.rmw;
            c.received = 0;
            c.secondRound = true;
            return;
        }
        c.busy = false;
    }

    /**
     * Reads from a blocking channel until {@code replies} more replies are complete (a load's or a cleanup's batch).
     * @return false when the server closed the connection first
     */
    public static boolean awaitReplies(SocketChannel ch, ByteBuffer in, Counter counter, int replies) throws IOException {
        return awaitReplies(Transport.plain(ch), in, counter, replies);
    }

    /** {@link #awaitReplies(SocketChannel, ByteBuffer, Counter, int)} through a transport, TLS or not. */
    public static boolean awaitReplies(Transport t, ByteBuffer in, Counter counter, int replies) throws IOException {
        int seen = 0;
        while (seen < replies) {
            in.clear();
            if (t.read(in) < 0) {
                return false;
            }
            seen += counter.scan(in.flip());
        }
        return true;
    }

    /** Writes the whole buffer, spinning if the socket's send buffer is full (rare with these sizes). */
    public static void writeFully(SocketChannel ch, ByteBuffer out) throws IOException {
        while (out.hasRemaining()) {
            if (ch.write(out) == 0) {
                Thread.onSpinWait();
            }
        }
    }
}
