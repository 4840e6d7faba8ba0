package dev.scale.probes;

import dev.scale.providers.Dirs;
import dev.scale.providers.Instance;
import dev.scale.providers.Kinds;
import dev.scale.providers.Progress;
import dev.scale.providers.Spec;
import dev.scale.providers.embedded.EmbeddedProvider;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/** A real embedded Redis and PostgreSQL for a test class, removed on close. Binaries unpack once into target/. */
public final class EmbeddedServers implements AutoCloseable {
    public final Instance redis;
    public final Instance postgres;
    private final EmbeddedProvider provider;

    private EmbeddedServers(EmbeddedProvider provider, Instance redis, Instance postgres) {
        this.provider = provider;
        this.redis = redis;
        this.postgres = postgres;
    }

    public static EmbeddedServers start(Path state, String prefix) {
        EmbeddedProvider provider = new EmbeddedProvider(
                new Dirs(state, state.resolve("config"), Path.of("target/scale-test-cache").toAbsolutePath()), Clock.systemUTC());
        Instance redis = provider.start(new Spec(prefix + "-redis", Kinds.byName("redis"), null, null, Duration.ofMinutes(10)), Progress.NONE);
        Instance postgres;
        try {
            postgres = provider.start(new Spec(prefix + "-pg", Kinds.byName("postgres"), null, null, Duration.ofMinutes(10)), Progress.NONE);
        } catch (RuntimeException e) {
            provider.remove(redis.name());
            throw e;
        }
        return new EmbeddedServers(provider, redis, postgres);
    }

    @Override
    public void close() {
        provider.remove(redis.name());
        provider.remove(postgres.name());
    }
}
