package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `--provider clever` through scale's own commands: the control plane against {@link CleverDouble} (Clever
 * Cloud's API as the research notes give it), the data plane a real PostgreSQL and a real Redis that both require
 * TLS, verified against the test's authority (SCALE_CA_FILE). What the double cannot show: Clever Cloud itself.
 */
class CleverProviderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    Map<String, String> env;
    CleverDouble clever;
    TlsRedis redis;

    @BeforeEach
    void setUp() throws Exception {
        Map<String, String> local = Run.withoutDocker(home);
        TlsPostgres postgres = TlsPostgres.start(home, local);
        redis = TlsRedis.start(Files.createDirectories(home.resolve("redis")));
        clever = new CleverDouble(postgres, redis);
        env = Run.withoutDocker(home);
        env.put("CLEVER_TOKEN", CleverDouble.TOKEN);
        env.put("CLEVER_ORG_ID", CleverDouble.ORG);
        env.put("SCALE_CLEVER_API_URL", clever.url());
        // each test server has its own self-signed certificate: SCALE_CA_FILE holds both, as a PEM bundle of authorities may
        Path ca = home.resolve("ca.pem");
        Files.writeString(ca, Files.readString(postgres.ca()) + Files.readString(redis.ca()));
        env.put("SCALE_CA_FILE", ca.toString());
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (clever != null) {
                // each test leaves nothing on the service, in the data planes, or running: checked before the clean-up
                assertThat(clever.liveAddons()).as("add-ons left on the double").isEmpty();
                assertThat(clever.dataPlaneEmpty()).as("roles, databases or tokens left in the data planes").isTrue();
                assertThat(reapers()).as("reaper processes left").isEmpty();
            }
        } finally {
            Run.of(env != null ? env : Run.withoutDocker(home), "down", "--all"); // the TLS PostgreSQL is an embedded instance here
            if (clever != null) {
                clever.close();
            }
            if (redis != null) {
                redis.close();
            }
        }
    }

    @Test
    void postgresUpLsEnvAndDownWorkAsOnTheLocalProvidersOverVerifiedTls() throws Exception {
        Run up = Run.of(env, "up", "postgres", "--provider", "clever", "--name", "clever-pg", "--ttl", "30m", "--output", "json");
        assertThat(up.code()).as(up.err()).isZero();
        JsonNode i = JSON.readTree(up.out()).get(0);
        // handed out only once the data plane took the add-on's credentials, after the slow provisioning phase
        assertThat(clever.addons.values()).singleElement().matches(a -> a.path("provisioned").asBoolean());
        assertThat(i.get("provider").asText()).isEqualTo("clever");
        assertThat(i.get("ttlEnforcedBy").asText()).isEqualTo("reaper");
        assertThat(i.get("url").asText()).matches("postgresql://u[0-9a-f]{12}:\\w+@localhost:" + clever.postgres.admin().port()
                + "/b[0-9a-f]{12}\\?sslmode=require");
        assertThat(i.get("env").get("PGSSLMODE").asText()).isEqualTo("require");
        assertThat(up.err()).contains("creating add-on scale-clever-pg (postgresql-addon, plan dev, organisation " + CleverDouble.ORG + ")",
                "waiting for PostgreSQL on localhost (TLS)", "ready").doesNotContain(CleverDouble.TOKEN);
        // the documented requests, with the plan's id (not its slug), and the token as Bearer on every one
        assertThat(clever.requests).contains("GET /v2/products/addonproviders?orgaId=" + CleverDouble.ORG);
        assertThat(clever.requests).contains("POST /v2/organisations/" + CleverDouble.ORG + "/addons {\"name\":\"scale-clever-pg\",\"plan\":\""
                + CleverDouble.PG_PLAN + "\",\"providerId\":\"postgresql-addon\",\"region\":\"par\",\"options\":{}}");
        assertThat(clever.requests).anyMatch(r -> r.matches("GET /v2/organisations/" + CleverDouble.ORG + "/addons/addon_[0-9a-f-]{36}/env"));
        assertThat(clever.authorizations).containsOnly("Bearer " + CleverDouble.TOKEN);
        Path ledger = home.resolve("state/managed/clever/clever-pg.json");
        assertThat(Files.getPosixFilePermissions(ledger)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        long reaper = reaperPid(ledger);
        assertThat(ProcessHandle.of(reaper)).as("the reaper runs until the instance's expiry").isPresent();

        // a real libpq client with the contract's URL: the server takes TLS only (hostssl), and the add-on's own role
        Process psql = Run.process(env, "psql", i.get("url").asText(), "-tAc", "SELECT current_user").redirectErrorStream(true).start();
        String whoami = new String(psql.getInputStream().readAllBytes()).strip();
        assertThat(psql.waitFor(30, TimeUnit.SECONDS) && psql.exitValue() == 0).as(whoami).isTrue();
        assertThat(whoami).isEqualTo(i.get("username").asText());

        Run ls = Run.of(env, "ls");
        assertThat(ls.out()).containsPattern("clever-pg\\s+postgres\\s+\\S+\\s+clever\\s+running").doesNotContain(i.get("password").asText());
        JsonNode listed = find(JSON.readTree(Run.of(env, "ls", "--output", "json").out()), "clever-pg");
        assertThat(listed.get("provider").asText()).isEqualTo("clever");
        assertThat(listed.get("ttlEnforcedBy").asText()).isEqualTo("reaper");
        assertThat(Run.of(env, "env", "clever-pg").out()).contains("DATABASE_URL=", "sslmode=require");

        Run down = Run.of(env, "down", "clever-pg");
        assertThat(down.out()).contains("removed clever-pg");
        assertThat(clever.requests).anyMatch(r -> r.matches("DELETE /v2/organisations/" + CleverDouble.ORG + "/addons/addon_[0-9a-f-]{36}"));
        assertThat(ledger).doesNotExist();
        assertThat(waitGone(reaper)).as("down stops the reaper").isTrue();
    }

    @Test
    void runWithRedisGivesItsCommandMateriaKvOverVerifiedTlsInThePersonalSpace() throws Exception {
        Map<String, String> personal = new HashMap<>(env);
        personal.remove("CLEVER_ORG_ID");
        clever.scripted.add(new Object[] {429, CleverDouble.error(429, "Too many requests"), "1"});
        Path out = home.resolve("run.out");
        // redis-cli, a real client of the contract: rediss:// with the token as the default user's password
        Run run = Run.of(personal, "run", "-q", "--provider", "clever", "--with", "redis", "--", "sh", "-c",
                "test \"$REDIS_TLS\" = true && redis-cli --no-auth-warning --tls --cacert \"$SCALE_CA_FILE\" -u \"$REDIS_URL\" SET greeting hello >"
                        + " '" + out + "' && redis-cli --no-auth-warning --tls --cacert \"$SCALE_CA_FILE\" -u \"$REDIS_URL\" GET greeting >> '" + out + "'");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(Files.readString(out)).isEqualTo("OK\nhello\n");
        assertThat(run.err()).doesNotContain(CleverDouble.TOKEN);
        // the rate limit was waited out; the personal space's paths; Materia KV's free plan, not the first one listed
        assertThat(clever.requests.get(0)).as("the request refused with 429 is made again").isEqualTo(clever.requests.get(1))
                .startsWith("GET /v2/self/addons");
        assertThat(clever.requests).contains("GET /v2/products/addonproviders");
        assertThat(clever.requests).contains("POST /v2/self/addons {\"name\":\"scale-redis\",\"plan\":\"" + CleverDouble.KV_FREE_PLAN
                + "\",\"providerId\":\"kv\",\"region\":\"par\",\"options\":{}}");
        assertThat(clever.requests).anyMatch(r -> r.matches("DELETE /v2/self/addons/addon_[0-9a-f-]{36}"));
        assertThat(home.resolve("state/managed/clever/redis.json")).doesNotExist();
    }

    @Test
    void theReaperRemovesAnInstanceAtItsTtlWithNoScaleCommandRun() throws Exception {
        Run up = Run.of(env, "up", "redis", "--provider", "clever", "--name", "clever-ttl", "--ttl", "20s", "--output", "json");
        assertThat(up.code()).as(up.err()).isZero();
        JsonNode i = JSON.readTree(up.out()).get(0);
        assertThat(i.get("url").asText()).startsWith("rediss://default:").endsWith("@localhost:" + redis.admin().port() + "/0");
        assertThat(i.get("ttlEnforcedBy").asText()).isEqualTo("reaper");
        Path ledger = home.resolve("state/managed/clever/clever-ttl.json");
        long reaper = reaperPid(ledger);
        assertThat(clever.liveAddons()).containsExactly("scale-clever-ttl");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while ((!clever.liveAddons().isEmpty() || Files.exists(ledger)) && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }
        assertThat(clever.liveAddons()).as("the reaper's down deleted the add-on").isEmpty();
        assertThat(ledger).doesNotExist();
        assertThat(waitGone(reaper)).as("the reaper ends once it has removed the instance").isTrue();
        assertThat(home.resolve("state/managed/clever/clever-ttl.reaper.log")).doesNotExist();
    }

    @Test
    void aBadTokenAServiceFailureAndAFailureAfterCreateEachGetTheirLineAndLeaveNothing() throws Exception {
        Map<String, String> badToken = new HashMap<>(env);
        badToken.put("CLEVER_TOKEN", "wrong-token");
        Run refused = Run.of(badToken, "up", "postgres", "--provider", "clever");
        Run.assertOneLine(refused, 3, "Clever Cloud refused the API key (HTTP 401", "check CLEVER_TOKEN");
        assertThat(refused.err()).doesNotContain("wrong-token");

        // Clever's documented 503 when a cluster has no room (terraform-provider-clevercloud issue 296)
        clever.failCreateWith = "Error from provider: No resource available to provision an addon on grahds.";
        Run unavailable = Run.of(env, "up", "postgres", "--provider", "clever", "--name", "clever-full");
        Run.assertOneLine(unavailable, 1, "Clever Cloud failed on POST /v2/organisations/" + CleverDouble.ORG + "/addons (HTTP 503",
                "No resource available", "nothing was left half made");
        clever.failCreateWith = null;

        // the add-on exists when its env cannot be read: it is deleted, and its ledger with it
        clever.failEnvWith = "internal error";
        Run half = Run.of(env, "up", "redis", "--provider", "clever", "--name", "clever-half");
        Run.assertOneLine(half, 1, "Clever Cloud failed on GET", "/env (HTTP 500", "nothing was left half made");
        assertThat(clever.requests).anyMatch(r -> r.startsWith("DELETE /v2/organisations/" + CleverDouble.ORG + "/addons/addon_"));
        assertThat(home.resolve("state/managed/clever/clever-half.json")).doesNotExist();
        clever.failEnvWith = null;

        Map<String, String> offline = new HashMap<>(env);
        offline.put("SCALE_CLEVER_API_URL", "http://127.0.0.1:1");
        Run.assertOneLine(Run.of(offline, "up", "postgres", "--provider", "clever"), 3, "cannot reach Clever Cloud at http://127.0.0.1:1",
                "SCALE_CLEVER_API_URL");
        Map<String, String> noToken = new HashMap<>(env);
        noToken.remove("CLEVER_TOKEN");
        Run.assertOneLine(Run.of(noToken, "up", "postgres", "--provider", "clever"), 3, "no Clever Cloud API token: set CLEVER_TOKEN");
        Map<String, String> badOrg = new HashMap<>(env);
        badOrg.put("CLEVER_ORG_ID", "user_1234");
        Run.assertOneLine(Run.of(badOrg, "up", "postgres", "--provider", "clever"), 2, "CLEVER_ORG_ID is 'user_1234', not an organisation id");
        Run.assertOneLine(Run.of(env, "up", "memcached", "--provider", "clever"), 2, "clever runs postgres (PostgreSQL add-on) and redis (Materia KV) only");
        Run.assertOneLine(Run.of(env, "up", "postgres:15", "--provider", "clever"), 2, "cannot be asked for");
        for (String r : clever.requests) {
            assertThat(r).doesNotContain(CleverDouble.TOKEN);
        }
    }

    @Test
    void anUpKilledBetweenCreateAndReadyIsAnOrphanGcDeletesThroughTheApiAsIsAnAddOnMadeElsewhere() throws Exception {
        clever.provisioningMillis = 60_000; // the data plane keeps refusing: the start waits there when it is killed
        Process up = Run.process(env, Run.launcher(home).toString(), "up", "postgres", "--provider", "clever", "--name", "clever-killed")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        // the env is read once the ledger is written: from then on the start only waits for the data plane
        while (clever.requests.stream().noneMatch(r -> r.endsWith("/env")) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(300);
        up.destroyForcibly(); // kill -9: no hook runs
        assertThat(up.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(clever.liveAddons()).as("the add-on was made").containsExactly("scale-clever-killed");
        assertThat(home.resolve("state/managed/clever/clever-killed.json")).exists();
        assertThat(Run.of(env, "ls").out()).containsPattern("clever-killed\\s+postgres\\s+\\S+\\s+clever\\s+orphaned");
        assertThat(Run.of(env, "gc").out()).contains("removed clever-killed (clever, orphaned");
        assertThat(clever.liveAddons()).isEmpty();
        assertThat(home.resolve("state/managed/clever/clever-killed.json")).doesNotExist();

        // made on another machine (or its ledger lost): Clever's own listing shows it, gc deletes it through the API
        clever.provisioningMillis = 0;
        HttpResponse<String> made = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(clever.url() + "/v2/organisations/"
                        + CleverDouble.ORG + "/addons")).header("Authorization", "Bearer " + CleverDouble.TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"scale-clever-stray\",\"plan\":\"" + CleverDouble.KV_FREE_PLAN
                        + "\",\"providerId\":\"kv\",\"region\":\"par\",\"options\":{}}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(made.statusCode()).as(made.body()).isEqualTo(200);
        assertThat(Run.of(env, "gc", "--dry-run").out()).as("a young add-on may be another process's start").doesNotContain("clever-stray");
        clever.addons.values().forEach(a -> a.put("creationDate", System.currentTimeMillis() - 600_000));
        assertThat(Run.of(env, "ls").out()).containsPattern("clever-stray\\s+redis\\s+\\S+\\s+clever\\s+orphaned");
        assertThat(Run.of(env, "gc").out()).contains("removed clever-stray (clever, orphaned");
        assertThat(clever.liveAddons()).isEmpty();
    }

    @Test
    void doctorSaysWhetherTheTokenIsSetAndTheApiAnswers() {
        assertThat(Run.of(env, "doctor", "--output", "json").out())
                .contains("CLEVER_TOKEN set (organisation " + CleverDouble.ORG + "); the API at " + clever.url() + " answers");
        Map<String, String> bad = new HashMap<>(env);
        bad.put("CLEVER_TOKEN", "wrong-token");
        assertThat(Run.of(bad, "doctor").out()).containsPattern("clever\\s+no\\s+Clever Cloud refused the API key").doesNotContain("wrong-token");
        bad.remove("CLEVER_TOKEN");
        assertThat(Run.of(bad, "doctor").out()).containsPattern("clever\\s+no\\s+no Clever Cloud API token: set CLEVER_TOKEN");
    }

    private static JsonNode find(JsonNode instances, String name) {
        for (JsonNode i : instances) {
            if (i.get("name").asText().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no " + name + " in " + instances);
    }

    /** The pid of the reaper the ledger names (host/pid/started). */
    private static long reaperPid(Path ledger) throws Exception {
        String owner = JSON.readTree(ledger.toFile()).path("reaper").asText("");
        assertThat(owner).as("the ledger names its reaper").matches("[^/]+/\\d+/\\d+");
        return Long.parseLong(owner.split("/")[1]);
    }

    private static boolean waitGone(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
    }

    /**
     * This test's reaper processes that still run: {@code pgrep -f "down --expired"}, narrowed to those whose
     * environment holds this test's state directory (other tests' reapers may run beside them).
     */
    private List<String> reapers() throws Exception {
        Process pgrep = new ProcessBuilder("pgrep", "-f", "down --expired").redirectErrorStream(true).start();
        String pids = new String(pgrep.getInputStream().readAllBytes());
        pgrep.waitFor(10, TimeUnit.SECONDS);
        String mine = "SCALE_STATE_DIR=" + home.resolve("state");
        List<String> found = new java.util.ArrayList<>();
        for (String pid : pids.lines().map(String::strip).filter(l -> l.matches("\\d+")).toList()) {
            try {
                String environ = new String(Files.readAllBytes(Path.of("/proc", pid, "environ")));
                if (List.of(environ.split("\0")).contains(mine)) {
                    found.add(pid);
                }
            } catch (java.io.IOException gone) {
                // ended meanwhile, or not ours to read
            }
        }
        return found;
    }
}
