package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Secret;
import dev.scale.providers.kinds.postgres.Jdbc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL that requires TLS, as managed services run it: scale's embedded server (instance
 * {@code tls}) given a self-signed certificate for localhost, with a pg_hba.conf that refuses plaintext.
 *
 * @param admin its superuser, over TLS verified against {@link #ca}
 */
record TlsPostgres(Endpoint admin, Path ca) {

    static TlsPostgres start(Path home, Map<String, String> env) throws Exception {
        Process openssl;
        try {
            openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", home.resolve("key.pem").toString(),
                    "-out", home.resolve("cert.pem").toString()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but no openssl: .ci/run installs it");
            }
            Assumptions.abort("no openssl to make a certificate");
            throw e;
        }
        String out = new String(openssl.getInputStream().readAllBytes());
        assertThat(openssl.waitFor(30, TimeUnit.SECONDS) && openssl.exitValue() == 0).as(out).isTrue();
        Path ca = home.resolve("cert.pem");
        Run up = Run.of(env, "up", "postgres", "--name", "tls", "--provider", "embedded", "--output", "json");
        assertThat(up.code()).as(up.err()).isZero();
        JsonNode i = new ObjectMapper().readTree(up.out()).get(0);
        Path data = home.resolve("state/embedded/tls/data");
        Files.copy(home.resolve("key.pem"), data.resolve("server.key"));
        Files.copy(ca, data.resolve("server.crt"));
        Files.setPosixFilePermissions(data.resolve("server.key"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path hba = data.resolve("pg_hba.conf");
        Files.writeString(hba, Files.readString(hba).replaceAll("(?m)^host(\\s)", "hostssl$1"));
        Endpoint plain = new Endpoint("127.0.0.1", i.get("port").asInt(), i.get("username").asText(), Secret.of(i.get("password").asText()),
                i.get("database").asText());
        try (Connection c = Jdbc.connect(plain, "test", 5, 10); Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET ssl = on");
            s.execute("SELECT pg_reload_conf()");
        }
        Thread.sleep(500);
        return new TlsPostgres(new Endpoint("localhost", plain.port(), plain.username(), plain.password(), plain.database())
                .withTls(new Endpoint.Tls(ca)), ca);
    }

    /** {@code postgresql://…?sslmode=require} for the superuser, as a managed service's connection string reads. */
    String url() {
        return "postgresql://" + admin.username() + ":" + admin.password().reveal() + "@localhost:" + admin.port() + "/" + admin.database()
                + "?sslmode=require";
    }
}
