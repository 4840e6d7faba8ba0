package dev.scale.providers;

import dev.scale.errors.ExitCode;
import dev.scale.errors.ScaleException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ContractTest {
    private static final Kind REDIS = TestKinds.KINDS.byName("redis");
    private static final Kind POSTGRES = TestKinds.KINDS.byName("postgres");

    private static Instance instance(String name, Kind kind, int port) {
        Endpoint e = new Endpoint("127.0.0.1", port, kind.defaultUsername(), Secret.of("pw" + port), kind.defaultDatabase());
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        return new Instance(name, kind, "1", "docker", e, now, now.plusSeconds(60), Instance.State.RUNNING);
    }

    @Test
    void redisUrlNamesTheDefaultUserBecauseRedisCli70RejectsAnEmptyOne() {
        Instance r = instance("redis", REDIS, 6400);
        assertThat(r.url()).isEqualTo("redis://default:pw6400@127.0.0.1:6400/0");
        assertThat(REDIS.env(r.endpoint())).containsExactly(
                Map.entry("REDIS_URL", "redis://default:pw6400@127.0.0.1:6400/0"),
                Map.entry("REDIS_HOST", "127.0.0.1"), Map.entry("REDIS_PORT", "6400"), Map.entry("REDIS_PASSWORD", "pw6400"));
    }

    @Test
    void couchbaseGivesTheSdksConnectionStringOnTheExternalNetworkAndTheBucket() {
        Kind couchbase = TestKinds.KINDS.byName("cb");
        Endpoint e = new Endpoint("127.0.0.1", 32790, "scale", Secret.of("pw"), "scale", Map.of("mgmt", 32788, "n1ql", 32789));
        assertThat(couchbase.env(e)).containsExactly(
                Map.entry("COUCHBASE_CONNECTION_STRING", "couchbase://127.0.0.1:32790?network=external"),
                Map.entry("COUCHBASE_USERNAME", "scale"), Map.entry("COUCHBASE_PASSWORD", "pw"), Map.entry("COUCHBASE_BUCKET", "scale"));
        assertThat(couchbase.officialImage(couchbase.defaultVersion())).isEqualTo("couchbase:community-7.6.2");
        // a server reached directly (a URL the user gives) keeps the SDK's own network choice
        assertThat(couchbase.url(new Endpoint("db.example", 11210, "u", Secret.of("p"), "b"))).isEqualTo("couchbase://db.example:11210");
    }

    @Test
    void postgresGivesUrlJdbcAndLibpqVariables() {
        Instance p = instance("db", POSTGRES, 5500);
        Map<String, String> env = POSTGRES.env(p.endpoint());
        assertThat(env.get("DATABASE_URL")).isEqualTo("postgresql://scale:pw5500@127.0.0.1:5500/scale");
        assertThat(env.get("JDBC_DATABASE_URL")).startsWith("jdbc:postgresql://127.0.0.1:5500/scale?user=scale&password=pw5500");
        assertThat(env).containsKeys("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE");
    }

    @Test
    void severalInstancesOfOneKindArePrefixedWithTheirNamesOthersAreNot() {
        Map<String, String> env = ConnectionEnv.of(List.of(instance("cache", REDIS, 1), instance("redis-2", REDIS, 2),
                instance("db", POSTGRES, 3)));
        assertThat(env).containsKeys("CACHE_REDIS_URL", "REDIS_2_REDIS_URL", "DATABASE_URL", "PGHOST");
        assertThat(env).doesNotContainKey("REDIS_URL");
    }

    @Test
    void secretsRedactThemselvesAndAreFreshAndLong() {
        Secret s = Secret.random();
        assertThat(s.toString()).isEqualTo("****").doesNotContain(s.reveal());
        assertThat(s.reveal()).hasSize(24).matches("[A-Za-z0-9]+");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            seen.add(Secret.random().reveal());
        }
        assertThat(seen).hasSize(1000);
        Endpoint e = new Endpoint("h", 1, "u", s, null);
        assertThat(e.toString()).doesNotContain(s.reveal());
    }

    @Test
    void unknownKindSuggestsTheNearest() {
        assertThatThrownBy(() -> TestKinds.KINDS.byName("redsi"))
                .isInstanceOf(ScaleException.class)
                .satisfies(e -> {
                    ScaleException se = (ScaleException) e;
                    assertThat(se.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(se.oneLine()).contains("unknown kind 'redsi'").contains("did you mean redis?");
                });
        assertThat(TestKinds.KINDS.byName("PostgreSQL")).isSameAs(POSTGRES);
        assertThat(TestKinds.KINDS.parse("redis:7.2").version()).isEqualTo("7.2");
        assertThatThrownBy(() -> TestKinds.KINDS.parse("redis:latest;rm")).hasMessageContaining("bad version 'latest;rm'");
    }

    @Test
    void ttlsParseAndAreBounded() {
        assertThat(Names.parseTtl("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Names.parseTtl("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Names.parseTtl("7d")).isEqualTo(Duration.ofDays(7));
        for (String bad : List.of("", "0s", "10y", "8d", "-5m", "5", "99999999999999999999d")) {
            assertThatThrownBy(() -> Names.parseTtl(bad)).as(bad).isInstanceOf(ScaleException.class)
                    .extracting(e -> ((ScaleException) e).exitCode()).isEqualTo(ExitCode.USAGE);
        }
    }

    @Test
    void namesAreShellSafeAndDefaultsCountUp() {
        assertThat(Names.checkName("cache-1")).isEqualTo("cache-1");
        for (String bad : List.of("Cache", "1abc", "a;rm -rf /", "a b", "x-", "$(id)", "a".repeat(41))) {
            assertThatThrownBy(() -> Names.checkName(bad)).as(bad).isInstanceOf(ScaleException.class);
        }
        assertThat(Names.nextFree("redis", Set.of())).isEqualTo("redis");
        assertThat(Names.nextFree("redis", Set.of("redis", "redis-2"))).isEqualTo("redis-3");
    }

    @Test
    void imagesComeFromTheInstanceThenEnvThenConfigThenTheRegistryPrefixedOfficialOne() {
        java.util.Properties file = new java.util.Properties();
        Spec spec = new Spec("r", REDIS, null, null, Duration.ofMinutes(1));
        assertThat(new Config(file, Map.of()).image(spec)).isEqualTo("redis:7.4");
        assertThat(new Config(file, Map.of("SCALE_REGISTRY", "mirror.example/hub")).image(spec)).isEqualTo("mirror.example/hub/redis:7.4");
        file.setProperty("image.redis", "from-config:1");
        assertThat(new Config(file, Map.of()).image(spec)).isEqualTo("from-config:1");
        assertThat(new Config(file, Map.of("SCALE_IMAGE_REDIS", "from-env:2")).image(spec)).isEqualTo("from-env:2");
        assertThat(new Config(file, Map.of("SCALE_IMAGE_REDIS", "from-env:2")).image(new Spec("r", REDIS, null, "mine:3", Duration.ofMinutes(1))))
                .isEqualTo("mine:3");
    }
}
