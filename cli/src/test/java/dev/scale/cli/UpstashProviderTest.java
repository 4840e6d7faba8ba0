package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `--provider upstash` through scale's own commands: the control plane against {@link UpstashDouble} (Upstash's
 * Developer API as documented), the data plane a real Redis that requires TLS. What the double cannot show:
 * Upstash itself.
 */
class UpstashProviderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    Map<String, String> env;
    UpstashDouble upstash;

    @BeforeEach
    void setUp() throws Exception {
        TlsRedis data = TlsRedis.start(home);
        upstash = new UpstashDouble(data);
        env = Run.withoutDocker(home);
        env.put("UPSTASH_EMAIL", UpstashDouble.EMAIL);
        env.put("UPSTASH_API_KEY", UpstashDouble.KEY);
        env.put("SCALE_UPSTASH_API_URL", upstash.url());
        env.put("SCALE_CA_FILE", data.ca().toString());
    }

    @AfterEach
    void tearDown() throws Exception {
        Run.of(env, "down", "--all");
        upstash.close();
        upstash.data.close();
        assertThat(reapers()).as("no reaper left").isEmpty();
    }

    /** This test's reapers that still run, and the sleep each waits on: found by the state directory in their environment. */
    private java.util.List<ProcessHandle> reapers() {
        return ProcessHandle.allProcesses().filter(p -> {
            try {
                String command = Files.readString(Path.of("/proc/" + p.pid() + "/cmdline")).replace('\0', ' ');
                return (command.contains("down --expired") || command.startsWith("sleep") || command.contains("/sleep "))
                        && Files.readString(Path.of("/proc/" + p.pid() + "/environ")).contains(home.toString());
            } catch (Exception gone) {
                return false;
            }
        }).toList();
    }

    @Test
    void upLsEnvRunAndDownOverVerifiedTlsWithTheTtlLeftToScale() throws Exception {
        Run up = Run.of(env, "up", "redis", "--provider", "upstash", "--name", "cache", "--ttl", "30m", "--output", "json");
        assertThat(up.code()).as(up.err()).isZero();
        JsonNode i = JSON.readTree(up.out()).get(0);
        assertThat(i.get("provider").asText()).isEqualTo("upstash");
        assertThat(i.get("ttlEnforcedBy").asText()).isEqualTo("reaper");
        assertThat(i.get("url").asText()).isEqualTo("rediss://default:" + upstash.data.admin().password().reveal() + "@localhost:"
                + upstash.data.admin().port() + "/0");
        assertThat(up.err()).contains("creating database scale-cache (free plan)", "waiting for Redis on localhost (TLS)", "ready")
                .doesNotContain(UpstashDouble.KEY);
        // the documented create: database_name, platform and primary_region, the free plan, with HTTP Basic email:key
        assertThat(upstash.requests).anyMatch(r -> r.startsWith("POST /redis/database {\"database_name\":\"scale-cache\",\"platform\":\"aws\","
                + "\"primary_region\":\"us-east-1\",\"plan\":\"free\",\"tls\":true} auth=Basic "));
        assertThat(Files.getPosixFilePermissions(home.resolve("state/managed/upstash/cache.json")))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        assertThat(reapers()).as("a reaper (and its sleep) waits for the expiry").isNotEmpty();

        Run ls = Run.of(env, "ls");
        assertThat(ls.out()).containsPattern("cache\\s+redis\\s+\\S+\\s+upstash\\s+running").doesNotContain(i.get("password").asText());
        assertThat(ls.err()).contains("upstash: the service has no expiry: scale's reaper process ends instances at their TIME LEFT");
        assertThat(Run.of(env, "env", "cache").out()).contains("REDIS_URL='rediss://");
        Run probe = Run.of(env, "probe", "atomic-rmw", "--on", "cache", "--output", "json");
        assertThat(probe.code()).as(probe.err()).isZero();

        Run down = Run.of(env, "down", "cache");
        assertThat(down.out()).contains("removed cache");
        assertThat(upstash.liveNames()).isEmpty();
        assertThat(home.resolve("state/managed/upstash/cache.json")).doesNotExist();
        assertThat(reapers()).as("down stops the reaper").isEmpty();

        Run run = Run.of(env, "run", "-q", "--provider", "upstash", "--with", "redis", "--", "sh", "-c",
                "case \"$REDIS_URL\" in rediss://*) exit 0;; *) exit 7;; esac");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(upstash.liveNames()).as("run removes its database").isEmpty();
    }

    @Test
    void theReaperRemovesTheDatabaseAtItsTtlWithNoScaleCommandRun() throws Exception {
        Run up = Run.of(env, "up", "redis", "--provider", "upstash", "--name", "brief", "--ttl", "8s");
        assertThat(up.code()).as(up.err()).isZero();
        assertThat(upstash.liveNames()).containsExactly("scale-brief");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!upstash.liveNames().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(upstash.liveNames()).as("deleted through the API by the reaper").isEmpty();
        assertThat(upstash.requests).anyMatch(r -> r.startsWith("DELETE /redis/database/"));
        while (!reapers().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(home.resolve("state/managed/upstash/brief.json")).doesNotExist();
    }

    @Test
    void theFreePlansOneDatabaseIsNamedWhenTakenAndErrorsAreOneLine() throws Exception {
        assertThat(Run.of(env, "up", "redis", "--provider", "upstash", "--name", "first").code()).isZero();
        Run second = Run.of(env, "up", "redis", "--provider", "upstash", "--name", "second");
        Run.assertOneLine(second, 1, "the free plan holds one, and scale instance first has it", "scale down first");
        Run.of(env, "down", "first");

        upstash.databases.put("x", (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(
                "{\"database_id\":\"x\",\"database_name\":\"mine\",\"endpoint\":\"e\",\"port\":1}"));
        Run.assertOneLine(Run.of(env, "up", "redis", "--provider", "upstash"), 1, "database mine (not scale's) has it");
        upstash.databases.clear();

        Map<String, String> badKey = new HashMap<>(env);
        badKey.put("UPSTASH_API_KEY", "wrong");
        Run bad = Run.of(badKey, "up", "redis", "--provider", "upstash");
        Run.assertOneLine(bad, 3, "Upstash refused the API key (HTTP 401", "check UPSTASH_EMAIL and UPSTASH_API_KEY");
        assertThat(bad.err()).doesNotContain("wrong");
        Run verbose = Run.of(badKey, "--verbose", "up", "redis", "--provider", "upstash");
        assertThat(verbose.err()).as("verbose, still without the credentials").contains("HTTP 401").doesNotContain("wrong")
                .doesNotContain(java.util.Base64.getEncoder().encodeToString((UpstashDouble.EMAIL + ":wrong").getBytes()));

        upstash.scripted.add(new Object[] {429, "\"Too Many Requests\"", "0"});
        Run patient = Run.of(env, "up", "redis", "--provider", "upstash", "--name", "patient");
        assertThat(patient.code()).as(patient.err()).isZero();
        Run.of(env, "down", "patient");

        upstash.scriptedCreate.add(new Object[] {503, "{\"error\":\"service unavailable\"}", null});
        Run.assertOneLine(Run.of(env, "up", "redis", "--provider", "upstash"), 1, "Upstash failed on POST", "HTTP 503", "service unavailable");

        Map<String, String> none = new HashMap<>(env);
        none.remove("UPSTASH_EMAIL");
        Run.assertOneLine(Run.of(none, "up", "redis", "--provider", "upstash"), 3, "no Upstash credentials: set UPSTASH_EMAIL");
        Run.assertOneLine(Run.of(env, "up", "postgres", "--provider", "upstash"), 2, "upstash runs Redis only");
        assertThat(upstash.liveNames()).isEmpty();
        for (String r : upstash.requests) {
            assertThat(r).doesNotContain(UpstashDouble.KEY);
        }
    }

    @Test
    void ctrlCWhileTheDatabaseIsNotReadyDeletesItWithNoGc() throws Exception {
        upstash.dataPort = 9; // nothing answers there: the start waits for the data plane
        Path scale = Run.launcher(home);
        Process up = Run.process(env, scale.toString(), "up", "redis", "--provider", "upstash", "--name", "impatient")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(home.resolve("state/managed/upstash/impatient.json")) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(upstash.liveNames()).containsExactly("scale-impatient");
        new ProcessBuilder("kill", "-INT", Long.toString(up.pid())).start().waitFor();
        assertThat(up.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(up.exitValue()).isNotZero();
        assertThat(upstash.liveNames()).as("deleted by the interrupted up itself").isEmpty();
        assertThat(home.resolve("state/managed/upstash/impatient.json")).doesNotExist();
    }

    @Test
    void anUpKilledOnceItsDatabaseExistsIsAnOrphanThatGcDeletes() throws Exception {
        Path scale = Run.launcher(home);
        Process up = Run.process(env, scale.toString(), "up", "redis", "--provider", "upstash", "--name", "killed")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (upstash.liveNames().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        up.destroyForcibly(); // kill -9: no hook runs
        assertThat(up.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(upstash.liveNames()).containsExactly("scale-killed");
        if (!Files.exists(home.resolve("state/managed/upstash/killed.json"))) {
            // killed before its ledger was written: told from another process's start by its age
            upstash.databases.values().forEach(d -> d.put("creation_time", java.time.Instant.now().minusSeconds(600).getEpochSecond()));
        }
        assertThat(Run.of(env, "ls").out()).containsPattern("killed\\s+redis\\s+\\S+\\s+upstash\\s+(orphaned|expired)");
        assertThat(Run.of(env, "gc").out()).contains("removed killed (upstash");
        assertThat(upstash.liveNames()).isEmpty();
        assertThat(home.resolve("state/managed/upstash/killed.json")).doesNotExist();
    }
}
