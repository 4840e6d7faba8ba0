package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import dev.scale.providers.RequireDocker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ctrl-C during `scale up`, sent to a real scale process: whatever it started or half-started is removed. */
class InterruptTest {
    @TempDir
    Path home;

    /** Starts scale in its own JVM and returns once a stderr line contains {@code marker}. */
    private Process startAndWaitFor(Map<String, String> env, String marker, List<String> stderr, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.scale.cli.Main"));
        command.addAll(List.of(args));
        ProcessBuilder pb = Run.process(env, command);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String line;
        while (System.nanoTime() < deadline && (line = err.readLine()) != null) {
            stderr.add(line);
            if (line.contains(marker)) {
                Thread drain = new Thread(() -> err.lines().forEach(stderr::add));
                drain.setDaemon(true);
                drain.start();
                return p;
            }
        }
        p.destroyForcibly();
        throw new AssertionError("never saw '" + marker + "' in: " + stderr);
    }

    private static void interrupt(Process p) throws Exception {
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("scale exits after Ctrl-C").isTrue();
    }

    @Test
    void ctrlCWhileATopologyIsSettlingRemovesEveryMemberAndItsNetwork() throws Exception {
        dev.scale.providers.docker.DockerApi docker = dev.scale.providers.RequireDocker.engine().api();
        Map<String, String> env = Run.env(home);
        String name = "int-ha-" + Integer.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
        List<String> stderr = new ArrayList<>();
        Process scale = startAndWaitFor(env, "members to find each other", stderr, "up", "redis", "--replicas", "1", "--sentinels", "3",
                "--provider", "docker", "--name", name);
        assertThat(docker.containers(Map.of("dev.scale.member-of", name), null)).hasSize(5);
        interrupt(scale);
        assertThat(docker.containers(Map.of("dev.scale.member-of", name), null)).as("stderr: " + stderr).isEmpty();
        assertThat(docker.networks(Map.of("dev.scale.member-of", name))).isEmpty();
    }

    @Test
    void embeddedRemovesTheReadyRedisAndTheHalfStartedPostgres() throws Exception {
        Map<String, String> env = Run.env(home);
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        List<String> stderr = new ArrayList<>();
        Process scale = startAndWaitFor(env, "redis: ready", stderr, "up", "postgres", "redis", "--provider", "embedded");
        long redisServer = Long.parseLong(Files.readString(home.resolve("state/embedded/redis/server.pid")).trim());
        assertThat(ProcessHandle.of(redisServer)).isPresent();
        interrupt(scale);

        try (var left = Files.list(home.resolve("state/embedded"))) {
            assertThat(left.filter(Files::isDirectory)).as("no instance directory after Ctrl-C; stderr: " + stderr).isEmpty();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcessHandle.of(redisServer).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(ProcessHandle.of(redisServer).map(ProcessHandle::isAlive).orElse(false)).as("redis-server stopped").isFalse();
    }

    @Test
    void ctrlCDuringAFitRemovesItsDisposableStoresAndTheProbesData() throws Exception {
        Map<String, String> env = Run.withoutDocker(home);
        List<String> stderr = new ArrayList<>();
        Process scale = startAndWaitFor(env, "redis: (2/6) TTL managed by the DB", stderr,
                "fit", "sessions", "--on", "redis,postgres");
        long postgresServer = Long.parseLong(Files.readString(home.resolve("state/embedded/postgres/server.pid")).trim());
        interrupt(scale);
        try (var left = Files.list(home.resolve("state/embedded"))) {
            assertThat(left.filter(Files::isDirectory)).as("no instance left after Ctrl-C in a fit; stderr: " + stderr).isEmpty();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcessHandle.of(postgresServer).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(ProcessHandle.of(postgresServer).map(ProcessHandle::isAlive).orElse(false)).as("postgres stopped").isFalse();
    }

    @Test
    void ctrlCDuringAProbeOnAUsersInstanceRemovesWhatTheProbeWroteAndLeavesTheInstance() throws Exception {
        Map<String, String> env = Run.withoutDocker(home);
        Run up = Run.of(env, "up", "redis", "--name", "mine");
        assertThat(up.code()).as(up.err()).isZero();
        try {
            List<String> stderr = new ArrayList<>();
            Process scale = startAndWaitFor(env, "filling 30%", stderr, "probe", "capacity", "--on", "mine", "--target", "512MB");
            interrupt(scale);
            assertThat(String.join("\n", stderr)).contains("stopping: removing what was written");
            assertThat(redisKeys(env, "mine")).as("no capacity key left").isZero();
            // the kv probe, mid-measurement: its event loop is stopped before the keys are removed
            stderr.clear();
            scale = startAndWaitFor(env, "loaded 20,000 keys", stderr, "probe", "kv", "--on", "mine", "--keys", "20000",
                    "--duration", "60s", "--warmup", "0s", "--mix", "a");
            Thread.sleep(1500);
            interrupt(scale);
            assertThat(redisKeys(env, "mine")).as("no kv key left; stderr: " + stderr).isZero();
        } finally {
            Run.of(env, "down", "mine");
        }
    }

    /** Keys in the named instance's Redis, which must still be running. */
    private static long redisKeys(Map<String, String> env, String name) throws Exception {
        Run ls = Run.of(env, "ls", "--output", "json", "--reveal");
        assertThat(ls.out()).as("the user's instance is still there").contains("\"name\" : \"" + name + "\"", "\"state\" : \"running\"");
        var instance = new com.fasterxml.jackson.databind.ObjectMapper().readTree(ls.out()).get(0);
        try (var redis = dev.scale.probes.stores.redis.RedisAdapter.connect(new dev.scale.providers.Endpoint("127.0.0.1",
                instance.get("port").asInt(), "default", dev.scale.providers.Secret.of(instance.get("password").asText()), null))) {
            return ((dev.scale.providers.kinds.redis.Resp.Int) redis.call(List.of("DBSIZE"))).value();
        }
    }

    @Test
    void dockerRemovesTheContainersOfAnInterruptedUp() throws Exception {
        DockerClient docker = RequireDocker.client();
        String name = "int-" + Long.toHexString(System.nanoTime() & 0xffff);
        List<String> stderr = new ArrayList<>();
        Process scale = startAndWaitFor(Run.env(home), "waiting for postgres", stderr,
                "up", "postgres", "--name", name, "--provider", "docker");
        interrupt(scale);
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of("dev.scale.name", name)).exec())
                .as("no container after Ctrl-C; stderr: " + stderr).isEmpty();
    }
}
