package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scale.providers.Owner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `--provider capella` through scale's own commands, against {@link CapellaDouble}: Capella's Management API v4 as
 * docs/research/capella.md gives it. The data plane is CouchbaseMock (a TEST DOUBLE of Couchbase Server's key/value
 * path) behind a real TLS endpoint: scale's couchbases:// connection, its certificate and host name checks and
 * SCALE_CA_FILE run for real; Couchbase Server and Capella themselves never ran here.
 */
class CapellaProviderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** An address of the documentation range: this machine's own is not asked of the network in tests. */
    private static final String CALLER = "203.0.113.7";

    @TempDir
    Path home;
    Map<String, String> env;
    CapellaDouble capella;

    @BeforeEach
    void setUp() throws Exception {
        capella = new CapellaDouble(home);
        env = Run.withoutDocker(home);
        env.put("CAPELLA_API_KEY", CapellaDouble.KEY);
        env.put("CAPELLA_ORG_ID", CapellaDouble.ORG);
        env.put("CAPELLA_PROJECT_ID", CapellaDouble.PROJECT);
        env.put("SCALE_CAPELLA_API_URL", capella.url());
        env.put("SCALE_CAPELLA_CIDR", CALLER);
        env.put("SCALE_CA_FILE", capella.data.ca().toString());
    }

    @AfterEach
    void tearDown() {
        Run.of(env, "down", "--all");
        capella.close();
    }

    private Path ledger(String name) {
        return home.resolve("state/managed/capella/" + name + ".json");
    }

    private Map<String, String> without(String variable) {
        Map<String, String> e = new HashMap<>(env);
        e.remove(variable);
        return e;
    }

    @Test
    void aStartGoesThroughItsPhasesAndFailsAtTheDataPlaneCheckWithNothingLeft() throws Exception {
        // no SCALE_CA_FILE: the data plane's certificate is signed by an authority scale does not trust, as behind a
        // TLS-intercepting proxy; the first create is rate limited once (429 with Retry-After)
        capella.scripted.add(new CapellaDouble.Scripted("POST /v4/organizations/" + CapellaDouble.ORG + "/projects/" + CapellaDouble.PROJECT
                + "/clusters/freeTier", 429, CapellaDouble.error(429, 429, "Too many requests.", "Slow down."), "1"));
        Run up = Run.of(without("SCALE_CA_FILE"), "up", "couchbase", "--provider", "capella", "--name", "half");
        Run.assertOneLine(up, 3, "Couchbase at localhost:" + capella.data.port() + " showed a TLS certificate scale does not trust",
                "set SCALE_CA_FILE");
        assertThat(up.err()).contains("creating free cluster scale-half on Capella", "half: cluster deploying…", "half: cluster healthy",
                "creating bucket scale", "creating database credential scale", "allowing " + CALLER + "/32 to connect until",
                "waiting for Couchbase on localhost (TLS)", "deleting cluster scale-half").doesNotContain(CapellaDouble.KEY);
        assertThat(up.err().indexOf("cluster deploying")).isLessThan(up.err().indexOf("cluster healthy"));
        assertThat(capella.requests.stream().filter(r -> r.startsWith("POST ") && r.contains("/clusters/freeTier {"))).as("retried once after 429").hasSize(2);
        assertThat(capella.requests).anyMatch(r -> r.matches("DELETE /v4/organizations/" + CapellaDouble.ORG + "/projects/" + CapellaDouble.PROJECT
                + "/clusters/freeTier/[0-9a-f-]+"));
        assertThat(capella.liveClusters()).as("cluster").isEmpty();
        assertThat(capella.madeInClusters()).as("bucket, user and allowed CIDR").isZero();
        assertThat(ledger("half")).doesNotExist();
        assertThat(Run.of(env, "ls").out()).doesNotContain("half");
    }

    @Test
    void upLsEnvProbeRunAndDownOverVerifiedTls() throws Exception {
        Run up = Run.of(env, "up", "couchbase", "--provider", "capella", "--name", "app", "--ttl", "30m", "--output", "json");
        assertThat(up.code()).as(up.err()).isZero();
        JsonNode i = JSON.readTree(up.out()).get(0);
        assertThat(i.get("provider").asText()).isEqualTo("capella");
        assertThat(i.get("ttlEnforcedBy").asText()).isEqualTo("reaper");
        assertThat(i.get("version").asText()).isEqualTo("7.6.2");
        String contract = "couchbases://localhost:" + capella.data.port();
        assertThat(i.get("url").asText()).isEqualTo(contract);
        assertThat(i.get("env").get("COUCHBASE_CONNECTION_STRING").asText()).isEqualTo(contract);
        assertThat(i.get("env").get("COUCHBASE_USERNAME").asText()).isEqualTo("scale");
        assertThat(i.get("env").get("COUCHBASE_BUCKET").asText()).isEqualTo("scale");
        assertThat(up.err()).contains("ready (couchbase 7.6.2 on Capella's free tier)").doesNotContain(CapellaDouble.KEY);

        // the documented requests, in order, with the bodies the research gives
        String base = "/v4/organizations/" + CapellaDouble.ORG + "/projects/" + CapellaDouble.PROJECT + "/clusters";
        List<String> posts = capella.requests.stream().filter(r -> r.startsWith("POST ")).toList();
        assertThat(posts).hasSize(4);
        assertThat(posts.get(0)).matches("POST " + base + "/freeTier \\{\"name\":\"scale-app\",\"description\":\"made by scale; removed at [0-9T:-]+Z\","
                + "\"cloudProvider\":\\{\"type\":\"aws\",\"region\":\"us-east-2\",\"cidr\":\"10.1.0.0/24\"}}");
        assertThat(posts.get(1)).matches("POST " + base + "/[0-9a-f-]+/buckets/freeTier \\{\"name\":\"scale\"}");
        assertThat(posts.get(2)).matches("POST " + base + "/[0-9a-f-]+/users \\{\"name\":\"scale\",\"password\":\"[^\"]{24}\",\"access\":\\[\\{"
                + "\"privileges\":\\[\"data_reader\",\"data_writer\"],\"resources\":\\{\"buckets\":\\[\\{\"name\":\"scale\"}]}}]}");
        JsonNode entry = JSON.readTree(ledger("app").toFile());
        assertThat(posts.get(3)).isEqualTo("POST " + base + "/" + entry.get("cluster").asText() + "/allowedcidrs {\"cidr\":\"" + CALLER + "/32\","
                + "\"comment\":\"scale instance app\",\"expiresAt\":\"" + i.get("expiresAt").asText() + "\"}");
        assertThat(capella.requests).anyMatch(r -> r.startsWith("GET " + base + "/freeTier/"));
        assertThat(Files.getPosixFilePermissions(ledger("app"))).containsExactlyInAnyOrder(
                java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        Owner reaper = Owner.parse(entry.get("reaper").asText()).orElseThrow();
        assertThat(reaper.gone()).as("the reaper runs until the expiry").isFalse();

        Run ls = Run.of(env, "ls");
        assertThat(ls.out()).containsPattern("app\\s+couchbase\\s+7.6.2\\s+capella\\s+running").doesNotContain(i.get("password").asText());
        assertThat(Run.of(env, "env", "app").out()).contains("COUCHBASE_CONNECTION_STRING='" + contract + "'");

        // the probes' own SDK connection: couchbases:// with SCALE_CA_FILE's authority, through the TLS endpoint
        Run kv = Run.of(env, "probe", "kv", "--on", "app", "--keys", "100", "--clients", "2", "--duration", "1s", "--warmup", "0s");
        assertThat(kv.code()).as(kv.err()).isZero();
        // and a couchbases:// URL as a user would give it, verified against SCALE_CA_FILE too
        String byUrl = "couchbases://scale:" + java.net.URLEncoder.encode(i.get("password").asText(), java.nio.charset.StandardCharsets.UTF_8)
                + "@localhost:" + capella.data.port() + "/scale";
        Run rmw = Run.of(env, "probe", "atomic-rmw", "--on", byUrl, "--clients", "2", "--increments", "20", "--output", "json");
        assertThat(rmw.code()).as(rmw.err()).isZero();
        assertThat(rmw.out() + rmw.err()).doesNotContain(i.get("password").asText());

        Run down = Run.of(env, "down", "app");
        assertThat(down.out()).contains("removed app");
        assertThat(capella.liveClusters()).isEmpty();
        assertThat(ledger("app")).doesNotExist();
        assertThat(home.resolve("state/managed/capella/app.reaper.log")).doesNotExist();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!reaper.gone() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(reaper.gone()).as("down stops the reaper").isTrue();

        Run run = Run.of(env, "run", "-q", "--provider", "capella", "--with", "couchbase", "--", "sh", "-c",
                "test \"$COUCHBASE_CONNECTION_STRING\" = " + contract + " && test \"$COUCHBASE_USERNAME\" = scale && test -n \"$COUCHBASE_PASSWORD\"");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(capella.liveClusters()).as("run removes its cluster").isEmpty();
    }

    @Test
    void anOrganizationOnTheFreePlanAloneGetsOneLineNamingTheUpgrade() throws Exception {
        capella.freeOnly = true;
        Run up = Run.of(env, "up", "couchbase", "--provider", "capella");
        Run.assertOneLine(up, 3, "Capella refused its management API to this key (HTTP 403", "free plan alone", "upgrade the organization");
        assertThat(up.out() + up.err()).doesNotContain(CapellaDouble.KEY);
        assertThat(capella.liveClusters()).isEmpty();
        assertThat(home.resolve("state/managed/capella")).satisfiesAnyOf(d -> assertThat(d).doesNotExist(), d -> assertThat(d).isEmptyDirectory());
        assertThat(Run.of(env, "doctor").out()).containsPattern("capella\\s+no\\s+Capella refused its management API").doesNotContain(CapellaDouble.KEY);

        capella.freeOnly = false;
        Map<String, String> badKey = new HashMap<>(env);
        badKey.put("CAPELLA_API_KEY", "wrong-key");
        Run.assertOneLine(Run.of(badKey, "up", "couchbase", "--provider", "capella"), 3, "Capella refused the API key (HTTP 401", "check CAPELLA_API_KEY");
        Run.assertOneLine(Run.of(without("CAPELLA_PROJECT_ID"), "up", "couchbase", "--provider", "capella"), 3,
                "no Capella settings: set CAPELLA_PROJECT_ID");
        Run.assertOneLine(Run.of(env, "up", "redis", "--provider", "capella"), 2, "capella runs Couchbase only");
        Map<String, String> badCidr = new HashMap<>(env);
        badCidr.put("SCALE_CAPELLA_CIDR", "my laptop");
        Run.assertOneLine(Run.of(badCidr, "up", "couchbase", "--provider", "capella"), 2, "SCALE_CAPELLA_CIDR is not an IPv4 address or CIDR");
        assertThat(capella.liveClusters()).isEmpty();
    }

    @Test
    void aSecondFreeClusterIsRefusedInOneLineNamingWhoHoldsIt() throws Exception {
        Run first = Run.of(env, "up", "couchbase", "--provider", "capella", "--name", "first");
        assertThat(first.code()).as(first.err()).isZero();
        Run second = Run.of(env, "up", "couchbase", "--provider", "capella", "--name", "second");
        Run.assertOneLine(second, 1, "Capella allows one free cluster per organization, and scale instance first holds it", "HTTP 422",
                "scale down first");
        assertThat(ledger("second")).doesNotExist();
        assertThat(capella.liveClusters()).containsExactly("scale-first");
        assertThat(Run.of(env, "down", "first").out()).contains("removed first");

        capella.preload("team-cluster", 60);
        Run outside = Run.of(env, "up", "couchbase", "--provider", "capella", "--name", "third");
        Run.assertOneLine(outside, 1, "Capella allows one free cluster per organization, and it has one that scale did not make here",
                "cloud.couchbase.com");
        capella.listsFreeTier = true;
        Run.assertOneLine(Run.of(env, "up", "couchbase", "--provider", "capella", "--name", "third"), 1,
                "cluster team-cluster, which scale did not make, holds it");
        assertThat(capella.liveClusters()).containsExactly("team-cluster");
    }

    @Test
    void anUpKilledAfterTheCreateIsAnOrphanThatGcDeletesThroughTheApi() throws Exception {
        capella.holdDeploying = true;
        Path scale = Run.launcher(home);
        Process up = Run.process(env, scale.toString(), "up", "couchbase", "--provider", "capella", "--name", "killed")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(ledger("killed")) && capella.requests.stream().anyMatch(r -> r.startsWith("GET ") && r.contains("/freeTier/")))
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        up.destroyForcibly(); // kill -9: no hook runs
        assertThat(up.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(capella.liveClusters()).as("the cluster was made").containsExactly("scale-killed");

        assertThat(Run.of(env, "ls").out()).containsPattern("killed\\s+couchbase\\s+\\S+\\s+capella\\s+orphaned");
        assertThat(Run.of(env, "gc", "--dry-run").out()).contains("would remove killed (capella, orphaned");
        Run gc = Run.of(env, "gc");
        assertThat(gc.out()).contains("removed killed (capella, orphaned");
        assertThat(capella.liveClusters()).isEmpty();
        assertThat(ledger("killed")).doesNotExist();
        assertThat(capella.requests).anyMatch(r -> r.startsWith("DELETE ") && r.contains("/clusters/freeTier/"));
    }

    @Test
    void ctrlCWhileTheClusterDeploysDeletesItBeforeScaleExits() throws Exception {
        capella.holdDeploying = true;
        Path scale = Run.launcher(home);
        Process up = Run.process(env, scale.toString(), "up", "couchbase", "--provider", "capella", "--name", "stopped")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(ledger("stopped")) && capella.requests.stream().anyMatch(r -> r.startsWith("GET ") && r.contains("/freeTier/")))
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        new ProcessBuilder("kill", "-INT", Long.toString(up.pid())).start().waitFor();
        assertThat(up.waitFor(60, TimeUnit.SECONDS)).as("scale exits once the cluster is gone").isTrue();
        assertThat(capella.liveClusters()).isEmpty();
        assertThat(ledger("stopped")).doesNotExist();
        assertThat(capella.requests).anyMatch(r -> r.startsWith("DELETE ") && r.contains("/clusters/freeTier/"));
    }

    @Test
    void lsMergesClustersKnownOnlyByTheLedgerWithThoseOnlyCapellaListsAndGcRemovesWhatIsGone() throws Exception {
        // Capella's general listing leaves free clusters out ([TF]'s own tests): the ledger is how ls knows this one
        Run up = Run.of(env, "up", "couchbase", "--provider", "capella", "--name", "known");
        assertThat(up.code()).as(up.err()).isZero();
        assertThat(Run.of(env, "ls").out()).containsPattern("known\\s+couchbase\\s+7.6.2\\s+capella\\s+running");
        assertThat(capella.requests).anyMatch(r -> r.startsWith("GET /v4/organizations/" + CapellaDouble.ORG + "/projects/" + CapellaDouble.PROJECT
                + "/clusters?page=1&perPage=100"));

        // deleted on Capella's side (30 days idle, or by hand): dead, and gc forgets it
        JsonNode entry = JSON.readTree(ledger("known").toFile());
        capella.forget("scale-known");
        assertThat(Run.of(env, "ls").out()).containsPattern("known\\s+couchbase\\s+7.6.2\\s+capella\\s+dead");
        assertThat(Run.of(env, "gc").out()).contains("removed known (capella, dead");
        assertThat(ledger("known")).doesNotExist();
        Owner reaper = Owner.parse(entry.get("reaper").asText()).orElseThrow();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!reaper.gone() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(reaper.gone()).as("gc stops the reaper").isTrue();

        // made on another machine: only Capella's listing (where it shows free clusters) knows it
        capella.listsFreeTier = true;
        capella.preload("scale-stray", 10);
        assertThat(Run.of(env, "ls").out()).containsPattern("stray\\s+couchbase\\s+7.6.2\\s+capella\\s+orphaned");
        assertThat(Run.of(env, "gc").out()).contains("removed stray (capella, orphaned");
        assertThat(capella.liveClusters()).isEmpty();
        capella.preload("scale-young", 0);
        assertThat(Run.of(env, "gc", "--dry-run").out()).as("a young cluster may be another process's start").doesNotContain("young");
    }

    @Test
    void withNoAddressGivenScaleAsksAnAddressServiceAndSaysSoInOneLineWhenItCannot() throws Exception {
        // the address service on loopback (SCALE_CAPELLA_ADDRESS_URL): no test reaches checkip.amazonaws.com
        com.sun.net.httpserver.HttpServer checkip = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        checkip.createContext("/", x -> {
            byte[] body = "198.51.100.7\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        checkip.start();
        try {
            Map<String, String> asked = without("SCALE_CAPELLA_CIDR");
            asked.put("SCALE_CAPELLA_ADDRESS_URL", "http://127.0.0.1:" + checkip.getAddress().getPort() + "/");
            Run up = Run.of(asked, "up", "couchbase", "--provider", "capella", "--name", "asked");
            assertThat(up.code()).as(up.err()).isZero();
            assertThat(capella.requests).anyMatch(r -> r.contains("/allowedcidrs") && r.contains("\"cidr\":\"198.51.100.7/32\""));
            Run.of(asked, "down", "asked");
        } finally {
            checkip.stop(0);
        }
        Map<String, String> offline = without("SCALE_CAPELLA_CIDR");
        offline.put("SCALE_CAPELLA_ADDRESS_URL", "http://127.0.0.1:9/");
        int before = capella.requests.size();
        Run up = Run.of(offline, "up", "couchbase", "--provider", "capella");
        Run.assertOneLine(up, 3, "cannot learn this machine's public address", "http://127.0.0.1:9/", "set SCALE_CAPELLA_CIDR");
        assertThat(capella.requests.subList(before, capella.requests.size())).as("asked before anything is made").noneMatch(r -> r.startsWith("POST "));
    }

    @Test
    void doctorSaysWhetherTheCredentialsAreSetAndTheApiAnswers() {
        assertThat(Run.of(env, "doctor", "--output", "json").out())
                .contains("CAPELLA_API_KEY, CAPELLA_ORG_ID and CAPELLA_PROJECT_ID set; the API at " + capella.url() + " answers");
        Map<String, String> none = without("CAPELLA_API_KEY");
        none.remove("CAPELLA_ORG_ID");
        none.remove("CAPELLA_PROJECT_ID");
        assertThat(Run.of(none, "doctor").out()).containsPattern("capella\\s+no\\s+no Capella credentials: set CAPELLA_API_KEY");
    }
}
