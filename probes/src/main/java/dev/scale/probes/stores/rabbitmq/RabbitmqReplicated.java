package dev.scale.probes.stores.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.scale.probes.Replicated;
import dev.scale.probes.SetTest;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Secret;
import dev.scale.providers.kinds.rabbitmq.RabbitmqKind;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A RabbitMQ cluster as the failover probe drives it, from the connection contract alone ({@code RABBITMQ_ADDRESSES},
 * {@code RABBITMQ_NODES} and the login): each run publishes to a quorum queue of its own, declared through the node the
 * run will fault, so that its leader is there (RabbitMQ places a new quorum queue's leader on the declaring client's
 * node). Publishers use confirms: a confirm means a majority of the queue's replicas have the message.
 * <p>
 * RabbitMQ names a queue's leader only through its CLI and management API, not over AMQP: the probe reports no time
 * to promote, only what a publisher sees (the unavailability window, the messages lost).
 */
public final class RabbitmqReplicated implements Replicated {
    private final List<Endpoint> nodes = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final Faults faults;
    private final List<String> queues = new ArrayList<>();

    /** @return null where the contract lists one node */
    public static RabbitmqReplicated of(Map<String, String> contract, Faults faults) {
        return contract.containsKey("RABBITMQ_ADDRESSES") && contract.containsKey("RABBITMQ_NODES") ? new RabbitmqReplicated(contract, faults) : null;
    }

    private RabbitmqReplicated(Map<String, String> contract, Faults faults) {
        this.faults = faults;
        Secret password = Secret.of(contract.getOrDefault("RABBITMQ_PASSWORD", ""));
        String user = contract.get("RABBITMQ_USER");
        String vhost = contract.getOrDefault("RABBITMQ_VHOST", "/");
        for (String hp : contract.get("RABBITMQ_ADDRESSES").split(",")) {
            int colon = hp.lastIndexOf(':');
            nodes.add(new Endpoint(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1)), user, password, vhost));
        }
        for (String node : contract.get("RABBITMQ_NODES").split(",")) {
            names.add(node.substring(node.indexOf('@') + 1));
        }
        if (names.size() != nodes.size()) {
            throw new IllegalArgumentException("RABBITMQ_NODES names " + names.size() + " nodes and RABBITMQ_ADDRESSES " + nodes.size());
        }
    }

    /** The node the next run's queue is led by: the first that answers. */
    @Override
    public String primary() throws Exception {
        return names.get(first());
    }

    private int first() throws Exception {
        Exception last = null;
        for (int i = 0; i < nodes.size(); i++) {
            try (Connection c = RabbitmqKind.factory(nodes.get(i), 2000).newConnection("scale-probe")) {
                return i;
            } catch (java.io.IOException | java.util.concurrent.TimeoutException e) {
                last = e;
            }
        }
        throw new java.io.IOException("no node answers: " + (last == null ? "none listed" : last.getMessage()), last);
    }

    @Override
    public SetTest.Target target(int timeoutMillis, Runnable fault, Runnable heal) throws Exception {
        int leader = first();
        String queue = "scale.failover." + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        // the leader's node first: the publishers start where the queue is led, as the clients of a primary do
        List<Endpoint> order = new ArrayList<>();
        order.add(nodes.get(leader));
        for (int i = 0; i < nodes.size(); i++) {
            if (i != leader) {
                order.add(nodes.get(i));
            }
        }
        try (Connection c = RabbitmqKind.factory(order.get(0), 5000).newConnection("scale-probe")) {
            Channel ch = c.createChannel();
            ch.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "quorum", "x-quorum-initial-group-size", nodes.size(),
                    "x-queue-leader-locator", "client-local"));
        }
        queues.add(queue);
        return new RabbitmqSetTarget(order, queue, timeoutMillis, fault, heal);
    }

    @Override
    public Faults faults() {
        return faults;
    }

    /** Every node answers and they are one cluster again (a paused minority resumes once it sees the majority). */
    @Override
    public String whole() {
        return RabbitmqKind.clustered(nodes);
    }

    @Override
    public void clean() throws Exception {
        if (queues.isEmpty()) {
            return;
        }
        try (Connection c = RabbitmqKind.factory(nodes.get(first()), 5000).newConnection("scale-probe")) {
            for (String q : queues) {
                c.createChannel().queueDelete(q);
            }
        }
        queues.clear();
    }

    @Override
    public void close() {
    }
}
