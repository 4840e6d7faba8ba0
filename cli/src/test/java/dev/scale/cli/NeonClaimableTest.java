package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scale.providers.Endpoint;
import dev.scale.providers.kinds.postgres.Jdbc;
import dev.scale.providers.kinds.postgres.PostgresKind;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `--provider neon` with no NEON_API_KEY: a claimable database, no account, against {@link NeonClaimableDouble}
 * (Neon's documented API) with a real PostgreSQL that requires TLS behind it. What the double cannot show: neon.new.
 */
class NeonClaimableTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    Map<String, String> env;
    NeonClaimableDouble claimable;

    @BeforeEach
    void setUp() throws Exception {
        TlsPostgres data = TlsPostgres.start(home, Run.withoutDocker(home));
        claimable = new NeonClaimableDouble(data);
        env = Run.withoutDocker(home);
        env.put("SCALE_NEON_CLAIMABLE_URL", claimable.url());
        env.put("SCALE_CA_FILE", data.ca().toString());
    }

    @AfterEach
    void tearDown() {
        Run.of(env, "down", "--all");
        claimable.close();
    }

    @Test
    void upWithNoKeyGivesAClaimableDatabaseSaysItsLimitsAndDownEmptiesIt() throws Exception {
        Run up = Run.of(env, "up", "postgres", "--provider", "neon", "--name", "free", "--ttl", "1h", "--output", "json");
        assertThat(up.code()).as(up.err()).isZero();
        assertThat(up.err()).contains("creating a claimable database on Neon (no account)", "(72 h) unless you claim it at " + claimable.url() + "/claim/",
                "scale's down empties it before", "waiting for PostgreSQL on localhost (TLS)");
        assertThat(claimable.requests).singleElement().asString().startsWith("POST /api/v1/database {\"ref\":\"scale\"} auth=null");
        JsonNode i = JSON.readTree(up.out()).get(0);
        assertThat(i.get("provider").asText()).isEqualTo("neon");
        assertThat(i.get("ttlEnforcedBy").asText()).isEqualTo("service");
        assertThat(i.get("url").asText()).startsWith("postgresql://claim_").endsWith("?sslmode=require");
        Instant expires = Instant.parse(i.get("expiresAt").asText());
        assertThat(Duration.between(Instant.now(), expires)).as("Neon's 72 h, not the TTL asked for").isGreaterThan(Duration.ofHours(71));
        assertThat(Files.getPosixFilePermissions(home.resolve("state/managed/neon/free.json")))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);

        Endpoint e = new PostgresKind().endpointOf(URI.create(i.get("url").asText())).withTls(new Endpoint.Tls(claimable.data.ca()));
        try (Connection c = Jdbc.connect(e, "test", 5, 30); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE sessions (id text primary key)");
            s.execute("INSERT INTO sessions VALUES ('a')");
        }
        assertThat(Run.of(env, "ls").out()).containsPattern("free\\s+postgres\\s+\\S+\\s+neon\\s+running");

        assertThat(Run.of(env, "down", "free").out()).contains("removed free");
        assertThat(home.resolve("state/managed/neon/free.json")).doesNotExist();
        try (Connection c = Jdbc.connect(e, "test", 5, 30); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM pg_tables WHERE tablename = 'sessions'")) {
            r.next();
            assertThat(r.getInt(1)).as("down empties what no API can delete").isZero();
        }
    }

    @Test
    void tryAndRunWorkWithNoAccount() throws Exception {
        Run tried = Run.withInput("SELECT 40 + 2 AS answer;\n", env, "try", "postgres", "--provider", "neon");
        assertThat(tried.code()).as(tried.err()).isZero();
        assertThat(tried.out()).contains("answer", "42");
        assertThat(tried.err()).as("said without a terminal too").contains("(72 h) unless you claim it at");

        Run run = Run.of(env, "run", "-q", "--provider", "neon", "--with", "postgres", "--", "sh", "-c",
                "test \"$PGSSLMODE\" = require && case \"$DATABASE_URL\" in *sslmode=require*) exit 0;; *) exit 9;; esac");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(Run.of(env, "ls").out()).as("try and run leave nothing on neon").doesNotContain(" neon ");
        assertThat(claimable.requests).allMatch(r -> r.endsWith("auth=null"));
    }

    @Test
    void offlineIsOneLineNamingTheVariableAndDoctorSaysWhichFlowIsUsed() throws Exception {
        Run doctor = Run.of(env, "doctor");
        assertThat(doctor.out()).as("doctor's stderr: " + doctor.err()).containsPattern("neon\\s+ok\\s+no NEON_API_KEY: claimable databases with no account \\(72 h\\) from "
                + java.util.regex.Pattern.quote(claimable.url()));
        Map<String, String> offline = new HashMap<>(env);
        offline.put("SCALE_NEON_CLAIMABLE_URL", "http://127.0.0.1:1");
        Run.assertOneLine(Run.of(offline, "up", "postgres", "--provider", "neon"), 3, "cannot reach Neon at http://127.0.0.1:1", "SCALE_NEON_CLAIMABLE_URL");
        assertThat(home.resolve("state/managed/neon")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
    }
}
