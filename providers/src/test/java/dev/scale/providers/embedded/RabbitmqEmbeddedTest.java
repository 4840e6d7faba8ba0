package dev.scale.providers.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.PossibleAuthenticationFailureException;
import dev.scale.providers.Dirs;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Instance;
import dev.scale.providers.Kinds;
import dev.scale.providers.Progress;
import dev.scale.providers.Secret;
import dev.scale.providers.Spec;
import dev.scale.providers.kinds.rabbitmq.AmqpRoundTrip;
import dev.scale.providers.kinds.rabbitmq.RabbitmqKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RabbitMQ's embedded broker (Qpid Broker-J, a JVM of its own) with the RabbitMQ Java client. */
class RabbitmqEmbeddedTest {
    private static final Path CACHE = Path.of("target/scale-test-cache").toAbsolutePath();

    @TempDir
    Path state;

    @Test
    void theEmbeddedBrokerTakesTheContractsUrlOnLoopbackOnlyAndDownLeavesNothing() throws Exception {
        Kinds kinds = new Kinds(List.of(new RabbitmqKind()));
        EmbeddedProvider provider = new EmbeddedProvider(new Dirs(state, state.resolve("config"), CACHE), kinds, Clock.systemUTC());
        Instance mq = provider.start(new Spec("events", kinds.byName("rabbitmq"), null, null, Duration.ofMinutes(5)), Progress.NONE);
        try {
            assertThat(mq.version()).isEqualTo("qpid-9.2.0");
            String url = mq.kind().env(mq.endpoint()).get("AMQP_URL");
            assertThat(url).startsWith("amqp://scale:").endsWith("@127.0.0.1:" + mq.endpoint().port() + "/%2F");
            AmqpRoundTrip.publishGetAck(url, "jobs", "job-1", "work");
            Endpoint wrong = new Endpoint("127.0.0.1", mq.endpoint().port(), "scale", Secret.of("not-the-password"), "/");
            assertThatThrownBy(() -> RabbitmqKind.factory(wrong, 5000).newConnection().close()).as("refused: Qpid closes the connection, as AMQP 0-9-1 says, where RabbitMQ also names the failure").isInstanceOf(PossibleAuthenticationFailureException.class);

            // the broker listens on 127.0.0.1 only, and its password is in no process's arguments
            String sockets = new String(new ProcessBuilder("ss", "-ltnH").start().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(sockets.lines().filter(l -> l.contains(":" + mq.endpoint().port() + " "))).isNotEmpty()
                    .allMatch(l -> l.contains("127.0.0.1:" + mq.endpoint().port()));
            long server = Long.parseLong(Files.readString(state.resolve("embedded/events/server.pid")).trim());
            String args = String.join(" ", ProcessHandle.of(server).orElseThrow().info().arguments().orElse(new String[0]));
            assertThat(args).contains("org.apache.qpid.server.Main").doesNotContain(mq.endpoint().password().reveal());
            assertThat(Files.getPosixFilePermissions(state.resolve("embedded/events/broker.properties")))
                    .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        } finally {
            assertThat(provider.remove("events")).isTrue();
        }
        assertThat(state.resolve("embedded/events")).doesNotExist();
    }
}
