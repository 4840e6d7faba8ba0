package dev.scale.probes.stores.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.MessageProperties;
import dev.scale.errors.ScaleException;
import dev.scale.probes.QueueStore;
import dev.scale.providers.Endpoint;
import dev.scale.providers.kinds.rabbitmq.RabbitmqKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The queue probe on an AMQP 0-9-1 broker, the way RabbitMQ's own guides say not to lose a message: a durable queue,
 * persistent messages, publisher confirms (a window of one batch in flight beyond the one being sent, as PerfTest's
 * {@code --confirm}), and consumers that acknowledge by hand with a prefetch of 500. Each queue is a fanout exchange
 * with one durable queue per consumer group bound to it.
 */
public final class RabbitmqQueues implements QueueStore {
    private static final int PREFETCH = 500;
    private final Endpoint endpoint;
    private final Connection admin;

    public RabbitmqQueues(Endpoint endpoint) {
        this.endpoint = endpoint;
        this.admin = connect(endpoint, "scale-probe-admin");
    }

    static Connection connect(Endpoint e, String name) {
        return RabbitmqKind.connect(e, name);
    }

    @Override
    public String kind() {
        return "rabbitmq";
    }

    @Override
    public List<Variant> variants() {
        return List.of(new Durable());
    }

    @Override
    public String persistence() {
        Object product = admin.getServerProperties().get("product");
        return "durable queues, persistent messages (" + (product == null ? "AMQP broker" : product) + ")";
    }

    @Override
    public void close() {
        try {
            admin.close(2000);
        } catch (IOException | RuntimeException ignored) {
            // closing anyway
        }
    }

    static String queueOf(String queue, int group) {
        return queue + ".g" + group;
    }

    private final class Durable extends Named {
        Durable() {
            super("queue", "durable queue, persistent messages, publisher confirms, manual ack");
        }

        @Override
        public void create(String queue, int groups) throws Exception {
            try (Channel ch = admin.createChannel()) {
                ch.exchangeDeclare(queue, BuiltinExchangeType.FANOUT, true);
                for (int g = 0; g < groups; g++) {
                    ch.queueDeclare(queueOf(queue, g), true, false, false, null);
                    ch.queueBind(queueOf(queue, g), queue, "");
                }
            }
        }

        @Override
        public Publisher publisher(String queue) {
            return new ConfirmedPublisher(connect(endpoint, "scale-probe-producer"), queue);
        }

        @Override
        public Subscriber subscriber(String queue, int group, String consumer) throws Exception {
            return new AckingSubscriber(connect(endpoint, "scale-probe-" + consumer), queueOf(queue, group));
        }

        @Override
        public void delete(String queue, int groups) throws Exception {
            try (Channel ch = admin.createChannel()) {
                for (int g = 0; g < groups; g++) {
                    ch.queueDelete(queueOf(queue, g));
                }
                ch.exchangeDelete(queue);
            }
        }
    }

    /** Publishes with confirms, keeping at most one batch unconfirmed while the next is sent. */
    private static final class ConfirmedPublisher implements Publisher {
        private final Connection connection;
        private final Channel channel;
        private final String exchange;
        private final Object lock = new Object();
        /** Sequence numbers up to this one are confirmed. */
        private long confirmedUpTo;
        private long nacked;
        private long lastSent;

        ConfirmedPublisher(Connection connection, String exchange) {
            this.connection = connection;
            this.exchange = exchange;
            try {
                channel = connection.createChannel();
                channel.confirmSelect();
            } catch (IOException e) {
                throw ScaleException.environment("cannot open a channel: " + e.getMessage(), null, e);
            }
            channel.addConfirmListener(new ConfirmListener() {
                @Override
                public void handleAck(long tag, boolean multiple) {
                    confirmed(tag);
                }

                @Override
                public void handleNack(long tag, boolean multiple) {
                    synchronized (lock) {
                        nacked++;
                    }
                    confirmed(tag);
                }
            });
        }

        /** Confirms may come out of order for single tags; counting the highest is enough to know when all are in. */
        private void confirmed(long tag) {
            synchronized (lock) {
                confirmedUpTo = Math.max(confirmedUpTo, tag);
                lock.notifyAll();
            }
        }

        @Override
        public void publish(List<byte[]> bodies) throws Exception {
            long window = lastSent;
            AMQP.BasicProperties persistent = MessageProperties.PERSISTENT_BASIC;
            for (byte[] b : bodies) {
                channel.basicPublish(exchange, "", persistent, b);
            }
            lastSent = channel.getNextPublishSeqNo() - 1;
            await(window); // the batch before this one is confirmed: one batch in flight
        }

        @Override
        public void flush() throws Exception {
            await(lastSent);
        }

        private void await(long upTo) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            synchronized (lock) {
                while (confirmedUpTo < upTo) {
                    if (!channel.isOpen()) {
                        throw new IOException("the broker closed the channel: " + channel.getCloseReason().getMessage());
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new TimeoutException("the broker did not confirm within 60 s");
                    }
                    lock.wait(Math.max(1, Math.min(100, left / 1_000_000)));
                }
                if (nacked > 0) {
                    throw new IOException("the broker refused " + nacked + " messages (nack)");
                }
            }
        }

        @Override
        public void close() throws Exception {
            connection.close(5000);
        }
    }

    /** Consumes with manual acknowledgement; the broker pushes up to the prefetch into a local buffer. */
    private static final class AckingSubscriber implements Subscriber {
        private final Connection connection;
        private final Channel channel;
        private final LinkedBlockingQueue<Delivery> arrived = new LinkedBlockingQueue<>();

        AckingSubscriber(Connection connection, String queue) throws IOException {
            this.connection = connection;
            this.channel = connection.createChannel();
            channel.basicQos(PREFETCH);
            channel.basicConsume(queue, false, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                    arrived.add(new Delivery(body, envelope.getDeliveryTag()));
                }
            });
        }

        @Override
        public List<Delivery> take(int max, long waitMillis) throws Exception {
            List<Delivery> out = new ArrayList<>();
            Delivery first = arrived.poll(waitMillis, TimeUnit.MILLISECONDS);
            if (first != null) {
                out.add(first);
                arrived.drainTo(out, max - 1);
            }
            return out;
        }

        @Override
        public void ack(List<Delivery> taken) throws Exception {
            if (!taken.isEmpty()) {
                channel.basicAck((Long) taken.get(taken.size() - 1).handle(), true);
            }
        }

        @Override
        public void crash() {
            connection.abort(); // no close handshake, nothing acknowledged: as a killed process
        }

        @Override
        public void close() {
            connection.abort(2000); // what it took and did not acknowledge goes back to the queue, as on any close
        }
    }
}
