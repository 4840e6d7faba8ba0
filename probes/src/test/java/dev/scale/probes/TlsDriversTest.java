package dev.scale.probes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

import dev.scale.errors.ExitCode;
import dev.scale.errors.ScaleException;
import dev.scale.probes.stores.postgres.PostgresAdapter;
import dev.scale.probes.stores.postgres.PostgresDriver;
import dev.scale.probes.stores.redis.RedisDriver;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Secret;
import dev.scale.providers.kinds.postgres.Jdbc;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The kv and rw-mix probes' own wire clients over TLS, as managed services require it, against real servers:
 * Debian's redis-server 7.0 with only a TLS port (as Upstash), and the embedded PostgreSQL given ssl = on and a
 * pg_hba.conf of hostssl lines only (as Neon), both with a certificate made here by openssl for localhost and
 * 127.0.0.1, trusted through its own file (SCALE_CA_FILE's way). Neither server accepts plaintext, so an
 * operation that completes went through TLS. A certificate from another authority or for another name is
 * refused in one line saying which, and a PostgreSQL without TLS answers 'N', also one line.
 */
class TlsDriversTest {
    @RegisterExtension
    static final EmbeddedServers servers = new EmbeddedServers("tls");

    private static final String REDIS_PASSWORD = "tls-password";
    private static Path dir;
    private static Path ca;
    private static Path otherCa;
    private static final List<Process> redisServers = new ArrayList<>();
    private static Endpoint redis;
    private static Endpoint elsewhereRedis;
    private static Endpoint postgres;
    /** A superuser session opened over TLS before the tests, which outlives turning ssl off and back on. */
    private static Connection admin;

    @BeforeAll
    static void serversThatRequireTls() throws Exception {
        dir = Files.createTempDirectory("scale-tls-test");
        ca = certificate("server", "DNS:localhost,IP:127.0.0.1");
        otherCa = certificate("other", "DNS:localhost,IP:127.0.0.1");
        Path elsewhere = certificate("elsewhere", "DNS:elsewhere.example");

        redis = new Endpoint("localhost", startRedis(dir.resolve("server")), "default", Secret.of(REDIS_PASSWORD), null)
                .withTls(new Endpoint.Tls(ca));
        elsewhereRedis = new Endpoint("localhost", startRedis(dir.resolve("elsewhere")), "default", Secret.of(REDIS_PASSWORD), null)
                .withTls(new Endpoint.Tls(elsewhere));

        Endpoint plain = servers.postgres().endpoint();
        try (Connection c = Jdbc.connect(plain, "test", 5, 10); Statement st = c.createStatement()) {
            Path data = Path.of(text(st, "SHOW data_directory"));
            Files.copy(ca, data.resolve("server.crt"));
            Files.copy(dir.resolve("server.key"), data.resolve("server.key"));
            Files.setPosixFilePermissions(data.resolve("server.key"), PosixFilePermissions.fromString("rw-------"));
            Path hba = Path.of(text(st, "SHOW hba_file"));
            Files.writeString(hba, Files.readString(hba).replaceAll("(?m)^host(\\s)", "hostssl$1"));
            st.execute("ALTER SYSTEM SET ssl = on");
            text(st, "SELECT pg_reload_conf()");
        }
        postgres = new Endpoint("localhost", plain.port(), plain.username(), plain.password(), plain.database()).withTls(new Endpoint.Tls(ca));
        admin = eventually(() -> Jdbc.connect(postgres, "test", 5, 10));
    }

    @AfterAll
    static void stop() throws Exception {
        if (admin != null) {
            admin.close();
        }
        for (Process p : redisServers) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Workload workload(String mix, int clients, int pipeline, int valueSize, Duration duration) {
        return new Workload(Mix.parse(mix), 2000, valueSize, "zipfian", clients, pipeline, 0, duration, Duration.ofMillis(300));
    }

    @Test
    void redisKvLoadsRunsAndCleansUpOverVerifiedTls() throws Exception {
        Workload w = workload("a", 8, 4, 1024, Duration.ofSeconds(2));
        RedisDriver driver = new RedisDriver(redis);
        Result r = KvProbe.run(driver, w, DriversTest.QUIET);
        assertThat(redisNumber("DBSIZE")).as("the load's keys reached the server").isGreaterThanOrEqualTo(2000);
        driver.cleanUp(w);
        assertThat(r.errors()).isZero();
        assertThat(r.valid()).isTrue();
        assertThat(r.operations()).isGreaterThan(1000);
        assertThat(r.operationsByType()).containsKeys("read", "update");
        assertThat(redisNumber("DBSIZE")).as("clean-up's DELs went through TLS too").isZero();
    }

    /**
     * 20 KB values, 16 a batch: each reply spans TLS records (16 KB of plaintext at most) that reach the socket in
     * pieces, so the loop's reads end mid-record. Lost or repeated bytes would put the reply counter out of step:
     * the run would stall (few operations) or count errors.
     */
    @Test
    void repliesSpanningTlsRecordsAllArrive() {
        Result r = KvProbe.run(new RedisDriver(redis), workload("c", 2, 16, 20_000, Duration.ofSeconds(2)), DriversTest.QUIET);
        assertThat(r.errors()).isZero();
        assertThat(r.operations()).isGreaterThan(200);
    }

    /**
     * A 100 KB reply read through a 1000-byte buffer, as a login's or a clean-up's small buffers would meet a large
     * record: what does not fit waits decrypted in the transport. Blocking, every read gives bytes; non-blocking,
     * the selector cannot see them, so the transport says so ({@link Transport#buffered()}) and the reader reads on,
     * as the loop does. Either way the bytes arrive whole and in order. A transport that loses track spins or
     * blocks rather than failing (it once spun: the engine says overflow for a record not yet whole), hence the timeout.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aReplyLargerThanTheReadersBufferArrivesWholeBlockingOrNot() throws Exception {
        byte[] value = new byte[100_000];
        new java.util.SplittableRandom(3).nextBytes(value);
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        reply.writeBytes(("$" + value.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        reply.writeBytes(value);
        reply.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] get = reply.toByteArray();
        ByteBuffer small = ByteBuffer.allocate(1000);
        try (Transport t = TlsTransport.handshake(SocketChannel.open(new InetSocketAddress(redis.host(), redis.port())), redis, "Redis")) {
            byte[] commands = resp(List.of("AUTH", "default", REDIS_PASSWORD), List.of("SET", "scale:tls:big", value), List.of("GET", "scale:tls:big"));
            t.writeFully(ByteBuffer.wrap(commands));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] expected = concat("+OK\r\n+OK\r\n".getBytes(StandardCharsets.US_ASCII), get);
            while (got.size() < expected.length) {
                small.clear();
                assertThat(t.read(small)).as("a blocking read gives bytes").isPositive();
                got.write(small.array(), 0, small.position());
            }
            assertThat(got.toByteArray()).isEqualTo(expected);

            t.channel().configureBlocking(false);
            try (Selector selector = Selector.open()) {
                t.channel().register(selector, SelectionKey.OP_READ);
                t.writeFully(ByteBuffer.wrap(resp(List.of("GET", "scale:tls:big"))));
                got.reset();
                boolean sawBuffered = false;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (got.size() < get.length && System.nanoTime() < deadline) {
                    selector.select(100);
                    selector.selectedKeys().clear();
                    do {
                        small.clear();
                        assertThat(t.read(small)).isNotNegative();
                        got.write(small.array(), 0, small.position());
                        sawBuffered |= t.buffered();
                    } while (t.buffered());
                }
                assertThat(sawBuffered).as("bytes waited in the transport, unseen by the selector").isTrue();
                assertThat(got.toByteArray()).isEqualTo(get);
            }
            t.channel().configureBlocking(true);
            t.writeFully(ByteBuffer.wrap(resp(List.of("DEL", "scale:tls:big"))));
            small.clear();
            assertThat(t.read(small)).isPositive();
        }
    }

    /** QUIT: Redis answers, then ends TLS and the connection; the transport gives the answer, then the end (-1). */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theServerEndingTheConnectionIsTheEndOfTheStream() throws Exception {
        try (Transport t = TlsTransport.handshake(SocketChannel.open(new InetSocketAddress(redis.host(), redis.port())), redis, "Redis")) {
            t.writeFully(ByteBuffer.wrap(resp(List.of("QUIT"))));
            ByteBuffer in = ByteBuffer.allocate(100);
            int n;
            while ((n = t.read(in)) > 0) {
                assertThat(in.position()).isLessThanOrEqualTo(5);
            }
            assertThat(n).isEqualTo(-1);
            assertThat(new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII)).isEqualTo("+OK\r\n");
        }
    }

    @Test
    void postgresKvAndRwMixRunOverVerifiedTls() throws Exception {
        Workload w = workload("a", 4, 2, 100, Duration.ofSeconds(2));
        PostgresDriver driver = new PostgresDriver(postgres);
        Result r = KvProbe.run(driver, w, DriversTest.QUIET);
        driver.cleanUp(w);
        assertThat(r.errors()).isZero();
        assertThat(r.valid()).isTrue();
        assertThat(r.operationsByType()).containsKeys("read", "update");
        assertThat(r.operations()).isGreaterThan(500);

        RwMixProbe rwMix = new RwMixProbe();
        Measurement m = rwMix.run(new PostgresAdapter(postgres),
                Params.of(rwMix, Map.of("rate", 500, "clients", 4, "keys", 1000, "duration", "2s", "warmup", "500ms"), true), line -> { });
        // errors and throughput, not the schedule's validity: whether a noisy machine keeps a rate says nothing about TLS
        assertThat(m.metrics()).containsEntry("errors", 0L);
        assertThat((Double) m.metrics().get("ops_per_s")).isGreaterThan(250.0);
    }

    @Test
    void thePostgresServerRefusesPlaintextSoTheRunsAboveWereTls() {
        Endpoint plaintext = new Endpoint(postgres.host(), postgres.port(), postgres.username(), postgres.password(), postgres.database());
        assertThatThrownBy(() -> new PostgresDriver(plaintext).protocol(new byte[8]).open().close())
                .isInstanceOfSatisfying(ScaleException.class, e -> assertThat(e.oneLine()).contains("no encryption"));
    }

    @Test
    void aCertificateFromAnotherAuthorityIsRefusedInOneLine() {
        Endpoint redisOtherCa = redis.withTls(new Endpoint.Tls(otherCa));
        Endpoint postgresOtherCa = postgres.withTls(new Endpoint.Tls(otherCa));
        List<ThrowingRun> attempts = List.of(
                () -> KvProbe.run(new RedisDriver(redisOtherCa), workload("c", 1, 1, 100, Duration.ofSeconds(1)), DriversTest.QUIET),
                () -> new PostgresDriver(postgresOtherCa).protocol(new byte[8]).open().close());
        for (ThrowingRun attempt : attempts) {
            assertThatThrownBy(attempt::run).isInstanceOfSatisfying(ScaleException.class, e -> {
                assertThat(e.exitCode()).isEqualTo(ExitCode.ENVIRONMENT);
                assertThat(e.oneLine()).contains("at localhost:", "its certificate is not signed by an authority scale trusts",
                        otherCa.toString(), "set SCALE_CA_FILE").doesNotContain("\n", "PKIX");
            });
        }
    }

    @Test
    void aCertificateForAnotherNameIsRefusedInOneLine() {
        assertThatThrownBy(() -> KvProbe.run(new RedisDriver(elsewhereRedis), workload("c", 1, 1, 100, Duration.ofSeconds(1)), DriversTest.QUIET))
                .isInstanceOfSatisfying(ScaleException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.ENVIRONMENT);
                    assertThat(e.oneLine()).contains("TLS to Redis at localhost:", "its certificate is not for localhost").doesNotContain("\n");
                });
    }

    /**
     * A plaintext Redis takes the ClientHello for a command: it answers an error if the hello's random bytes hold a
     * newline, or waits for one. Either way one line, the second after the handshake's 10 s deadline, never a hang.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void tlsToAPlaintextRedisIsOneLineNotAHang() {
        Endpoint plaintext = servers.redis().endpoint();
        Endpoint asTls = new Endpoint("localhost", plaintext.port(), plaintext.username(), plaintext.password(), null).withTls(new Endpoint.Tls(ca));
        assertThatThrownBy(() -> KvProbe.run(new RedisDriver(asTls), workload("c", 1, 1, 100, Duration.ofSeconds(1)), DriversTest.QUIET))
                .isInstanceOfSatisfying(ScaleException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.ENVIRONMENT);
                    assertThat(e.oneLine()).contains("TLS to Redis at localhost:" + plaintext.port() + " failed").containsPattern(
                            "does not speak TLS|no answer to the handshake in 10 s — check that this port speaks TLS").doesNotContain("\n");
                });
    }

    @Test
    void aPostgresWithoutTlsAnswersNAndThatIsOneLine() throws Exception {
        try (Statement st = admin.createStatement()) {
            st.execute("ALTER SYSTEM SET ssl = off");
            text(st, "SELECT pg_reload_conf()");
            try {
                ScaleException refused = eventually(() -> {
                    try {
                        new PostgresDriver(postgres).protocol(new byte[8]).open().close();
                    } catch (ScaleException e) {
                        if (e.getMessage().contains("does not offer TLS")) {
                            return e;
                        }
                    }
                    throw new IllegalStateException("the server still offers TLS");
                });
                assertThat(refused.exitCode()).isEqualTo(ExitCode.ENVIRONMENT);
                assertThat(refused.oneLine()).contains("PostgreSQL at localhost:" + postgres.port() + " does not offer TLS", "sslmode");
            } finally {
                st.execute("ALTER SYSTEM SET ssl = on");
                text(st, "SELECT pg_reload_conf()");
                eventually(() -> {
                    Jdbc.connect(postgres, "test", 5, 10).close();
                    return true;
                });
            }
        }
    }

    // --- the servers ---

    /** Redis commands in RESP, each argument a String or bytes. */
    private static byte[] resp(List<?>... commands) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (List<?> command : commands) {
            out.writeBytes(("*" + command.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (Object arg : command) {
                byte[] b = arg instanceof byte[] bytes ? bytes : arg.toString().getBytes(StandardCharsets.UTF_8);
                out.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.writeBytes(b);
                out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private interface ThrowingRun {
        void run() throws Exception;
    }

    private interface Attempt<T> {
        T get() throws Exception;
    }

    /** Retries for up to 10 s: a reloaded configuration reaches new connections only once the postmaster has read it. */
    private static <T> T eventually(Attempt<T> attempt) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                return attempt.get();
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static String text(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** A self-signed certificate (its own authority) and key: NAME.pem, NAME.key. */
    private static Path certificate(String name, String subjectAltNames) throws Exception {
        Path cert = dir.resolve(name + ".pem");
        Process openssl = start(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-days", "1", "-subj", "/CN=" + name, "-addext", "subjectAltName=" + subjectAltNames,
                "-keyout", dir.resolve(name + ".key").toString(), "-out", cert.toString()));
        String out = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(openssl.waitFor(30, TimeUnit.SECONDS) && openssl.exitValue() == 0).as(out).isTrue();
        return cert;
    }

    /** redis-server with a TLS port only (--port 0), serving NAME.pem; returns the port once it accepts connections. */
    private static int startRedis(Path name) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = Path.of(name + ".log");
        Process p = start(List.of("redis-server", "--port", "0", "--tls-port", Integer.toString(port), "--bind", "127.0.0.1",
                "--tls-cert-file", name + ".pem", "--tls-key-file", name + ".key", "--tls-ca-cert-file", name + ".pem",
                "--tls-auth-clients", "no", "--requirepass", REDIS_PASSWORD, "--save", "", "--appendonly", "no",
                "--dir", dir.toString(), "--logfile", log.toString()));
        redisServers.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(Files.exists(log) && Files.readString(log).contains("Ready to accept connections"))) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                fail("redis-server did not start: " + (Files.exists(log) ? Files.readString(log) : "exit " + (p.isAlive() ? "none" : p.exitValue())));
            }
            Thread.sleep(50);
        }
        return port;
    }

    /** Starts a tool this test needs; without it the test is skipped here, and fails in CI (CI=true), whose script installs it. */
    private static Process start(List<String> command) throws IOException {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but no " + command.get(0) + " (.ci/run installs it): " + e.getMessage());
            }
            Assumptions.abort("no " + command.get(0) + " here: " + e.getMessage());
            throw e;
        }
    }

    /** Asks the TLS Redis one integer-valued question through a verified SSLSocket, independent of the code under test. */
    private static long redisNumber(String command) throws Exception {
        try (SSLSocket s = redis.tls().wrap(new Socket(redis.host(), redis.port()), redis.host());
             PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
             BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
            out.print("AUTH default " + REDIS_PASSWORD + "\r\n" + command + "\r\n");
            out.flush();
            assertThat(in.readLine()).isEqualTo("+OK");
            return Long.parseLong(in.readLine().replaceAll("[^0-9]", ""));
        }
    }
}
