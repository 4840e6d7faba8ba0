package dev.scale.providers.kinds.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Topology;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A RabbitMQ cluster ({@code scale up rabbitmq --replicas 2}): nodes {@code rabbit@NAME-0..N} that find each other by
 * RabbitMQ's own peer discovery from a fixed list ({@code classic_config}), sharing an Erlang cookie derived from the
 * instance's password. No watcher of its own: a quorum queue's replicas elect a new leader among themselves (Raft), so
 * {@code --down-after} sets how soon they suspect a silent node (Ra's failure detector, aten's poll interval, half of
 * it: it suspects after about two polls). A node killed -9 and started again rejoins by itself; a minority cut off
 * pauses itself until it can see the majority again ({@code cluster_partition_handling = pause_minority}), as RabbitMQ
 * advises for clusters of three or more.
 * <p>
 * "Primary" has no meaning for the cluster as a whole (each quorum queue has its own leader, on the node that declared
 * it by default): the instance's address is the first node that answers, and a client should be given every node
 * ({@code RABBITMQ_ADDRESSES}).
 */
final class RabbitmqCluster implements Topology.Replication {
    private static final String CONF = "/etc/rabbitmq/conf.d/20-scale-cluster.conf";
    private static final String ADVANCED = "/etc/rabbitmq/advanced.config";
    private static final String COOKIE = "/var/lib/rabbitmq/.erlang.cookie";

    @Override
    public boolean watchesItself() {
        return true;
    }

    /** Three nodes: a majority is left when one is lost. */
    @Override
    public int replicasToFailOver() {
        return 2;
    }

    @Override
    public void check(Topology topology) {
        Topology.refuseSentinels(topology, "rabbitmq", "a quorum queue's nodes elect its leader among themselves",
                "scale up rabbitmq --replicas 2 [--down-after 5s]");
        if (topology.replicas() < replicasToFailOver()) {
            throw ScaleException.usage("a RabbitMQ cluster needs three nodes to survive the loss of one (a quorum queue needs a majority), not "
                    + (topology.replicas() + 1), "scale up rabbitmq --replicas 2");
        }
    }

    @Override
    public List<Topology.Member> members(String instance, Topology topology) {
        check(topology);
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i <= topology.replicas(); i++) {
            nodes.add("rabbit@" + instance + "-" + i);
        }
        StringBuilder conf = new StringBuilder("cluster_formation.peer_discovery_backend = classic_config\\n");
        for (int i = 0; i < nodes.size(); i++) {
            conf.append("cluster_formation.classic_config.nodes.").append(i + 1).append(" = ").append(nodes.get(i)).append("\\n");
        }
        conf.append("cluster_partition_handling = pause_minority\\n");
        long poll = Math.max(100, topology.downAfter().toMillis() / 2);
        // Erlang's net_ticktime stays 60 s: with 2 s, a paused node was declared down within 3 s, but once thawed it did
        // not rejoin (pause_minority) within two minutes; a false partition on a busy machine costs more than it saves
        String advanced = "[{aten, [{poll_interval, " + poll + "}]}].\\n";
        // as root before the image's entrypoint (which gives /var/lib/rabbitmq to rabbitmq); the configuration written
        // once, the cookie at every start (an image may hold one of its own): the same on every node and secret, a hash
        // of the instance's password, owner-only as Erlang demands
        String prelude = "export RABBITMQ_DEFAULT_PASS=\"$SCALE_PASSWORD\"\n"
                + "mkdir -p /var/lib/rabbitmq /etc/rabbitmq/conf.d\n"
                + "rm -f " + COOKIE + "\n"
                + "(umask 077; printf 'scale%s' \"$SCALE_PASSWORD\" | sha256sum | cut -c1-64 | tr -d '\\n' > " + COOKIE + ")\n"
                + "chmod 0400 " + COOKIE + "\nchown rabbitmq:rabbitmq " + COOKIE + " 2>/dev/null || true\n"
                + "[ -f " + CONF + " ] || printf '" + conf + "' > " + CONF + "\n"
                + "[ -f " + ADVANCED + " ] || printf '" + advanced + "' > " + ADVANCED + "\n";
        List<Topology.Member> members = new ArrayList<>();
        for (int i = 0; i <= topology.replicas(); i++) {
            members.add(new Topology.Member(instance + "-" + i, i == 0 ? Topology.Role.PRIMARY : Topology.Role.REPLICA, 5672,
                    List.of("rabbitmq-server"), prelude));
        }
        return members;
    }

    /** Every node answers, and they are one cluster: a queue declared on the first is known to every other. */
    @Override
    public void settled(String instance, Topology topology, Map<Topology.Member, Endpoint> at) throws Exception {
        List<Endpoint> nodes = at.entrySet().stream().filter(e -> e.getKey().role() != Topology.Role.SENTINEL)
                .sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(Topology.Member::host))).map(Map.Entry::getValue).toList();
        String missing = clustered(nodes);
        if (missing != null) {
            throw new IllegalStateException(missing);
        }
    }

    /**
     * Null when every node answers and they form one cluster; else what is missing. A transient queue declared on the
     * first node must be known to each other one (a node outside the cluster answers NOT_FOUND), then it is deleted.
     */
    static String clustered(List<Endpoint> nodes) {
        String queue = "scale.cluster-check." + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        try (Connection first = RabbitmqKind.factory(nodes.get(0), 2000).newConnection("scale-cluster-check")) {
            Channel ch = first.createChannel();
            ch.queueDeclare(queue, false, false, false, Map.of());
            try {
                for (int i = 1; i < nodes.size(); i++) {
                    Endpoint n = nodes.get(i);
                    try (Connection other = RabbitmqKind.factory(n, 2000).newConnection("scale-cluster-check")) {
                        other.createChannel().queueDeclarePassive(queue);
                    } catch (java.io.IOException e) {
                        return "the node at port " + n.port() + " has not joined the cluster yet";
                    }
                }
            } finally {
                ch.queueDelete(queue);
            }
            return null;
        } catch (java.io.IOException | java.util.concurrent.TimeoutException e) {
            return "the first node does not answer: " + e.getMessage();
        }
    }

    /** The first node that answers an AMQP login, in order: where {@code ls} and RABBITMQ_URL point. */
    @Override
    public String primary(String instance, Endpoint login, Map<String, Integer> ports) {
        for (var p : Topology.servers(ports).entrySet()) {
            Endpoint node = new Endpoint(login.host(), p.getValue(), login.username(), login.password(),
                    login.database() == null ? RabbitmqKind.DEFAULT_VHOST : login.database());
            try (Connection c = RabbitmqKind.factory(node, 1000).newConnection("scale")) {
                return p.getKey();
            } catch (java.io.IOException | java.util.concurrent.TimeoutException e) {
                // down, paused or cut off: the next node
            }
        }
        return null;
    }
}
