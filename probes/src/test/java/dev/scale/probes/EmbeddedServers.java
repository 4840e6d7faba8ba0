package dev.scale.probes;

import dev.scale.providers.Dirs;
import dev.scale.providers.Instance;
import dev.scale.providers.Kinds;
import dev.scale.providers.Progress;
import dev.scale.providers.Spec;
import dev.scale.providers.embedded.EmbeddedProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real embedded Redis and PostgreSQL for a test class, started before its tests and removed after
 * them, with their state in a temporary directory; binaries unpack once into target/. Use it as
 * {@code @RegisterExtension static final EmbeddedServers servers = new EmbeddedServers("ttl");}.
 */
public final class EmbeddedServers implements BeforeAllCallback, AfterAllCallback {
    private final String prefix;
    private Path state;
    private EmbeddedProvider provider;
    private Instance redis;
    private Instance postgres;
    private Instance rabbitmq;
    private Instance s3;
    private boolean withRabbitmq;
    private boolean withS3;

    /** @param prefix of the instances' names, so that a leftover says which test made it */
    public EmbeddedServers(String prefix) {
        this.prefix = prefix;
    }

    public Instance redis() {
        return redis;
    }

    public Instance postgres() {
        return postgres;
    }

    /** Also an embedded AMQP broker (Qpid Broker-J), for the tests that need one. */
    public EmbeddedServers withRabbitmq() {
        withRabbitmq = true;
        return this;
    }

    public Instance rabbitmq() {
        return rabbitmq;
    }

    /** Also an embedded S3 API server (S3Proxy), for the tests that need one. */
    public EmbeddedServers withS3() {
        withS3 = true;
        return this;
    }

    public Instance s3() {
        return s3;
    }

    /** Restarts the instance's server (its supervisor stops and starts it on the same data and port). */
    public Instance restart(Instance instance) {
        return provider.restart(instance.name(), Progress.NONE);
    }

    private static final dev.scale.providers.Kind REDIS = new dev.scale.providers.kinds.redis.RedisKind();
    private static final dev.scale.providers.Kind POSTGRES = new dev.scale.providers.kinds.postgres.PostgresKind();
    private static final dev.scale.providers.Kind RABBITMQ = new dev.scale.providers.kinds.rabbitmq.RabbitmqKind();
    private static final dev.scale.providers.Kind S3 = new dev.scale.providers.kinds.s3.S3Kind();

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        state = Files.createTempDirectory("scale-servers");
        provider = new EmbeddedProvider(new Dirs(state, state.resolve("config"), Path.of("target/scale-test-cache").toAbsolutePath()),
                new Kinds(java.util.List.of(REDIS, POSTGRES, RABBITMQ, S3)), Clock.systemUTC());
        redis = provider.start(new Spec(prefix + "-redis", REDIS, null, null, Duration.ofMinutes(10)), Progress.NONE);
        postgres = provider.start(new Spec(prefix + "-pg", POSTGRES, null, null, Duration.ofMinutes(10)), Progress.NONE);
        if (withRabbitmq) {
            rabbitmq = provider.start(new Spec(prefix + "-mq", RABBITMQ, null, null, Duration.ofMinutes(10)), Progress.NONE);
        }
        if (withS3) {
            s3 = provider.start(new Spec(prefix + "-s3", S3, null, null, Duration.ofMinutes(10)), Progress.NONE);
        }
    }

    /** Runs even when beforeAll failed half-way: whatever started is removed. */
    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (redis != null) {
            provider.remove(redis.name());
        }
        if (postgres != null) {
            provider.remove(postgres.name());
        }
        if (rabbitmq != null) {
            provider.remove(rabbitmq.name());
        }
        if (s3 != null) {
            provider.remove(s3.name());
        }
        if (state != null) {
            try (var files = Files.walk(state)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
