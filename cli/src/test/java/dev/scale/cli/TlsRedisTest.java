package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scale.providers.ConnectionEnv;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Instance;
import dev.scale.providers.Kind;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Redis that requires TLS, as managed services run it (Upstash, Clever Cloud's Materia KV): a real
 * redis-server with no plaintext port and a self-signed certificate, reached by a rediss:// URL. scale verifies
 * the certificate and host name: against SCALE_CA_FILE's authority the shell and the verdict probes work,
 * without it (or for another host name) they refuse in one line that names SCALE_CA_FILE; a URL of the wrong
 * scheme says which one to use; the contract of such a server is rediss:// with REDIS_TLS=true.
 */
class TlsRedisTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    Map<String, String> env;
    Map<String, String> trusting;
    TlsRedis server;

    @BeforeEach
    void aServerThatRequiresTls() throws Exception {
        env = Run.withoutDocker(home);
        server = TlsRedis.start(Files.createDirectories(home.resolve("tls")));
        trusting = new HashMap<>(env);
        trusting.put("SCALE_CA_FILE", server.ca().toString());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        Run.of(env, "down", "--all");
    }

    /** {@code scale shell URL} as a user runs it, in its own process, with {@code stdin} piped in. */
    private Run shell(Map<String, String> environment, String url, String stdin) throws Exception {
        Path in = Files.writeString(home.resolve("stdin"), stdin);
        Path out = home.resolve("stdout");
        Path err = home.resolve("stderr");
        Process p = Run.process(environment, Run.launcher(home).toString(), "shell", url)
                .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the shell ends at the end of its input").isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void theShellAndTheVerdictProbesWorkOverVerifiedTls() throws Exception {
        String password = server.admin().password().reveal();
        Run shell = shell(trusting, server.url(), "SET greeting hello\nGET greeting\nDEL greeting\n\\info --reveal\n");
        assertThat(shell.code()).as(shell.err()).isZero();
        assertThat(shell.out()).startsWith("OK\n\"hello\"\n(integer) 1\n")
                .contains("url       rediss://default:" + password + "@localhost:" + server.admin().port() + "/0");
        assertThat(shell.err()).isEmpty();

        Run ttl = Run.of(trusting, "probe", "ttl", "--on", server.url(), "--keys", "200", "--output", "json");
        assertThat(ttl.code()).as(ttl.err()).isZero();
        JsonNode metrics = JSON.readTree(ttl.out()).get("metrics");
        assertThat(metrics.get("native_ttl").asBoolean()).isTrue();
        assertThat(metrics.get("early_expiries").asLong()).isZero();

        // atomic-rmw's counters go through RedisMethods' own connections, one per client
        Run rmw = Run.of(trusting, "probe", "atomic-rmw", "--on", server.url(), "--clients", "2", "--increments", "50", "--output", "json");
        assertThat(rmw.code()).as(rmw.err()).isZero();
        JsonNode incr = JSON.readTree(rmw.out()).at("/rows/1");
        assertThat(incr.get("method").asText()).isEqualTo("incr");
        assertThat(incr.get("final").asLong()).isEqualTo(100);

        // --init's path: one command a line, over the same verified TLS
        Instance byUrl = Target.fromUrl(Datastores.kinds(), server.url(), Instant.now(), trusting);
        Datastores.shell(byUrl.kind()).init(byUrl, home.resolve("init.redis"), "SET seeded yes\n");
        Run seeded = shell(trusting, server.url(), "GET seeded\nDEL seeded\n");
        assertThat(seeded.out()).isEqualTo("\"yes\"\n(integer) 1\n");
    }

    @Test
    void anUntrustedCertificateOrAnotherHostNameIsRefusedInOneLineNamingScaleCaFile() throws Exception {
        String password = server.admin().password().reveal();
        Run untrusted = Run.of(env, "probe", "ttl", "--on", server.url());
        Run.assertOneLine(untrusted, 3, "TLS to Redis at localhost:" + server.admin().port() + " failed",
                "signed by an authority scale does not trust", "set SCALE_CA_FILE");
        assertThat(untrusted.err()).doesNotContain(password);

        Run shell = shell(env, server.url(), "");
        assertThat(shell.err().lines()).hasSize(1);
        assertThat(shell.err()).contains("cannot connect to localhost:" + server.admin().port(), "set SCALE_CA_FILE")
                .doesNotContain("\tat ").doesNotContain(password);

        // trusted authority, but a certificate for another name: the host name is checked, not only the chain
        try (TlsRedis elsewhere = TlsRedis.start(Files.createDirectories(home.resolve("elsewhere")), "elsewhere.example", "DNS:elsewhere.example")) {
            Map<String, String> trustingIt = new HashMap<>(env);
            trustingIt.put("SCALE_CA_FILE", elsewhere.ca().toString());
            Run mismatch = Run.of(trustingIt, "probe", "ttl", "--on", elsewhere.url());
            Run.assertOneLine(mismatch, 3, "its certificate is not for localhost", "SCALE_CA_FILE");
        }
    }

    @Test
    void aUrlOfTheWrongSchemeSaysWhichOneToUse() throws Exception {
        // plaintext to a TLS-only port: the server drops the connection without a word
        String plaintextUrl = server.url().replace("rediss://", "redis://");
        Run.assertOneLine(Run.of(trusting, "probe", "ttl", "--on", plaintextUrl), 3, "cannot reach Redis", "wants rediss://");

        // TLS to a plaintext server: it never answers the ClientHello
        Run up = Run.of(env, "up", "redis", "--name", "plain", "--provider", "embedded", "--output", "json");
        assertThat(up.code()).as(up.err()).isZero();
        JsonNode plain = JSON.readTree(up.out()).get(0);
        String tlsToPlain = "rediss://default:" + plain.get("password").asText() + "@127.0.0.1:" + plain.get("port").asInt() + "/0";
        Run.assertOneLine(Run.of(trusting, "probe", "ttl", "--on", tlsToPlain), 3, "no TLS answer", "wants redis://", "SCALE_CA_FILE");
    }

    @Test
    void theContractOfATlsRedisIsRedissWithRedisTls() {
        Kind redis = Datastores.kinds().byName("redis");
        Endpoint tls = redis.endpointOf(URI.create(server.url()));
        assertThat(tls.tls()).isEqualTo(Endpoint.Tls.SYSTEM);
        assertThat(redis.url(tls)).isEqualTo(server.url());
        assertThat(redis.env(tls)).containsEntry("REDIS_URL", server.url()).containsEntry("REDIS_TLS", "true")
                .containsEntry("REDIS_HOST", "localhost").containsEntry("REDIS_PORT", Integer.toString(server.admin().port()))
                .containsEntry("REDIS_PASSWORD", server.admin().password().reveal());

        Endpoint plain = redis.endpointOf(URI.create(server.url().replace("rediss://", "redis://")));
        assertThat(plain.tls()).isNull();
        assertThat(redis.url(plain)).startsWith("redis://");
        assertThat(redis.env(plain)).doesNotContainKey("REDIS_TLS");

        // a URL given to scale is verified against SCALE_CA_FILE when it is set, and what scale env or run would
        // export for it carries the TLS
        Instance trusted = Target.fromUrl(Datastores.kinds(), server.url(), Instant.now(), trusting);
        assertThat(trusted.endpoint().tls().caFile()).isEqualTo(server.ca().toAbsolutePath());
        assertThat(Target.fromUrl(Datastores.kinds(), server.url(), Instant.now(), env).endpoint().tls()).isEqualTo(Endpoint.Tls.SYSTEM);
        assertThat(ConnectionEnv.of(List.of(trusted))).containsEntry("REDIS_URL", server.url()).containsEntry("REDIS_TLS", "true");
    }
}
