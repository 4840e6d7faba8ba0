package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `--provider neon` through scale's own commands: the control plane against {@link NeonDouble} (Neon's API as
 * documented), the data plane a real PostgreSQL that requires TLS. What the double cannot show: Neon itself.
 */
class NeonProviderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    Map<String, String> env;
    NeonDouble neon;

    @BeforeEach
    void setUp() throws Exception {
        Map<String, String> local = Run.withoutDocker(home);
        TlsPostgres data = TlsPostgres.start(home, local);
        neon = new NeonDouble(data);
        env = Run.withoutDocker(home);
        env.put("NEON_API_KEY", NeonDouble.KEY);
        env.put("SCALE_NEON_API_URL", neon.url());
        env.put("SCALE_CA_FILE", data.ca().toString());
    }

    @AfterEach
    void tearDown() {
        Run.of(env, "down", "--all");
        neon.close();
    }

    @Test
    void upLsEnvProbeAndDownWorkAsOnTheLocalProvidersOverVerifiedTls() throws Exception {
        Run up = Run.of(env, "up", "postgres", "--provider", "neon", "--name", "app", "--ttl", "30m", "--output", "json");
        assertThat(up.code()).as(up.err()).isZero();
        JsonNode i = JSON.readTree(up.out()).get(0);
        assertThat(i.get("provider").asText()).isEqualTo("neon");
        assertThat(i.get("ttlEnforcedBy").asText()).isEqualTo("service");
        assertThat(i.get("url").asText()).startsWith("postgresql://scale_app:").endsWith("@localhost:" + neon.data.admin().port() + "/scale?sslmode=require");
        assertThat(i.get("env").get("PGSSLMODE").asText()).isEqualTo("require");
        assertThat(up.err()).contains("creating branch scale-app", "waiting for PostgreSQL on localhost (TLS)", "ready").doesNotContain(NeonDouble.KEY);
        // the documented requests: a project named scale made once, a branch that expires with the TTL and has a compute
        assertThat(neon.requests).anyMatch(r -> r.startsWith("POST /projects {\"project\":{\"name\":\"scale\"}}"));
        assertThat(neon.requests).anyMatch(r -> r.matches("POST /projects/p-\\w+/branches \\{\"branch\":\\{\"name\":\"scale-app\",\"expires_at\":\"[0-9T:-]+Z\"},"
                + "\"endpoints\":\\[\\{\"type\":\"read_write\"}]}"));
        assertThat(neon.requests).anyMatch(r -> r.contains("/roles {\"role\":{\"name\":\"scale_app\"}}"));
        assertThat(Files.getPosixFilePermissions(home.resolve("state/managed/neon/app.json")))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);

        Run ls = Run.of(env, "ls");
        assertThat(ls.out()).containsPattern("app\\s+postgres\\s+\\S+\\s+neon\\s+running").doesNotContain(i.get("password").asText());
        assertThat(ls.err()).contains("neon: the service itself ends instances at their TIME LEFT; scale gc is the backstop");
        assertThat(Run.of(env, "env", "app").out()).contains("DATABASE_URL=", "sslmode=require");

        Run probe = Run.of(env, "probe", "atomic-rmw", "--on", "app", "--output", "json");
        assertThat(probe.code()).as(probe.err()).isZero();

        Run down = Run.of(env, "down", "app");
        assertThat(down.out()).contains("removed app");
        assertThat(neon.liveBranches()).isEmpty();
        assertThat(home.resolve("state/managed/neon/app.json")).doesNotExist();

        // (after down: the double's one server stands for every branch, so two branches' "scale" databases would clash)
        Run run = Run.of(env, "run", "-q", "--provider", "neon", "--with", "postgres", "--", "sh", "-c",
                "test \"$PGSSLMODE\" = require && test -n \"$DATABASE_URL\"");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(neon.liveBranches()).as("run removes its branch").isEmpty();
    }

    @Test
    void aBadKeyAQuotaAndARateLimitEachGetTheirLineAndLeaveNothing() throws Exception {
        Map<String, String> badKey = new java.util.HashMap<>(env);
        badKey.put("NEON_API_KEY", "wrong");
        Run.assertOneLine(Run.of(badKey, "up", "postgres", "--provider", "neon"), 3, "Neon refused the API key (HTTP 401", "check NEON_API_KEY");

        neon.scripted.add(new Object[] {200, "{\"projects\":[]}", null});
        neon.scripted.add(new Object[] {422, NeonDouble.error("PROJECTS_LIMIT_EXCEEDED", "user projects limit of 1 exceeded, got 1"), null});
        Run.assertOneLine(Run.of(env, "up", "postgres", "--provider", "neon"), 1, "limit of your plan is reached", "PROJECTS_LIMIT_EXCEEDED");

        neon.scripted.add(new Object[] {429, NeonDouble.error("", "rate limited"), "0"});
        neon.scripted.add(new Object[] {423, NeonDouble.error("", "project is locked"), "0"});
        Run retried = Run.of(env, "up", "postgres", "--provider", "neon", "--name", "patient");
        assertThat(retried.code()).as(retried.err()).isZero();
        Run.of(env, "down", "patient");

        Map<String, String> offline = new java.util.HashMap<>(env);
        offline.put("SCALE_NEON_API_URL", "http://127.0.0.1:1/api/v2");
        Run.assertOneLine(Run.of(offline, "up", "postgres", "--provider", "neon"), 3, "cannot reach Neon at http://127.0.0.1:1", "SCALE_NEON_API_URL");

        Map<String, String> noKey = new java.util.HashMap<>(env);
        noKey.remove("NEON_API_KEY");
        // with no key, Neon's claimable API (NeonClaimableTest), which Run.env points at a port nobody answers on
        Run.assertOneLine(Run.of(noKey, "up", "postgres", "--provider", "neon"), 3, "cannot reach Neon at http://127.0.0.1:9", "SCALE_NEON_CLAIMABLE_URL");
        Run.assertOneLine(Run.of(env, "up", "redis", "--provider", "neon"), 2, "neon runs PostgreSQL only");
        assertThat(neon.liveBranches()).isEmpty();
        for (String r : neon.requests) {
            assertThat(r).doesNotContain(NeonDouble.KEY);
        }
    }

    @Test
    void aStartThatFailsAfterItsBranchExistsDeletesItAndABranchWithoutALedgerIsCollected() throws Exception {
        neon.failRolesWith = "role service unavailable";
        Run failed = Run.of(env, "up", "postgres", "--provider", "neon", "--name", "half");
        Run.assertOneLine(failed, 1, "Neon failed on POST", "HTTP 500", "nothing was left half made");
        assertThat(neon.liveBranches()).as("the branch made before the failure").isEmpty();
        assertThat(home.resolve("state/managed/neon/half.json")).doesNotExist();
        neon.failRolesWith = null;

        // made on another machine, or its ledger lost: Neon's own listing shows it, gc deletes it through the API
        Run up = Run.of(env, "up", "postgres", "--provider", "neon", "--name", "stray");
        assertThat(up.code()).as(up.err()).isZero();
        Files.delete(home.resolve("state/managed/neon/stray.json"));
        assertThat(Run.of(env, "gc", "--dry-run").out()).as("a young branch may be another process's start").doesNotContain("stray");
        neon.branches.values().forEach(b -> b.put("created_at", java.time.Instant.now().minusSeconds(600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()));
        assertThat(Run.of(env, "ls").out()).containsPattern("stray\\s+postgres\\s+\\S+\\s+neon\\s+orphaned");
        Run gc = Run.of(env, "gc");
        assertThat(gc.out()).contains("removed stray (neon, orphaned");
        assertThat(neon.liveBranches()).isEmpty();
        assertThat(List.copyOf(neon.requests)).anyMatch(r -> r.startsWith("DELETE /projects/") && r.contains("/branches/br-"));
    }

    @Test
    void anUpKilledOnceItsBranchExistsLeavesAnOrphanThatGcDeletesThroughTheApi() throws Exception {
        Path scale = Run.launcher(home);
        ProcessBuilder pb = Run.process(env, scale.toString(), "up", "postgres", "--provider", "neon", "--name", "killed")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        Process up = pb.start();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (neon.liveBranches().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        up.destroyForcibly(); // kill -9: no hook runs
        assertThat(up.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(neon.liveBranches()).as("the branch was made").containsExactly("scale-killed");
        // killed before its ledger was written, the branch is told from another process's start by its age
        if (!Files.exists(home.resolve("state/managed/neon/killed.json"))) {
            neon.branches.values().forEach(b -> b.put("created_at", java.time.Instant.now().minusSeconds(600)
                    .truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()));
        }
        assertThat(Run.of(env, "ls").out()).containsPattern("killed\\s+postgres\\s+\\S+\\s+neon\\s+orphaned");
        assertThat(Run.of(env, "gc").out()).contains("removed killed (neon, orphaned");
        assertThat(neon.liveBranches()).isEmpty();
        assertThat(home.resolve("state/managed/neon/killed.json")).doesNotExist();
    }

    @Test
    void doctorSaysWhetherTheKeyIsSetAndTheApiAnswers() throws Exception {
        Run ok = Run.of(env, "doctor", "--output", "json");
        assertThat(ok.out()).contains("NEON_API_KEY set; the API at " + neon.url() + " answers");
        assertThat(ok.out()).as("the overrides set are named").contains("SCALE_NEON_API_URL=" + neon.url(), "SCALE_CA_FILE=");
        Map<String, String> bad = new java.util.HashMap<>(env);
        bad.put("NEON_API_KEY", "wrong");
        assertThat(Run.of(bad, "doctor").out()).containsPattern("neon\\s+no\\s+Neon refused the API key").doesNotContain("wrong");
        bad.remove("NEON_API_KEY");
        assertThat(Run.of(bad, "doctor").out()).containsPattern("neon\\s+no\\s+cannot reach Neon at http://127.0.0.1:9");
    }
}
