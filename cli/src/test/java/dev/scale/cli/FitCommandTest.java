package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `scale fit` as a user runs it, on embedded servers. */
class FitCommandTest {
    @TempDir
    Path home;

    static final String MINE = """
            name: mine
            description: a quick check
            requirements:
              - name: expires by itself
                probe: ttl
                params: {keys: 200, ttl: 500ms, sweep: 200ms}
                pass: [native_ttl == true, early_expiries == 0]
                evidence: "p99 lateness {lateness_p99_ms} ms"
              - name: concurrent writers
                probe: write-concurrency
                params: {max-writers: 4, step: 300ms, keys: 100}
                pass: [errors == 0]
                evidence: "{max_ops_per_s} writes/s"
              - name: reads at a steady rate
                probe: rw-mix
                params: {rate: 500, clients: 2, keys: 500, duration: 1s, warmup: 0s}
                pass: [valid == true, p99_ms <= 250]
                evidence: "p99 {p99_ms} ms"
              - name: high availability
                not-measured: needs several nodes
            """;

    private Map<String, String> env() {
        return Run.withoutDocker(home);
    }

    private static void oneLine(Run run, int code, String... fragments) {
        Run.assertOneLine(run, code, fragments);
    }

    @Test
    void badInputIsRefusedInOneLineBeforeAnythingStarts() throws Exception {
        Map<String, String> env = env();
        oneLine(Run.of(env, "fit", "sesions", "--on", "redis"), 2, "unknown scenario 'sesions'", "sessions, cache, job-queue");
        oneLine(Run.of(env, "fit", "sessions"), 2, "--on is missing");
        oneLine(Run.of(env, "fit"), 2, "which scenario?");
        oneLine(Run.of(env, "fit", "sessions", "--on", "redis", "--require", "postgres"), 2, "--require postgres is not in --on");
        oneLine(Run.of(env, "fit", "sessions", "--on", "redis,redis"), 2, "names a store twice");
        oneLine(Run.of(env, "fit", "sessions", "--on", "redis", "-o", "xml"), 2, "unknown format 'xml'");
        oneLine(Run.of(env, "fit", "sessions", "--on", "mysql"), 2, "no running instance, kind or URL");
        Path bad = home.resolve("bad.yaml");
        Files.writeString(bad, MINE.replace("p99_ms <= 250", "p99 <= 250"));
        oneLine(Run.of(env, "fit", bad.toString(), "--on", "redis"), 2, "requirement 'reads at a steady rate'", "measures no 'p99'");
        oneLine(Run.of(env, "fit", "sessions", "--on", "redis", "--report", home.resolve("no/such/dir/r.html").toString()), 2,
                "cannot write the report");
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    @Test
    void completionOffersScenariosProbesAndTheNextItemOfAStoreList() {
        Map<String, String> env = env();
        assertThat(Run.of(env, "__complete", "fit", "").out().lines()).containsExactly("cache", "events", "files", "job-queue", "sessions");
        assertThat(Run.of(env, "__complete", "fit", "sessions", "--on", "redis,p").out().lines()).containsExactly("redis,postgres");
        assertThat(Run.of(env, "__complete", "probe", "").out().lines()).contains("kv", "ttl", "write-concurrency", "rw-mix");
        assertThat(Run.of(env, "__complete", "probe", "capacity", "--t").out().lines()).containsExactly("--target");
    }

    @Test
    void listAndPrintShowTheBuiltInScenarios() {
        Run list = Run.of(env(), "fit", "--list");
        assertThat(list.code()).isZero();
        assertThat(list.out().lines()).extracting(l -> l.split(" ")[0]).containsExactly("sessions", "cache", "job-queue", "events", "files");
        Run print = Run.of(env(), "fit", "sessions", "--print");
        assertThat(print.out()).startsWith("# The talk's worked example").contains("probe: ttl", "probe: failover");
    }

    @Test
    void aUsersScenarioOnTwoStoresGivesMeasuredVerdictsJsonAReportAndTheRequireExitCode() throws Exception {
        Map<String, String> env = env();
        Path mine = home.resolve("mine.yaml");
        Files.writeString(mine, MINE);
        Path report = home.resolve("report.html");
        Run r = Run.of(env, "fit", mine.toString(), "--on", "redis,postgres", "--output", "json", "--require", "postgres",
                "--report", report.toString());
        assertThat(r.code()).as("postgres is required and fails native TTL: " + r.err()).isEqualTo(1);
        assertThat(r.err()).contains("redis: (1/4) expires by itself", "postgres: (4/4) high availability",
                "required store failed: postgres", "report written to");
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.get("scenario").asText()).isEqualTo("mine");
        List<String> cells = new ArrayList<>();
        for (JsonNode c : json.get("results")) {
            cells.add(c.get("requirement").asText() + "/" + c.get("store").asText() + "=" + c.get("verdict").asText());
            assertThat(c.has("evidence")).isTrue();
            assertThat(c.get("metrics").isObject()).isTrue();
        }
        assertThat(cells).containsExactly(
                "expires by itself/redis=PASS", "concurrent writers/redis=PASS", "reads at a steady rate/redis=PASS", "high availability/redis=N/A",
                "expires by itself/postgres=FAIL", "concurrent writers/postgres=PASS", "reads at a steady rate/postgres=PASS",
                "high availability/postgres=N/A");
        assertThat(json.at("/results/4/evidence").asText()).startsWith("native_ttl false, needs true");
        assertThat(json.at("/results/4/metrics/native_ttl").asBoolean()).isFalse();
        assertThat(json.at("/results/0/metrics/lateness_p99_ms").isNumber()).isTrue();
        assertThat(json.at("/stores/0/passed").asBoolean()).isTrue();
        assertThat(json.at("/stores/1/passed").asBoolean()).isFalse();

        String html = Files.readString(report);
        assertThat(html).contains("<table id=\"verdicts\">", "Throughput against writers", "Latency percentiles", "TTL lateness",
                "postgres (emulated)", "class=\"FAIL\"");
        assertThat(html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "")).as("nothing to fetch: the report works offline")
                .doesNotContainPattern("(src|href)=|https?://|@import|<script");
        assertThat(Run.of(env, "ls").out()).as("disposable stores removed").contains("no instances");

        // Rendered by a real browser: the charts' series colours and the verdict cells' backgrounds are on screen.
        Path png = Path.of("target/fit-report.png").toAbsolutePath();
        java.awt.image.BufferedImage shot = Chromium.screenshot(report, png);
        assertThat(Chromium.pixels(shot, 0x2563eb)).as("redis series (blue) in the charts").isGreaterThan(2000);
        assertThat(Chromium.pixels(shot, 0xdc2626)).as("postgres series (red) in the charts").isGreaterThan(2000);
        assertThat(Chromium.pixels(shot, 0xdcfce7)).as("PASS cells").isGreaterThan(5000);
        assertThat(Chromium.pixels(shot, 0xfee2e2)).as("the FAIL cell").isGreaterThan(1000);

        Run table = Run.of(env, "fit", mine.toString(), "--on", "redis", "--require", "redis");
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).contains("mine on redis", "requirement", "expires by itself", "PASS · p99 lateness", "N/A · needs several nodes",
                "3 PASS, 0 FAIL, 1 N/A · fits");
    }
}
