package dev.scale.probes.stores.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.scale.probes.History.Outcome;
import dev.scale.probes.SetTest;
import dev.scale.providers.Endpoint;
import dev.scale.providers.kinds.rabbitmq.RabbitmqKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * The set test on a quorum queue, as a publisher that follows a cluster does it: each writer keeps a connection (to
 * the first node of its list that answers, the queue's leader's first; after a failure, from the node after the one that
 * failed it) and a channel in confirm mode, publishes its id
 * as a persistent message and waits for the confirm. A confirm is ACKNOWLEDGED; a nack, or a publish that could not be
 * sent (no connection), is REFUSED: the broker did not take it. A publish whose confirm never came within the timeout,
 * or whose connection broke after it was sent, is UNKNOWN, and the writer connects again (a channel that lost a
 * confirm across a leader change may never get it). Every message is read back with basic.get once the run is over.
 */
final class RabbitmqSetTarget implements SetTest.Target {
    private static final AMQP.BasicProperties PERSISTENT = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
    private final List<Endpoint> order;
    private final String queue;
    private final int timeoutMillis;
    private final Runnable fault;
    private final Runnable heal;
    private final ThreadLocal<Channel> channel = new ThreadLocal<>();
    /** Where each writer's next connection attempt starts: after a failure, at the node after the one that failed. */
    private final ThreadLocal<Integer> from = ThreadLocal.withInitial(() -> 0);
    private final ThreadLocal<Integer> at = new ThreadLocal<>();
    private final Set<Connection> opened = ConcurrentHashMap.newKeySet();

    RabbitmqSetTarget(List<Endpoint> order, String queue, int timeoutMillis, Runnable fault, Runnable heal) {
        this.order = order;
        this.queue = queue;
        this.timeoutMillis = timeoutMillis;
        this.fault = fault;
        this.heal = heal;
    }

    /** A connection to the first node, in order from {@code start} round the list, that takes one. */
    private Connection connect(int start) throws IOException {
        IOException last = null;
        for (int k = 0; k < order.size(); k++) {
            int i = (start + k) % order.size();
            try {
                Connection c = RabbitmqKind.factory(order.get(i), timeoutMillis).newConnection("scale-probe-failover");
                opened.add(c);
                at.set(i);
                return c;
            } catch (IOException e) {
                last = e;
            } catch (TimeoutException e) {
                last = new IOException(e);
            }
        }
        throw last == null ? new IOException("no node") : last;
    }

    @Override
    public Outcome add(int id) {
        Channel ch = channel.get();
        if (ch == null) {
            try {
                ch = connect(from.get()).createChannel();
                ch.confirmSelect();
                channel.set(ch);
            } catch (IOException | RuntimeException e) {
                return Outcome.REFUSED; // nothing was sent
            }
        }
        try {
            ch.basicPublish("", queue, PERSISTENT, Integer.toString(id).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            drop();
            return Outcome.REFUSED; // the channel was closed before the publish went out
        }
        try {
            if (ch.waitForConfirms(timeoutMillis)) {
                return Outcome.ACKNOWLEDGED;
            }
            return Outcome.REFUSED; // nacked: the broker says it did not take it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drop();
            return Outcome.UNKNOWN;
        } catch (TimeoutException | RuntimeException e) {
            drop(); // sent, and no answer: it may or may not be in the queue
            return Outcome.UNKNOWN;
        }
    }

    /**
     * Gives up the writer's connection after a failure; its next one is tried first on the node after this one, as a
     * client does that does not go straight back to the node that just failed it.
     */
    private void drop() {
        Channel ch = channel.get();
        channel.remove();
        if (at.get() != null) {
            from.set((at.get() + 1) % order.size());
        }
        if (ch != null) {
            Connection c = ch.getConnection();
            opened.remove(c);
            c.abort(100); // no wait for a close handshake a paused or cut-off node will not answer
        }
    }

    /** Every message in the queue, taken with basic.get until it is empty (retried while the queue has no leader yet). */
    @Override
    public BitSet readBack() throws Exception {
        BitSet present = new BitSet();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try (Connection c = connect(0)) {
                Channel ch = c.createChannel();
                for (GetResponse r; (r = ch.basicGet(queue, false)) != null; ) {
                    present.set(Integer.parseInt(new String(r.getBody(), StandardCharsets.US_ASCII)));
                }
                return present;
            } catch (IOException | com.rabbitmq.client.ShutdownSignalException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("cannot read the queue back: " + e.getMessage(), e);
                }
                Thread.sleep(500);
            }
        }
    }

    @Override
    public void fault() {
        fault.run();
    }

    @Override
    public void heal() {
        heal.run();
    }

    @Override
    public void close() {
        for (Connection c : opened) {
            c.abort(100);
        }
        opened.clear();
    }
}
