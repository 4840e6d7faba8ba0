package dev.scale.providers;

import dev.scale.errors.ScaleException;
import java.time.Duration;
import java.util.List;

/**
 * A replicated instance: a primary, {@code replicas} copies of it, and {@code sentinels} watchers that promote a
 * replica when the primary fails (Redis Sentinel). One instance name for all of it: {@code ls} shows one line,
 * {@code down} removes every member and the network they share.
 *
 * @param downAfter how long the primary must be unreachable before the watchers call it down
 */
public record Topology(int replicas, int sentinels, Duration downAfter) {
    public static final Duration DEFAULT_DOWN_AFTER = Duration.ofSeconds(5);
    public static final int MAX_REPLICAS = 4;
    public static final int MAX_SENTINELS = 7;

    public Topology {
        if (replicas < 1 || replicas > MAX_REPLICAS) {
            throw ScaleException.usage("--replicas must be 1 to " + MAX_REPLICAS + ", not " + replicas,
                    "a topology is a primary and at least one replica; leave --replicas out for a single server");
        }
        if (sentinels < 0 || sentinels > MAX_SENTINELS) {
            throw ScaleException.usage("--sentinels must be 0 to " + MAX_SENTINELS + ", not " + sentinels, null);
        }
        if (downAfter == null || downAfter.toMillis() < 100) {
            throw ScaleException.usage("--down-after must be at least 100ms", "the default is " + DEFAULT_DOWN_AFTER.toSeconds() + "s");
        }
    }

    /** How many watchers must agree the primary is down: a majority. */
    public int quorum() {
        return sentinels / 2 + 1;
    }

    /**
     * Refuses {@code --sentinels} for a kind whose members fail over among themselves, saying who does it.
     * @param who what fails a member over instead ("a quorum queue's nodes elect its leader among themselves")
     */
    public static void refuseSentinels(Topology topology, String kind, String who, String usual) {
        if (topology.sentinels() > 0) {
            throw ScaleException.usage(kind + " runs no watchers: " + who, "leave out --sentinels: " + usual);
        }
    }

    /** What the failover probe does to a member, and how it undoes it. */
    public enum Fault {
        /** kill -9 of its server; undone by {@link #START}. */
        KILL,
        START,
        /** Every process frozen; undone by {@link #UNPAUSE}. */
        PAUSE,
        UNPAUSE,
        /** Cut from the network (the other members and clients alike); undone by {@link #RECONNECT}. */
        CUT,
        RECONNECT
    }

    /** What a member does. */
    public enum Role {
        PRIMARY, REPLICA, SENTINEL;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One server of a topology, as the kind runs it.
     *
     * @param host    its name on the topology's own network, which the others reach it by ({@code NAME-0}, {@code NAME-s1})
     * @param port    the port it serves on inside its container; published on 127.0.0.1 like an instance's; 0 for a
     *                member that serves nothing (PostgreSQL's promoter), so nothing is published for it
     * @param command the image's arguments (after its entrypoint)
     * @param prelude shell lines run before the entrypoint, with the secret in {@code $SCALE_PASSWORD}
     * @param services other ports it serves on, by name, published as {@code port} is (a Couchbase node's cluster
     *                 manager and query service: the kind's {@link Kind#servicePorts()}); in an endpoint's ports as
     *                 {@code NAME:HOST} ({@code mgmt:NAME-1})
     */
    public record Member(String host, Role role, int port, List<String> command, String prelude, java.util.Map<String, Integer> services) {
        public Member {
            services = java.util.Map.copyOf(services);
        }

        public Member(String host, Role role, int port, List<String> command, String prelude) {
            this(host, role, port, command, prelude, java.util.Map.of());
        }

        /** Its key in an endpoint's {@link Endpoint#ports()}: {@code server:NAME-1}, {@code sentinel:NAME-s0} (a server's role changes with a failover; its key does not). */
        public String key() {
            return (role == Role.SENTINEL ? "sentinel" : SERVER) + ":" + host;
        }

        /** The key of one of its {@link #services} in an endpoint's ports: {@code mgmt:NAME-1}. */
        public String key(String service) {
            return service + ":" + host;
        }
    }

    private static final String SERVER = "server";

    /**
     * The data members (not the watchers) among an endpoint's ports, by host name in order ({@code NAME-0} first), as
     * {@link Member#key()} names them; empty for one server.
     */
    public static java.util.SortedMap<String, Integer> servers(java.util.Map<String, Integer> ports) {
        return byHost(ports, SERVER);
    }

    /** One service's port on each member, by host name in order, as {@link Member#key(String)} names them. */
    public static java.util.SortedMap<String, Integer> byHost(java.util.Map<String, Integer> ports, String service) {
        java.util.SortedMap<String, Integer> out = new java.util.TreeMap<>();
        String prefix = service + ":";
        ports.forEach((key, port) -> {
            if (key.startsWith(prefix)) {
                out.put(key.substring(prefix.length()), port);
            }
        });
        return out;
    }

    /** A kind's way to run replicated; {@link Kind#replication()} is null for kinds that cannot. */
    public interface Replication {
        /** The members of a topology named {@code instance}, the primary first. */
        List<Member> members(String instance, Topology topology);

        /**
         * One look at whether the started members have found each other (every replica following the primary,
         * every watcher knowing the others): until they have, a failover would not happen.
         *
         * @param at how this process reaches each member
         * @throws Exception saying what is missing, while something is
         */
        void settled(String instance, Topology topology, java.util.Map<Member, Endpoint> at) throws Exception;

        /**
         * What the started members need from outside before they are one (Couchbase: each node set up, joined to the
         * first and rebalanced, then the bucket); nothing for kinds whose members find each other by themselves.
         * Called once every member runs, before {@link #settled} is waited for.
         *
         * @param at       how this process reaches each member, with its {@link Member#services} ports in the endpoint's ports
         * @param deadline {@link System#nanoTime()} by which it must be done
         */
        default void form(String instance, Topology topology, java.util.Map<Member, Endpoint> at, long deadline, Progress progress) throws Exception {
        }

        /**
         * The host name of the member that serves writes now (a failover moves it), asked quickly; null when that
         * cannot be told (then the first primary is given).
         *
         * @param login how to reach any member: the host and password; its port is replaced by each member's
         * @param ports each member's port, by {@link Member#key()}
         */
        default String primary(String instance, Endpoint login, java.util.Map<String, Integer> ports) {
            return null;
        }

        /**
         * The fewest {@code --replicas} with which the topology fails over by itself: one for a primary and its replica
         * watched from outside; two where the members must keep a majority after losing one (RabbitMQ, Couchbase).
         */
        default int replicasToFailOver() {
            return 1;
        }

        /** Refuses, as a usage error, a topology this kind cannot run (before anything starts). */
        default void check(Topology topology) {
        }

        /**
         * Whether the kind's topology always has a watcher of its own (PostgreSQL's promoter), so that {@code
         * --down-after} needs no {@code --sentinels}; Redis's are the Sentinels asked for.
         */
        default boolean watchesItself() {
            return false;
        }
    }
}
