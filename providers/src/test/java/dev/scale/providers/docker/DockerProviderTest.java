package dev.scale.providers.docker;

import dev.scale.providers.TestKinds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.scale.providers.Config;
import dev.scale.providers.Dirs;
import dev.scale.errors.ExitCode;
import dev.scale.providers.Instance;
import dev.scale.providers.lifecycle.Instances;
import dev.scale.providers.Progress;
import dev.scale.providers.RequireDocker;
import dev.scale.errors.ScaleException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** The Docker provider against a real engine, with real clients. Images come from SCALE_IMAGE_* (see .ci/run). */
class DockerProviderTest {
    @TempDir
    Path home;
    DockerClient docker;
    Instances instances;
    DockerProvider provider;

    @BeforeEach
    void setUp() {
        docker = RequireDocker.client();
        Dirs dirs = new Dirs(home.resolve("state"), home.resolve("config"), home.resolve("cache"));
        Config config = Config.load(dirs, System.getenv());
        instances = new Instances(dirs, config, TestKinds.KINDS, System.getenv(), Clock.systemUTC(), dev.scale.providers.managed.Reaper.none(Clock.systemUTC()));
        provider = (DockerProvider) instances.choose("docker", note -> { });
    }

    private static String unique(String base) {
        return base + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
    }

    private List<Container> containersNamed(String name) {
        return docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of("dev.scale.managed", "true", "dev.scale.name", name)).exec();
    }

    @Test
    void upGivesEndpointsRealClientsUseAndDownLeavesNothing() throws Exception {
        Path tcProperties = Path.of(System.getProperty("user.home"), ".testcontainers.properties");
        String tcBefore = java.nio.file.Files.exists(tcProperties) ? java.nio.file.Files.readString(tcProperties) : null;
        int volumesBefore = docker.listVolumesCmd().exec().getVolumes() == null ? 0 : docker.listVolumesCmd().exec().getVolumes().size();
        String r = unique("it-redis");
        Instance redis = instances.up(List.of(TestKinds.KINDS.parse("redis")), r, Duration.ofMinutes(5), null, provider, Progress.NONE).get(0);
        String p = unique("it-pg");
        Instance pg = instances.up(List.of(TestKinds.KINDS.parse("postgres")), p, Duration.ofMinutes(5), null, provider, Progress.NONE).get(0);
        try {
            try (Jedis jedis = new Jedis(java.net.URI.create(redis.url()))) {
                assertThat(jedis.set("greeting", "hello")).isEqualTo("OK");
                assertThat(jedis.get("greeting")).isEqualTo("hello");
            }
            try (Jedis anonymous = new Jedis(redis.endpoint().host(), redis.endpoint().port())) {
                assertThatThrownBy(anonymous::ping).hasMessageContaining("NOAUTH");
            }
            Properties login = new Properties();
            login.setProperty("user", pg.endpoint().username());
            login.setProperty("password", pg.endpoint().password().reveal());
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.endpoint().port() + "/scale", login);
                 ResultSet rs = c.createStatement().executeQuery("select current_user, current_database()")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("scale");
                assertThat(rs.getString(2)).isEqualTo("scale");
            }
            // Published on the loopback interface only.
            var bindings = docker.inspectContainerCmd(containersNamed(r).get(0).getId()).exec().getNetworkSettings().getPorts().getBindings();
            bindings.values().forEach(bs -> {
                for (var b : bs) {
                    assertThat(b.getHostIp()).isEqualTo("127.0.0.1");
                }
            });

            // Another scale process sees both, with their passwords, from the containers alone.
            Instances other = new Instances(new Dirs(home.resolve("s2"), home.resolve("c2"), home.resolve("k2")),
                    Config.load(new Dirs(home.resolve("s2"), home.resolve("c2"), home.resolve("k2")), System.getenv()),
                    TestKinds.KINDS, System.getenv(), Clock.systemUTC(), dev.scale.providers.managed.Reaper.none(Clock.systemUTC()));
            Instance seen = other.find(p);
            assertThat(seen.url()).isEqualTo(pg.url());
            assertThat(seen.state()).isEqualTo(Instance.State.RUNNING);
            assertThat(seen.expiresAt()).isEqualTo(pg.expiresAt());
        } finally {
            assertThat(instances.down(List.of(r, p))).containsEntry(r, true).containsEntry(p, true);
        }
        assertThat(containersNamed(r)).isEmpty();
        assertThat(containersNamed(p)).isEmpty();
        int volumesAfter = docker.listVolumesCmd().exec().getVolumes() == null ? 0 : docker.listVolumesCmd().exec().getVolumes().size();
        assertThat(volumesAfter).isEqualTo(volumesBefore);
        assertThat(instances.down(List.of(r))).containsEntry(r, false);
        String tcAfter = java.nio.file.Files.exists(tcProperties) ? java.nio.file.Files.readString(tcProperties) : null;
        assertThat(tcAfter).as("scale writes nothing in the user's home").isEqualTo(tcBefore);
    }

    @Test
    void containerRemovesItselfWhenItsTimeToLivePassesWithNoScaleCommand() throws Exception {
        String r = unique("it-ttl");
        instances.up(List.of(TestKinds.KINDS.parse("redis")), r, Duration.ofSeconds(3), null, provider, Progress.NONE);
        assertThat(containersNamed(r)).hasSize(1);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!containersNamed(r).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }
        assertThat(containersNamed(r)).as("container gone after its TTL, asking only Docker").isEmpty();
    }

    /**
     * docker restart: the server stops with the kind's signal and starts on the container's own data; the port is
     * published anew (the instance read back has it); and the TTL's end stays where it was, not a TTL later.
     */
    @Test
    void aRestartedContainerKeepsItsDataAndTheEndOfItsTimeToLive() throws Exception {
        String p = unique("it-restart");
        Instance pg = instances.up(List.of(TestKinds.KINDS.parse("postgres")), p, Duration.ofSeconds(20), null, provider, Progress.NONE).get(0);
        dev.scale.providers.Sql.execute(pg, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before the restart')");
        Thread.sleep(Math.max(0, java.time.Duration.between(java.time.Instant.now(), pg.createdAt().plusSeconds(8)).toMillis()));
        Instance again = instances.restart(p, Progress.NONE);
        assertThat(again.expiresAt()).isEqualTo(pg.expiresAt());
        assertThat(dev.scale.providers.Sql.first(again, "SELECT v FROM kept")).isEqualTo("before the restart");
        // a wrapper that slept a whole TTL again would keep it until 8 s + 20 s after the start
        long deadline = System.nanoTime() + java.time.Duration.between(java.time.Instant.now(), pg.expiresAt().plusSeconds(5)).toNanos();
        while (!containersNamed(p).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }
        assertThat(containersNamed(p)).as("gone at the end of the TTL it was started with").isEmpty();
    }

    @Test
    void aServerThatCannotStartLeavesNoContainer() {
        String p = unique("it-broken");
        // A Redis image cannot run `postgres`: the container exits during start-up.
        String redisImage = new Config(new Properties(), System.getenv()).image(new dev.scale.providers.Spec("x", TestKinds.KINDS.byName("redis"), null, null, Duration.ofMinutes(1)));
        assertThatThrownBy(() -> instances.up(List.of(TestKinds.KINDS.parse("postgres")), p, Duration.ofMinutes(1), redisImage, provider, Progress.NONE))
                .isInstanceOf(ScaleException.class)
                .hasMessageContaining("postgres container for '" + p + "'");
        assertThat(containersNamed(p)).isEmpty();
    }

    @Test
    void aMissingImageNamesItAndHowToOverrideIt() {
        String r = unique("it-noimage");
        assertThatThrownBy(() -> instances.up(List.of(TestKinds.KINDS.parse("redis")), r, Duration.ofMinutes(1),
                "scale-test/does-not-exist:0", provider, Progress.NONE))
                .isInstanceOfSatisfying(ScaleException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.ENVIRONMENT);
                    assertThat(e.oneLine()).contains("scale-test/does-not-exist:0").contains("--image").contains("SCALE_IMAGE_REDIS");
                });
        assertThat(containersNamed(r)).isEmpty();
    }

    @Test
    void aNameInUseIsRefused() {
        String r = unique("it-dup");
        instances.up(List.of(TestKinds.KINDS.parse("redis")), r, Duration.ofMinutes(2), null, provider, Progress.NONE);
        try {
            assertThatThrownBy(() -> instances.up(List.of(TestKinds.KINDS.parse("redis")), r, Duration.ofMinutes(2), null, provider, Progress.NONE))
                    .isInstanceOfSatisfying(ScaleException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE));
            assertThat(containersNamed(r)).hasSize(1);
        } finally {
            instances.down(List.of(r));
        }
    }

    @Test
    void aVersionTheImageContradictsIsRefusedAndLeavesNoContainer() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("SCALE_IMAGE_REDIS") != null, "needs an image override, as CI sets");
        String r = unique("it-ver");
        // the test image (SCALE_IMAGE_REDIS, Debian's redis 7.0) answers for any version asked: scale reads the server's own
        assertThatThrownBy(() -> instances.up(List.of(TestKinds.KINDS.parse("redis:99")), r, Duration.ofMinutes(2), null, provider, Progress.NONE))
                .isInstanceOfSatisfying(ScaleException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.oneLine()).contains("asked for redis 99, but image ").contains(" runs redis 7.").contains("ask for redis:7.");
                });
        assertThat(containersNamed(r)).isEmpty();
        Instance ok = instances.up(List.of(TestKinds.KINDS.parse("redis:7")), r, Duration.ofMinutes(2), null, provider, Progress.NONE).get(0);
        try {
            assertThat(ok.version()).isEqualTo("7");
        } finally {
            instances.down(List.of(r));
        }
    }
}
