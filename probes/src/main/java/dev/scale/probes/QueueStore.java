package dev.scale.probes;

import java.util.List;

/**
 * What the queue probe needs from a store that can carry messages: one or more ways of doing it (variants: Redis
 * has streams and pub/sub, PostgreSQL a table queue and LISTEN/NOTIFY), each a small set of operations the probe's
 * one workload engine drives. Each kind's adapter lives in its package under {@code dev.scale.probes.stores}.
 *
 * <p>The adapters report nothing about delivery themselves: lost, duplicated, redelivered and out-of-order
 * messages are counted by the engine from the ids it reads back out of the bodies it sent.
 */
public interface QueueStore extends AutoCloseable {

    /** The kind's name: rabbitmq, redis, postgres. */
    String kind();

    /** The ways this store carries messages, the one a user would reach for first at the head. */
    List<Variant> variants();

    /** How the server keeps messages over a restart, as it reports it: "RDB off, AOF off", "fsync on". */
    default String persistence() throws Exception {
        return "unknown";
    }

    @Override
    default void close() {
    }

    /** One way of carrying messages on this store. */
    interface Variant {
        /** As typed in {@code --variant}: queue, stream, pubsub, skip-locked, notify. */
        String name();

        /** What it is, in a few words, for the report: "durable queue, publisher confirms, manual ack". */
        String description();

        /**
         * Creates a queue that {@code groups} consumer groups each receive every message of (fan-out); with one
         * group, a plain queue.
         */
        void create(String queue, int groups) throws Exception;

        /** A producer on a connection of its own. */
        Publisher publisher(String queue) throws Exception;

        /**
         * A consumer in group {@code group} (0-based), on a connection of its own, receiving from the moment this
         * returns. {@code consumer} names it where the store names consumers (a Redis stream's group members).
         */
        Subscriber subscriber(String queue, int group, String consumer) throws Exception;

        /** Removes the queue and all its groups. */
        void delete(String queue, int groups) throws Exception;

        /**
         * How long a message taken by a consumer that died stays with it before another consumer may take it
         * (a Redis stream's pending entries are claimed once idle this long); 0 where the store gives it back at
         * once, when the connection drops.
         */
        default long reclaimAfterMillis() {
            return 0;
        }
    }

    /** A variant's name and description, held for its implementations. */
    abstract class Named implements Variant {
        private final String name;
        private final String description;

        protected Named(String name, String description) {
            this.name = name;
            this.description = description;
        }

        @Override
        public final String name() {
            return name;
        }

        @Override
        public final String description() {
            return description;
        }
    }

    /** Sends messages. */
    interface Publisher extends AutoCloseable {
        /**
         * Sends the bodies, in order. It may return while the last ones are still unconfirmed, to keep the pipe full;
         * {@link #flush} waits for all.
         */
        void publish(List<byte[]> bodies) throws Exception;

        /** Returns once the store has taken everything published (confirmed, committed, replied to). */
        void flush() throws Exception;

        @Override
        void close() throws Exception;
    }

    /** Receives messages. */
    interface Subscriber extends AutoCloseable {
        /** Up to {@code max} messages, waiting up to {@code waitMillis} for the first; empty when none came. */
        List<Delivery> take(int max, long waitMillis) throws Exception;

        /** Acknowledges these (a prefix of what was taken and not yet acknowledged, in order). */
        void ack(List<Delivery> taken) throws Exception;

        /** Dies: drops its connection without acknowledging what it holds, as a killed process would. */
        void crash();

        @Override
        void close() throws Exception;
    }

    /** A message as received: its body and what the store needs to acknowledge it. */
    record Delivery(byte[] body, Object handle) {
    }
}
