package dev.scale.providers.kinds.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import java.nio.charset.StandardCharsets;

/** What a program does with the contract's URL alone, with the RabbitMQ Java client, for either broker's tests. */
public final class AmqpRoundTrip {
    private AmqpRoundTrip() {
    }

    /**
     * Connects with {@code url} (the client reads user, password, host, port and virtual host from it), publishes a
     * persistent message to a durable queue with a publisher confirm, reads it back with manual ack, and sees the queue empty.
     */
    public static void publishGetAck(String url, String queue, String messageId, String body) throws Exception {
        ConnectionFactory byUrl = new ConnectionFactory();
        byUrl.setUri(url);
        try (Connection c = byUrl.newConnection(); Channel ch = c.createChannel()) {
            ch.confirmSelect();
            ch.queueDeclare(queue, true, false, false, null);
            AMQP.BasicProperties persistent = MessageProperties.PERSISTENT_TEXT_PLAIN.builder().messageId(messageId).build();
            ch.basicPublish("", queue, persistent, body.getBytes(StandardCharsets.UTF_8));
            ch.waitForConfirmsOrDie(10_000);
            GetResponse got = ch.basicGet(queue, false);
            assertThat(new String(got.getBody(), StandardCharsets.UTF_8)).isEqualTo(body);
            assertThat(got.getProps().getMessageId()).isEqualTo(messageId);
            ch.basicAck(got.getEnvelope().getDeliveryTag(), false);
            assertThat(ch.messageCount(queue)).isZero();
        }
    }
}
