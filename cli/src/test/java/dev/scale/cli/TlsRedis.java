package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.scale.providers.Endpoint;
import dev.scale.providers.Secret;
import dev.scale.providers.kinds.redis.Resp;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Redis that requires TLS, as managed services run it (Upstash, Clever Cloud's Materia KV): Debian's
 * redis-server with no plaintext port, a self-signed certificate and a password, on 127.0.0.1. Closing it stops
 * the server.
 *
 * @param admin the default user, over TLS verified against {@link #ca}, as host {@code localhost}
 * @param ca    the server's self-signed certificate, which is its own authority
 */
record TlsRedis(Process server, Endpoint admin, Path ca) implements AutoCloseable {
    private static final String REDIS_SERVER = "/usr/bin/redis-server";

    /** With a certificate for localhost and 127.0.0.1. */
    static TlsRedis start(Path dir) throws Exception {
        return start(dir, "localhost", "DNS:localhost,IP:127.0.0.1");
    }

    /** @param san the certificate's subjectAltName: another name than localhost makes a server whose host name fails */
    static TlsRedis start(Path dir, String cn, String san) throws Exception {
        if (!Files.isExecutable(Path.of(REDIS_SERVER))) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but no " + REDIS_SERVER + ": .ci/run installs redis-server");
            }
            Assumptions.abort("no " + REDIS_SERVER + " (Debian's redis-server) to run a Redis that requires TLS");
        }
        Path cert = dir.resolve("redis-cert.pem");
        Path key = dir.resolve("redis-key.pem");
        Process openssl;
        try {
            openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=" + cn,
                    "-addext", "subjectAltName=" + san, "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but no openssl: .ci/run installs it");
            }
            Assumptions.abort("no openssl to make a certificate");
            throw e;
        }
        String out = new String(openssl.getInputStream().readAllBytes());
        assertThat(openssl.waitFor(30, TimeUnit.SECONDS) && openssl.exitValue() == 0).as(out).isTrue();

        String password = UUID.randomUUID().toString().replace("-", "");
        int port = freePort();
        // The password goes in a 0600 file, not the arguments, where any process on the machine could read it.
        Path conf = dir.resolve("redis.conf");
        Files.writeString(conf, String.join("\n",
                "port 0", // no plaintext port: TLS or nothing, as a managed service
                "tls-port " + port,
                "bind 127.0.0.1",
                "tls-cert-file " + cert,
                "tls-key-file " + key,
                "tls-ca-cert-file " + cert,
                "tls-auth-clients no", // managed services ask for no client certificate
                "requirepass " + password,
                "save \"\"",
                "appendonly no",
                "dir " + dir,
                ""));
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-------"));
        Path log = dir.resolve("redis.log");
        Endpoint admin = new Endpoint("localhost", port, "default", Secret.of(password), null).withTls(new Endpoint.Tls(cert));
        // redis-server cannot follow its parent's death. A watcher keeps the read end of the server's stdin and kills
        // it when this JVM's end closes: in close(), or when the JVM dies however it dies (a killed test run leaves no
        // server behind). exec keeps the server's pid the process's, so isAlive and destroy reach redis-server itself.
        Process server = new ProcessBuilder("sh", "-c", "exec 3<&0; (read -r _ <&3; kill $$ 2>/dev/null) & exec \"$0\" \"$1\" 3<&-",
                REDIS_SERVER, conf.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        TlsRedis redis = new TlsRedis(server, admin, cert);
        try {
            redis.awaitReady(log, san.contains("DNS:localhost"));
        } catch (Exception | AssertionError e) {
            redis.close();
            throw e;
        }
        return redis;
    }

    /** Until the TLS port answers PING; for a certificate that is not for localhost, until the server says it is ready. */
    private void awaitReady(Path log, boolean verifiable) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                fail("redis-server exited " + server.exitValue() + ": " + Files.readString(log));
            }
            if (!verifiable) {
                if (Files.readString(log).contains("Ready to accept connections")) {
                    return;
                }
            } else {
                try (Resp r = Resp.connect(admin, 2000)) {
                    assertThat(r.call(List.of("PING"))).isEqualTo(new Resp.Status("PONG"));
                    return;
                } catch (IOException notYet) {
                    last = notYet.getMessage();
                }
            }
            Thread.sleep(50);
        }
        fail("redis-server was not ready over TLS within 15 s: " + last + "\n" + Files.readString(log));
    }

    /** A port free now; the server takes it a moment later (a test that loses the race fails at start, visibly). */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** {@code rediss://default:PASSWORD@localhost:PORT/0}, as a managed service's connection string reads. */
    String url() {
        return "rediss://default:" + admin.password().reveal() + "@localhost:" + admin.port() + "/0";
    }

    @Override
    public void close() throws InterruptedException {
        try {
            server.getOutputStream().close(); // the watcher's cue, while the pid is still the server's
        } catch (IOException ignored) {
            // the watcher is gone already; destroy() below reaches the server anyway
        }
        server.destroy(); // SIGTERM: redis-server exits at once, saving nothing (save "")
        if (!server.waitFor(10, TimeUnit.SECONDS)) {
            server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
