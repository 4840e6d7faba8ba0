package dev.scale.providers.embedded;

import dev.scale.providers.TestKinds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scale.providers.Dirs;
import dev.scale.errors.ExitCode;
import dev.scale.providers.Instance;
import dev.scale.providers.Progress;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** The embedded provider with the real redis-server and PostgreSQL binaries it carries. */
class EmbeddedProviderTest {
    /** Shared across tests so the binaries unpack once, as they would for a user. */
    private static final Path CACHE = Path.of("target/scale-test-cache").toAbsolutePath();

    @TempDir
    Path state;
    EmbeddedProvider provider;
    Dirs dirs;

    @BeforeEach
    void setUp() {
        dirs = new Dirs(state, state.resolve("config"), CACHE);
        provider = new EmbeddedProvider(dirs, TestKinds.KINDS, Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        provider.list().forEach(i -> provider.remove(i.name()));
    }

    private Instance start(String name, String kind, Duration ttl) {
        return provider.start(new Spec(name, TestKinds.KINDS.byName(kind), null, null, ttl), Progress.NONE);
    }

    private Set<Long> serverPids() throws Exception {
        Set<Long> pids = new HashSet<>();
        try (var dirsStream = Files.list(state.resolve("embedded"))) {
            for (Path d : dirsStream.filter(Files::isDirectory).toList()) {
                for (String f : List.of("server.pid", "supervisor.pid")) {
                    if (Files.exists(d.resolve(f))) {
                        pids.add(Long.parseLong(Files.readString(d.resolve(f)).trim()));
                    }
                }
            }
        }
        return pids;
    }

    /** Running, that is: a zombie that init has yet to reap (see aZombieIsNotRunning) has ended. */
    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(EmbeddedProvider::running).orElse(false);
    }

    @Test
    void redisAndPostgresAnswerRealClientsWithPasswordsAndDownRemovesProcessesAndData() throws Exception {
        Instance redis = start("cache", "redis", Duration.ofMinutes(5));
        Instance pg = start("db", "postgres", Duration.ofMinutes(5));
        Set<Long> pids = serverPids();
        assertThat(pids).hasSize(4).allMatch(EmbeddedProviderTest::alive);

        try (Jedis jedis = new Jedis(java.net.URI.create(redis.url()))) {
            assertThat(jedis.set("k", "v")).isEqualTo("OK");
            assertThat(jedis.get("k")).isEqualTo("v");
            assertThat(jedis.configGet("save").get("save")).isEmpty();
        }
        try (Jedis anonymous = new Jedis(redis.endpoint().host(), redis.endpoint().port())) {
            assertThatThrownBy(anonymous::ping).hasMessageContaining("NOAUTH");
        }
        Properties login = new Properties();
        login.setProperty("user", "scale");
        login.setProperty("password", pg.endpoint().password().reveal());
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.endpoint().port() + "/scale", login);
             ResultSet rs = c.createStatement().executeQuery("show listen_addresses")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("127.0.0.1");
        }
        Properties wrong = new Properties();
        wrong.setProperty("user", "scale");
        wrong.setProperty("password", "not-the-password");
        assertThatThrownBy(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.endpoint().port() + "/scale", wrong))
                .hasMessageContaining("password authentication failed");

        Path record = state.resolve("embedded/db/instance.json");
        assertThat(Files.getPosixFilePermissions(record)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(Files.getPosixFilePermissions(state.resolve("embedded/db")))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

        // Another scale process lists both from the records alone.
        EmbeddedProvider other = new EmbeddedProvider(dirs, TestKinds.KINDS, Clock.systemUTC());
        assertThat(other.list()).extracting(Instance::name).containsExactly("cache", "db");
        assertThat(other.list()).allMatch(i -> i.state() == Instance.State.RUNNING);

        assertThat(other.remove("cache")).isTrue();
        assertThat(other.remove("db")).isTrue();
        assertThat(other.remove("db")).isFalse();
        assertThat(pids).noneMatch(EmbeddedProviderTest::alive);
        assertThat(state.resolve("embedded/cache")).doesNotExist();
        assertThat(state.resolve("embedded/db")).doesNotExist();
        assertThat(state.resolve("embedded/cache/dump.rdb")).doesNotExist();
    }

    /**
     * A PostgreSQL instance starts from a spare copy of the template made ahead, taken by a rename; the next spare is
     * made in the background. Instances so made share nothing: a table in one is not in the next, and each has its
     * own password.
     */
    @Test
    void postgresStartsFromASpareCopyAndSharesNothing() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.getFileStore(CACHE).equals(Files.getFileStore(state)),
                "the cache and the instances on one file system (a spare is renamed into an instance)");
        Instance first = start("first", "postgres", Duration.ofMinutes(5));
        Path spares;
        try (var templates = Files.list(CACHE.resolve("bin"))) {
            spares = templates.filter(p -> p.getFileName().toString().startsWith("postgres-") && p.getFileName().toString().endsWith(".template"))
                    .findFirst().orElseThrow().resolve("spares");   // PostgresEmbedded.SPARES
        }
        Path spare = awaitSpare(spares, Duration.ofSeconds(60));
        Properties login = new Properties();
        login.setProperty("user", "scale");
        login.setProperty("password", first.endpoint().password().reveal());
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + first.endpoint().port() + "/scale", login)) {
            c.createStatement().execute("CREATE TABLE only_in_first (id int)");
        }

        Instance second = start("second", "postgres", Duration.ofMinutes(5));
        assertThat(spare).as("taken by the second instance").doesNotExist();
        assertThat(second.endpoint().password().reveal()).isNotEqualTo(first.endpoint().password().reveal());
        login.setProperty("password", second.endpoint().password().reveal());
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + second.endpoint().port() + "/scale", login);
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_first'")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
        assertThat(awaitSpare(spares, Duration.ofSeconds(60))).as("the next spare, made in the background").exists();
    }

    /** A ready spare, once one exists; fails after the timeout. */
    private static Path awaitSpare(Path spares, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.isDirectory(spares)) {
                try (var list = Files.list(spares)) {
                    var ready = list.filter(p -> p.getFileName().toString().startsWith("ready-")).findFirst();
                    if (ready.isPresent()) {
                        return ready.get();
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no ready spare in " + spares + " after " + timeout);
    }

    /** A process that has exited but that its parent has not reaped (a zombie) does not run: down must not wait for it. */
    @Test
    void aZombieIsNotRunning() throws Exception {
        Path pidFile = state.resolve("zombie.pid");
        Files.createDirectories(state);
        // sh starts a short sleep, then becomes a long one (exec), which never reaps the short one's exit
        Process parent = new ProcessBuilder("sh", "-c", "sleep 0.1 & echo $! > \"$0\"; exec sleep 30", pidFile.toString()).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!(Files.exists(pidFile) && !Files.readString(pidFile).isBlank()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            ProcessHandle child = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).orElseThrow();
            assertThat(EmbeddedProvider.running(child)).as("sleeping").isTrue();
            while (Files.readString(Path.of("/proc/" + child.pid() + "/stat")).matches("(?s).*\\) [^Z].*") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(child.isAlive()).as("a zombie, as ProcessHandle sees it").isTrue();
            assertThat(EmbeddedProvider.running(child)).as("a zombie, as scale sees it").isFalse();
            assertThat(EmbeddedProvider.running(ProcessHandle.current())).isTrue();
        } finally {
            parent.destroyForcibly().waitFor();
        }
    }

    @Test
    void theSupervisorEndsTheInstanceWhenItsTimeToLivePasses() throws Exception {
        start("short", "redis", Duration.ofSeconds(2));
        Set<Long> pids = serverPids();
        assertThat(pids).as("the server and its supervisor").hasSize(2);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (Files.exists(state.resolve("embedded/short")) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(state.resolve("embedded/short")).as("directory removed by the supervisor, no scale call").doesNotExist();
        // the supervisor exits right after removing it
        while (pids.stream().anyMatch(EmbeddedProviderTest::alive) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(pids).noneMatch(EmbeddedProviderTest::alive);
    }

    /** The supervisor restarts the server on SIGUSR1: same data, same port, and the same end of its time to live. */
    @Test
    void aRestartedServerKeepsItsDataItsPortAndTheEndOfItsTimeToLive() throws Exception {
        Instance pg = start("again", "postgres", Duration.ofSeconds(12));
        dev.scale.providers.Sql.execute(pg, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before the restart')");
        long serverBefore = Long.parseLong(Files.readString(state.resolve("embedded/again/server.pid")).trim());
        Thread.sleep(4000);
        Instance again = provider.restart("again", Progress.NONE);
        assertThat(again.endpoint().port()).isEqualTo(pg.endpoint().port());
        assertThat(Long.parseLong(Files.readString(state.resolve("embedded/again/server.pid")).trim())).isNotEqualTo(serverBefore);
        assertThat(alive(serverBefore)).as("the old server stopped").isFalse();
        assertThat(dev.scale.providers.Sql.first(again, "SELECT v FROM kept")).isEqualTo("before the restart");
        long deadline = System.nanoTime() + java.time.Duration.between(java.time.Instant.now(), pg.expiresAt().plusSeconds(5)).toNanos();
        while (Files.exists(state.resolve("embedded/again")) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(state.resolve("embedded/again")).as("removed at the end of the TTL it was started with").doesNotExist();
    }

    @Test
    void aKilledServerShowsAsDeadAndDownCleansIt() throws Exception {
        start("victim", "redis", Duration.ofMinutes(5));
        long server = Long.parseLong(Files.readString(state.resolve("embedded/victim/server.pid")).trim());
        ProcessHandle.of(server).orElseThrow().destroyForcibly();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (provider.list().get(0).state() != Instance.State.DEAD && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(provider.list()).singleElement().extracting(Instance::state).isEqualTo(Instance.State.DEAD);
        assertThat(provider.remove("victim")).isTrue();
        assertThat(state.resolve("embedded/victim")).doesNotExist();
        assertThat(provider.list()).isEmpty();
    }

    @Test
    void instancesStartedAtTheSameMomentByTwoProcessesNeverCollide() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Instance>> futures = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                // Two providers stand for two scale processes sharing one state directory.
                EmbeddedProvider p = i % 2 == 0 ? provider : new EmbeddedProvider(dirs, TestKinds.KINDS, Clock.systemUTC());
                String name = "par-" + i;
                Callable<Instance> task = () -> p.start(new Spec(name, TestKinds.KINDS.byName("redis"), null, null, Duration.ofMinutes(2)), Progress.NONE);
                futures.add(pool.submit(task));
            }
            Set<Integer> ports = new HashSet<>();
            for (Future<Instance> f : futures) {
                Instance i = f.get();
                ports.add(i.endpoint().port());
                try (Jedis jedis = new Jedis(java.net.URI.create(i.url()))) {
                    assertThat(jedis.ping()).isEqualTo("PONG");
                }
            }
            assertThat(ports).hasSize(4);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theSameNameTwiceIsRefusedAndLeavesTheFirstAlone() {
        start("same", "redis", Duration.ofMinutes(2));
        assertThatThrownBy(() -> start("same", "redis", Duration.ofMinutes(2)))
                .isInstanceOfSatisfying(ScaleException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE));
        assertThat(provider.list()).singleElement().extracting(Instance::state).isEqualTo(Instance.State.RUNNING);
    }

    /** What a start killed between writing a record and naming it leaves (see OrphanTest): the next start or gc removes it. */
    @Test
    void aReservationLeftByAKilledStartIsRemovedByTheNextStartAndByGc() throws Exception {
        Path reserving = Files.createDirectories(state.resolve("embedded").resolve(EmbeddedProvider.RESERVING));
        Files.writeString(reserving.resolve("instance.json.tmp"), "{\"name\":\"half");
        assertThat(provider.list()).isEmpty();
        assertThat(provider.broken()).isEmpty();
        start("next", "redis", Duration.ofMinutes(2));
        assertThat(provider.list()).singleElement().extracting(Instance::name).isEqualTo("next");
        assertThat(reserving).doesNotExist();
        Files.createDirectories(reserving.resolve("data"));
        provider.sweepReserving();
        assertThat(reserving).doesNotExist();
        assertThat(provider.list()).singleElement().extracting(Instance::state).isEqualTo(Instance.State.RUNNING);
    }

    @Test
    void aVersionItDoesNotCarryIsRefusedWithAWayOut() {
        assertThatThrownBy(() -> provider.start(new Spec("v", TestKinds.KINDS.byName("redis"), "7", null, Duration.ofMinutes(1)), Progress.NONE))
                .isInstanceOfSatisfying(ScaleException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.oneLine()).contains("--provider docker");
                });
        assertThat(state.resolve("embedded/v")).doesNotExist();
        assertThat(Optional.ofNullable(provider.list())).get().asList().isEmpty();
    }

    @Test
    void aPortTakenBetweenChoosingAndBindingIsRetriedOnAnotherAndTheFailedAttemptLeavesNothing() throws Exception {
        try (java.net.ServerSocket squatter = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            java.util.List<Integer> chosen = new java.util.ArrayList<>();
            // the first choice is a port another program holds, as if it took it after scale chose it
            EmbeddedProvider clashing = new EmbeddedProvider(dirs, TestKinds.KINDS, System.getenv(), Clock.systemUTC(), held -> {
                int port;
                if (chosen.isEmpty()) {
                    port = squatter.getLocalPort();
                } else {
                    try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                        port = free.getLocalPort();
                    }
                }
                chosen.add(port);
                return port;
            });
            Instance redis = clashing.start(new Spec("clash", TestKinds.KINDS.byName("redis"), null, null, Duration.ofMinutes(2)), Progress.NONE);
            try {
                assertThat(chosen).hasSize(2);
                assertThat(redis.endpoint().port()).isEqualTo(chosen.get(1)).isNotEqualTo(squatter.getLocalPort());
                assertThat(redis.kind().probe(redis.endpoint())).as("the retried server answers").isNotEmpty();
                try (var dirsLeft = java.nio.file.Files.list(state.resolve("embedded"))) {
                    assertThat(dirsLeft.filter(java.nio.file.Files::isDirectory).map(d -> d.getFileName().toString()))
                            .as("only the instance that started").containsExactly("clash");
                }
            } finally {
                clashing.remove("clash");
            }
        }
    }
}
