package dev.scale.providers.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.rabbitmq.client.AuthenticationFailureException;
import dev.scale.providers.Config;
import dev.scale.providers.Dirs;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Instance;
import dev.scale.providers.Kinds;
import dev.scale.providers.Progress;
import dev.scale.providers.RequireDocker;
import dev.scale.providers.TestKinds;
import dev.scale.providers.kinds.rabbitmq.AmqpRoundTrip;
import dev.scale.providers.kinds.rabbitmq.RabbitmqKind;
import dev.scale.providers.lifecycle.Instances;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RabbitMQ in a container from SCALE_IMAGE_RABBITMQ (CI builds it from Debian's rabbitmq-server), with the RabbitMQ Java client. */
class RabbitmqContainerTest {
    @TempDir
    Path home;

    @Test
    void anInstanceTakesTheContractsLoginAndCarriesDurableMessagesAndDownLeavesNothing() throws Exception {
        DockerClient docker = RequireDocker.client();
        List<dev.scale.providers.Kind> kinds = new ArrayList<>(TestKinds.KINDS.all());
        kinds.add(new RabbitmqKind());
        Kinds registry = new Kinds(kinds);
        Dirs dirs = new Dirs(home.resolve("state"), home.resolve("config"), home.resolve("cache"));
        Instances instances = new Instances(dirs, Config.load(dirs, System.getenv()), registry, System.getenv(), Clock.systemUTC(),
                dev.scale.providers.managed.Reaper.none(Clock.systemUTC()));
        DockerProvider provider = (DockerProvider) instances.choose("docker", note -> { });
        String name = "it-rabbit-" + Integer.toHexString((int) (System.nanoTime() & 0xffff));
        Instance mq = instances.up(List.of(registry.parse("rabbitmq")), name, Duration.ofMinutes(5), null, provider, Progress.NONE).get(0);
        try {
            Map<String, String> env = mq.kind().env(mq.endpoint());
            assertThat(env.keySet()).containsExactly("AMQP_URL", "RABBITMQ_URL", "RABBITMQ_HOST", "RABBITMQ_PORT", "RABBITMQ_USER",
                    "RABBITMQ_PASSWORD", "RABBITMQ_VHOST");
            assertThat(env.get("AMQP_URL")).isEqualTo(env.get("RABBITMQ_URL"))
                    .startsWith("amqp://scale:").endsWith("@127.0.0.1:" + mq.endpoint().port() + "/%2F");
            assertThat(env.get("RABBITMQ_VHOST")).isEqualTo("/");
            assertThat(mq.version()).startsWith("3.");

            // what a program does with the URL alone: the client reads the user, password, host, port and virtual host from it
            AmqpRoundTrip.publishGetAck(env.get("AMQP_URL"), "orders", "order-1", "one");

            Endpoint wrong = new Endpoint(mq.endpoint().host(), mq.endpoint().port(), "scale", dev.scale.providers.Secret.of("not-the-password"), "/");
            assertThatThrownBy(() -> RabbitmqKind.factory(wrong, 5000).newConnection().close()).isInstanceOf(AuthenticationFailureException.class);
            Endpoint guest = new Endpoint(mq.endpoint().host(), mq.endpoint().port(), "guest", dev.scale.providers.Secret.of("guest"), "/");
            assertThatThrownBy(() -> RabbitmqKind.factory(guest, 5000).newConnection().close()).as("no guest user").isInstanceOf(AuthenticationFailureException.class);

            // the password never shows in the container's command line
            var containers = docker.listContainersCmd().withLabelFilter(Map.of("dev.scale.name", name)).exec();
            assertThat(containers).hasSize(1);
            assertThat(String.join(" ", docker.inspectContainerCmd(containers.get(0).getId()).exec().getArgs()))
                    .contains("rabbitmq-server").doesNotContain(mq.endpoint().password().reveal());
        } finally {
            instances.down(List.of(name));
        }
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of("dev.scale.name", name)).exec()).isEmpty();
    }
}
