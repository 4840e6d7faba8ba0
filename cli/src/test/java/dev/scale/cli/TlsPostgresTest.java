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
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PostgreSQL that requires TLS, as managed services do: a real server (scale's embedded one) given a
 * self-signed certificate and a pg_hba.conf that refuses plaintext, reached by URL with sslmode=require.
 * scale verifies the certificate and host name: against SCALE_CA_FILE's authority it connects, without it
 * it refuses in one line; the contract it prints for such a server carries sslmode=require.
 */
class TlsPostgresTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    Map<String, String> env;
    String url;
    Path ca;

    @BeforeEach
    void aServerThatRequiresTls() throws Exception {
        env = Run.withoutDocker(home);
        TlsPostgres server = TlsPostgres.start(home, env);
        ca = server.ca();
        url = server.url();
    }

    @AfterEach
    void tearDown() {
        Run.of(env, "down", "--all");
    }

    @Test
    void verdictProbesConnectOverVerifiedTlsAndRefuseAnUntrustedCertificate() throws Exception {
        Map<String, String> trusting = new java.util.HashMap<>(env);
        trusting.put("SCALE_CA_FILE", ca.toString());
        Run probe = Run.of(trusting, "probe", "atomic-rmw", "--on", url, "--output", "json");
        assertThat(probe.code()).as(probe.err()).isZero();
        assertThat(probe.out()).contains("\"naive_lost_updates\"");

        try (Connection c = Jdbc.connect(new Endpoint("localhost", java.net.URI.create(url).getPort(), "scale", Secret.of(""), "x")
                .withTls(new Endpoint.Tls(ca)), "test", 5, 10)) {
            fail("a wrong password must not log in");
        } catch (java.sql.SQLException refused) {
            assertThat(refused.getMessage()).as("TLS was set up, then the login refused").doesNotContain("SSL error");
        }

        Run untrusted = Run.of(env, "probe", "atomic-rmw", "--on", url);
        Run.assertOneLine(untrusted, 3, "SSL error");
        assertThat(untrusted.err()).doesNotContain(java.net.URI.create(url).getUserInfo().split(":")[1]);

        // the open-loop wire client speaks TLS too (SSLRequest, then verified TLS), through scale's own command
        Run kv = Run.of(trusting, "probe", "kv", "--on", url, "--duration", "2s", "--output", "json");
        assertThat(kv.code()).as(kv.err()).isZero();
        JsonNode errors = new com.fasterxml.jackson.databind.ObjectMapper().readTree(kv.out()).findValue("errors");
        assertThat(errors).as(kv.out()).isNotNull();
        assertThat(errors.asLong()).as(kv.out()).isZero();
        Run kvUntrusted = Run.of(env, "probe", "kv", "--on", url, "--duration", "1s");
        assertThat(kvUntrusted.code()).as(kvUntrusted.err()).isEqualTo(3);
        assertThat(kvUntrusted.err()).contains("SCALE_CA_FILE").doesNotContain("\tat ");
    }

    @Test
    void theContractOfATlsServerCarriesSslmodeRequire() throws Exception {
        Endpoint e = Datastores.kinds().byName("postgres").endpointOf(java.net.URI.create(url));
        assertThat(e.tls()).isNotNull();
        var kind = Datastores.kinds().byName("postgres");
        assertThat(kind.url(e)).endsWith("?sslmode=require");
        assertThat(kind.env(e)).containsEntry("PGSSLMODE", "require");
        assertThat(kind.env(e).get("JDBC_DATABASE_URL")).contains("sslmode=require");
        Endpoint plain = kind.endpointOf(java.net.URI.create(url.replace("?sslmode=require", "")));
        assertThat(plain.tls()).isNull();
        assertThat(kind.url(plain)).doesNotContain("sslmode");
    }
}
