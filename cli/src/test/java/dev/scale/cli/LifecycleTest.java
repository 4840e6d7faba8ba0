package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scale.providers.RequireDocker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** up → ls (from a fresh process context) → env → down, as a user runs them, with both providers. */
class LifecycleTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    private void lifecycle(Map<String, String> env, String provider) throws Exception {
        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        String r = "cli-redis-" + suffix;
        String p = "cli-pg-" + suffix;
        Run up1 = Run.of(env, "up", "redis", "--name", r, "--provider", provider, "--ttl", "10m", "--output", "json");
        Run up2 = Run.of(env, "up", "postgres", "--name", p, "--provider", provider, "--ttl", "10m", "--output", "json");
        try {
            assertThat(up1.code()).as(up1.err()).isZero();
            assertThat(up2.code()).as(up2.err()).isZero();
            assertThat(up1.err()).contains("ready");
            JsonNode redis = JSON.readTree(up1.out()).get(0);
            JsonNode pg = JSON.readTree(up2.out()).get(0);
            for (String field : List.of("name", "kind", "version", "provider", "host", "port", "username", "password", "url", "expiresAt")) {
                assertThat(redis.has(field)).as(field).isTrue();
                assertThat(pg.has(field)).as(field).isTrue();
            }
            assertThat(pg.get("database").asText()).isEqualTo("scale");
            assertThat(redis.get("provider").asText()).isEqualTo(provider);
            assertThat(redis.get("ttlEnforcedBy").asText()).isEqualTo(provider.equals("docker") ? "container" : "supervisor");
            assertThat(redis.get("url").asText()).startsWith("redis://default:" + redis.get("password").asText() + "@127.0.0.1:");

            try (Jedis jedis = new Jedis(java.net.URI.create(redis.get("url").asText()))) {
                assertThat(jedis.ping()).isEqualTo("PONG");
            }
            try (var c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.get("port").asInt() + "/scale",
                    "scale", pg.get("password").asText())) {
                assertThat(c.isValid(2)).isTrue();
            }

            // A table hides passwords unless --reveal.
            Run ls = Run.of(env, "ls");
            assertThat(ls.out()).contains(r, p, "****").doesNotContain(redis.get("password").asText());
            assertThat(Run.of(env, "ls", "--reveal").out()).contains(redis.get("password").asText());

            Run lsJson = Run.of(env, "ls", "--output", "json");
            JsonNode listed = JSON.readTree(lsJson.out());
            assertThat(listed.findValuesAsText("name")).contains(r, p);

            Run shell = Run.of(env, "env", r, p);
            assertThat(shell.out()).contains("export REDIS_URL='" + redis.get("url").asText() + "'")
                    .contains("export PGPASSWORD='" + pg.get("password").asText() + "'");

            Path github = home.resolve("github_env");
            env.put("GITHUB_ENV", github.toString());
            Run gh = Run.of(env, "env", r, "--format", "github");
            assertThat(gh.out()).contains("::add-mask::" + redis.get("password").asText());
            assertThat(Files.readString(github)).contains("REDIS_URL=" + redis.get("url").asText());
        } finally {
            Run down = Run.of(env, "down", r, p, "--output", "json");
            assertThat(down.code()).isZero();
            assertThat(JSON.readTree(down.out()).get(r).asText()).isEqualTo("removed");
            assertThat(JSON.readTree(down.out()).get(p).asText()).isEqualTo("removed");
        }
        assertThat(Run.of(env, "ls").out()).doesNotContain(r).doesNotContain(p);
    }

    @Test
    void dockerProvider() throws Exception {
        RequireDocker.engine();
        lifecycle(Run.env(home), "docker");
    }

    @Test
    void embeddedProviderChosenAutomaticallyWhenNoEngineAnswers() throws Exception {
        Map<String, String> env = Run.env(home);
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-such-docker.sock"));
        Run up = Run.of(env, "up", "redis", "--name", "auto-pick", "--ttl", "5m");
        try {
            assertThat(up.code()).as(up.err()).isZero();
            assertThat(up.err()).contains("no Docker engine answered; using the embedded provider");
            assertThat(up.out()).contains("auto-pick", "embedded");
        } finally {
            Run.of(env, "down", "auto-pick");
        }
        lifecycle(env, "embedded");
        try (var left = java.nio.file.Files.list(home.resolve("state/embedded"))) {
            assertThat(left.filter(java.nio.file.Files::isDirectory)).as("no instance directory left").isEmpty();
        }
    }

    @Test
    void gcRemovesAnInstanceWhoseServerDiedAndLeavesHealthyOnes() throws Exception {
        Map<String, String> env = Run.env(home);
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-such-docker.sock"));
        assertThat(Run.of(env, "up", "redis", "--name", "crashed").code()).isZero();
        assertThat(Run.of(env, "up", "redis", "--name", "healthy").code()).isZero();
        try {
            long pid = Long.parseLong(Files.readString(home.resolve("state/embedded/crashed/server.pid")).trim());
            ProcessHandle server = ProcessHandle.of(pid).orElseThrow();
            server.destroyForcibly();
            server.onExit().get();
            assertThat(Run.of(env, "ls").out()).containsPattern("crashed\\s+redis\\s+\\S+\\s+embedded\\s+dead");
            Run dry = Run.of(env, "gc", "--dry-run");
            assertThat(dry.code()).isZero();
            assertThat(dry.out()).isEqualTo("would remove crashed (embedded, dead: its server is gone)\n");
            assertThat(home.resolve("state/embedded/crashed")).as("a dry run removes nothing").exists();
            Run gc = Run.of(env, "gc");
            assertThat(gc.code()).isZero();
            assertThat(gc.out()).contains("removed crashed (embedded, dead: its server is gone)").doesNotContain("healthy");
            assertThat(home.resolve("state/embedded/crashed")).doesNotExist();
            assertThat(Run.of(env, "ls").out()).contains("healthy").doesNotContain("crashed");
        } finally {
            Run.of(env, "down", "crashed", "healthy");
        }
    }
}
