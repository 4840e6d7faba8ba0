package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scale.providers.RequireDocker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `scale doctor`: what this machine can use now, one line each, found by asking the real engine, binaries and directories. */
class DoctorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    private static Map<String, JsonNode> checks(Run run) throws Exception {
        Map<String, JsonNode> byName = new HashMap<>();
        JSON.readTree(run.out()).get("checks").forEach(c -> byName.put(c.get("check").asText(), c));
        return byName;
    }

    @Test
    void withoutAnEngineItSaysWhyAndThatTheEmbeddedServersRun() throws Exception {
        Run run = Run.of(Run.withoutDocker(home), "doctor", "--output", "json");
        assertThat(run.code()).as(run.err()).isZero();
        Map<String, JsonNode> c = checks(run);
        assertThat(c.get("docker").get("status").asText()).isEqualTo("no");
        assertThat(c.get("docker").get("detail").asText()).contains("no Docker engine is reachable", "--provider embedded");
        assertThat(c.get("embedded redis").get("status").asText()).isEqualTo("ok");
        assertThat(c.get("embedded postgres").get("detail").asText()).contains("PostgreSQL 17");
        assertThat(c.get("embedded couchbase").get("status").asText()).isEqualTo("no");
        assertThat(c.get("config").get("detail").asText()).contains("DOCKER_HOST=unix://");
        assertThat(c.get("state").get("status").asText()).isEqualTo("ok");
        Run table = Run.of(Run.withoutDocker(home), "doctor");
        assertThat(table.out()).containsPattern("embedded redis\\s+ok\\s+redis 6\\.2");
    }

    @Test
    void withAnEngineItNamesItsVersion() throws Exception {
        RequireDocker.engine();
        Run run = Run.of(Run.env(home), "doctor", "--output", "json");
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode docker = checks(run).get("docker");
        assertThat(docker.get("status").asText()).isEqualTo("ok");
        assertThat(docker.get("detail").asText()).containsPattern("Docker \\S+, API \\d+\\.\\d+");
    }

    @Test
    void aStateDirectoryItCannotWriteAndABrokenConfigAreFindingsNotCrashes() throws Exception {
        Map<String, String> env = Run.withoutDocker(home);
        Path file = Files.writeString(home.resolve("a-file"), "x");
        env.put("SCALE_STATE_DIR", file.resolve("state").toString());
        Run run = Run.of(env, "doctor", "--output", "json");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(checks(run).get("state").get("status").asText()).isEqualTo("no");
        assertThat(checks(run).get("state").get("detail").asText()).contains("cannot be written", "SCALE_STATE_DIR");

        Map<String, String> broken = Run.withoutDocker(home);
        Files.createDirectories(home.resolve("config"));
        Files.writeString(home.resolve("config/config.properties"), "imgae.redis=x\n");
        Run doctor = Run.of(broken, "doctor");
        assertThat(doctor.code()).isEqualTo(3);
        assertThat(doctor.out()).containsPattern("config\\s+no\\s+unknown setting 'imgae.redis'");
        assertThat(doctor.err()).doesNotContain("\tat ");
    }
}
