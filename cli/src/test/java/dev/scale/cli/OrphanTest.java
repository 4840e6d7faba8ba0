package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scale.providers.RequireDocker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * scale killed with kill -9 (no hook runs) while it starts or uses an instance: what it leaves is never shown as
 * a healthy instance. ls calls it orphaned (or dead), gc removes it, and nothing of it remains; an instance
 * that up handed over stays running after up's process is gone.
 */
class OrphanTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    Path scale;
    Map<String, String> env;

    @BeforeEach
    void setUp() throws Exception {
        scale = Run.launcher(home);
        env = Run.env(home);
    }

    @AfterEach
    void tearDown() {
        Run.of(env, "down", "--all");
    }

    private Process scale(String stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(scale.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = Run.process(env, command);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        if (stdin != null) {
            pb.redirectInput(Files.writeString(home.resolve("stdin-" + System.nanoTime()), stdin).toFile());
        }
        return pb.start();
    }

    private void useProvider(String provider) {
        if (provider.equals("docker")) {
            RequireDocker.engine();
        } else {
            env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        }
    }

    /** Kills scale (and only scale: the sh wrapper execs java) without letting any hook run. */
    private static void kill9(Process p) throws Exception {
        p.destroyForcibly();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    private JsonNode ls() throws Exception {
        Run ls = Run.of(env, "ls", "--output", "json");
        assertThat(ls.code()).as(ls.err()).isZero();
        return JSON.readTree(ls.out());
    }

    private void assertGcLeavesNothing() throws Exception {
        Run gc = Run.of(env, "gc");
        assertThat(gc.code()).as(gc.err()).isZero();
        assertThat(Run.of(env, "ls").out()).contains("no instances");
        Path embedded = home.resolve("state/embedded");
        // An instance's name appears with its record in it, so every start killed at any moment is listed or was never
        // made: once gc returns, no directory is left, not even one a start was reserving its name in (.reserving).
        // (A start killed while it chose its port, a cold JVM's first JSON, used to leave an empty directory that
        // nothing listed and gc took only a minute later: seen in CI at 900 ms, here at 600 ms.)
        if (Files.isDirectory(embedded)) {
            try (var dirs = Files.list(embedded)) {
                assertThat(dirs.filter(Files::isDirectory).toList()).as("directories left in " + embedded).isEmpty();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> running = ours();
        while (!running.isEmpty() && System.nanoTime() < deadline) { // a supervisor that removed its directory is exiting
            Thread.sleep(200);
            running = ours();
        }
        assertThat(running).as("no server or supervisor of this test's instances runs").isEmpty();
    }

    private List<String> ours() {
        return ProcessHandle.allProcesses().map(h -> h.info().commandLine().orElse("")).filter(c -> c.contains(home.toString())).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "docker"})
    void anUpKilledAtAnyStageLeavesOrphansThatLsNamesAndGcRemoves(String provider) throws Exception {
        useProvider(provider);
        // before the server exists, while it starts or scale waits for it, after it is ready: PostgreSQL from a template
        // can be ready and handed over by the second kill, so what is asserted is the hand-over, not a kill's timing.
        // Embedded starts are also killed every 100 ms from 300 ms to 1.5 s, where a cold JVM reserves the name and
        // prepares the server, on a fast machine or a loaded one.
        long[] delaysMillis = provider.equals("embedded")
                ? new long[] {200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400, 1500, 3000}
                : new long[] {200, 900, 3000};
        for (int i = 0; i < delaysMillis.length; i++) {
            Process up = scale(null, "up", "postgres", "--provider", provider, "--name", "killed-" + i, "--ttl", "10m");
            Thread.sleep(delaysMillis[i]);
            kill9(up);
        }
        Thread.sleep(5000); // what was launched finishes starting on its own
        List<String> handedOver = new ArrayList<>();
        for (JsonNode i : ls()) {
            String name = i.get("name").asText();
            if (i.get("state").asText().equals("running")) {
                // only an up that got as far as handing it over, which its own truth records, and never the earliest kill
                assertThat(name).isNotEqualTo("killed-0");
                assertThat(handedOverWhereItLives(provider, name)).as(name + " is running, so up handed it over").isTrue();
                handedOver.add(name);
            } else {
                assertThat(i.get("state").asText()).as(name).isIn("orphaned", "dead");
            }
        }
        String collected = Run.of(env, "gc").out();
        handedOver.forEach(n -> assertThat(collected).as("gc keeps what up handed over").doesNotContain(n));
        handedOver.forEach(n -> Run.of(env, "down", n));
        assertGcLeavesNothing();
        if (provider.equals("docker")) {
            // docker ANDs label filters, so one filter per name would match nothing whatever is left: list names instead
            Process ps = new ProcessBuilder("docker", "ps", "-a", "--filter", "label=dev.scale.managed=true",
                    "--format", "{{.Label \"dev.scale.name\"}}").start();
            assertThat(new String(ps.getInputStream().readAllBytes()).lines()).as("no container of a killed up is left")
                    .noneMatch(n -> n.startsWith("killed-"));
        }
    }

    /**
     * kill -9 the moment a start's first directory appears (where it reserves the name), then the moment the name's
     * own directory does: each time, ls shows nothing or an orphan, and gc leaves no directory. The name used to
     * appear empty, its record written after a cold JVM's first JSON (tens to hundreds of milliseconds); a start
     * killed then left a directory that no command listed.
     */
    @org.junit.jupiter.api.Test
    void anEmbeddedStartKilledTheMomentItsDirectoryAppearsLeavesNothingAfterGc() throws Exception {
        useProvider("embedded");
        Path embedded = home.resolve("state/embedded");
        for (String name : List.of("first-seen", "name-seen")) {
            Process up = scale(null, "up", "postgres", "--provider", "embedded", "--name", name, "--ttl", "10m");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            boolean seen = false;
            while (!seen && up.isAlive() && System.nanoTime() < deadline) {
                if (name.equals("name-seen")) {
                    seen = Files.exists(embedded.resolve(name));
                } else if (Files.isDirectory(embedded)) {
                    try (var entries = Files.list(embedded)) {
                        seen = entries.anyMatch(Files::isDirectory);
                    } catch (java.io.IOException renamedMeanwhile) {
                        seen = true;
                    }
                }
                if (!seen) {
                    Thread.sleep(1);
                }
            }
            assertThat(seen).as(name + ": a directory appeared while up ran").isTrue();
            kill9(up);
            for (JsonNode i : ls()) {
                assertThat(i.get("state").asText()).as(i.get("name").asText()).isIn("orphaned", "dead");
            }
            assertGcLeavesNothing();
        }
    }

    /** The instance's own record of the hand-over: the embedded record's flag, or a container no longer named .pending. */
    private boolean handedOverWhereItLives(String provider, String name) throws Exception {
        if (provider.equals("embedded")) {
            return JSON.readTree(home.resolve("state/embedded/" + name + "/instance.json").toFile()).path("handedOver").asBoolean();
        }
        Process ps = new ProcessBuilder("docker", "ps", "-a", "--format", "{{.Names}}", "--filter", "label=dev.scale.name=" + name).start();
        return new String(ps.getInputStream().readAllBytes()).strip().equals("scale-" + name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded"})
    void tryAndRunKilledWhileInUseLeaveOrphansAndAHandedOverInstanceStaysRunning(String provider) throws Exception {
        useProvider(provider);
        Process up = scale(null, "up", "redis", "--provider", provider, "--name", "kept");
        assertThat(up.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(up.exitValue()).isZero();
        // `try` reading from a pipe that stays open, and `run` with a child that outlives the kill
        Path fifo = home.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Process holder = new ProcessBuilder("sh", "-c", "sleep 60 > '" + fifo + "'").start();
        List<String> tryCommand = List.of(scale.toString(), "try", "redis", "--provider", provider, "--name", "tried");
        ProcessBuilder tb = Run.process(env, tryCommand).redirectInput(fifo.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        Process tried = tb.start();
        Process ran = scale(null, "run", "--with", "redis", "--provider", provider, "--", "sleep", "8");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (ls().size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(ls()).hasSize(3);
        for (JsonNode i : ls()) {
            assertThat(i.get("state").asText()).as(i.get("name").asText() + " while its process lives").isEqualTo("running");
        }
        kill9(tried);
        kill9(ran);
        holder.destroyForcibly();
        for (JsonNode i : ls()) {
            assertThat(i.get("state").asText()).as(i.get("name").asText())
                    .isEqualTo(i.get("name").asText().equals("kept") ? "running" : "orphaned");
        }
        Run gc = Run.of(env, "gc");
        assertThat(gc.out()).contains("tried").doesNotContain("kept");
        assertThat(ls()).singleElement().satisfies(i -> assertThat(i.get("name").asText()).isEqualTo("kept"));
        Run.of(env, "down", "kept");
        assertGcLeavesNothing();
    }

    /**
     * Each of up, try and run killed with kill -9 at each stage of a start: before it has made anything, once the
     * provider began (a directory and an initdb, a container created), and while it waits for the server. Then no
     * scale command at all: the supervisor or the container's own TTL timer leaves nothing once the TTL has passed.
     */
    @ParameterizedTest
    @ValueSource(strings = {"embedded", "docker"})
    void anUpTryOrRunKilledAtEachStageLeavesNothingOnceItsTtlHasPassedWithoutAnyScaleCommand(String provider) throws Exception {
        useProvider(provider);
        String began = provider.equals("docker") ? "creating container" : "preparing embedded";
        List<String> stages = List.of("", began, "waiting for");
        int ttlSeconds = 15;
        long killedBy = 0;
        int n = 0;
        for (String command : List.of("up", "try", "run")) {
            for (String stage : stages) {
                String name = command + "-" + n++;
                List<String> args = new ArrayList<>(List.of(scale.toString(), command));
                args.addAll(command.equals("run") ? List.of("--with", "postgres") : List.of("postgres", "--name", name));
                args.addAll(List.of("--provider", provider, "--ttl", ttlSeconds + "s"));
                if (command.equals("run")) {
                    args.addAll(List.of("--", "sleep", "60"));
                }
                ProcessBuilder pb = Run.process(env, args).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
                Process p = pb.start();
                if (!stage.isEmpty()) {
                    // try shows no progress without a terminal: its stage is read where the instance lives
                    boolean reached = command.equals("try") ? awaitWhereItLives(provider, name, stage.equals("waiting for")) : awaitLine(p, stage);
                    assertThat(reached).as(command + " reaches '" + stage + "'").isTrue();
                }
                kill9(p);
                killedBy = System.nanoTime();
            }
        }
        // no scale command from here on: what is left must end by itself
        long deadline = killedBy + TimeUnit.SECONDS.toNanos(ttlSeconds + 40);
        while (System.nanoTime() < deadline && !(leftDirectories().isEmpty() && leftContainers().isEmpty() && leftProcesses().isEmpty())) {
            Thread.sleep(500);
        }
        // The embedded twin of the container below: a directory made, then scale killed before it started the
        // supervisor that would end it (a fraction of a second; CI hit it once). It holds no process or port, only
        // its record: ls shows it dead, gc removes it. Every start killed later is gone by itself.
        for (Path dir : leftDirectories()) {
            assertThat(dir.resolve("supervisor.pid")).as(dir + " had a supervisor, which should have removed it").doesNotExist();
        }
        assertThat(leftProcesses()).as("servers and supervisors").isEmpty();
        // The one thing a TTL cannot end: a container created but never started (scale killed between the two
        // calls), whose TTL timer never ran. It holds no process, port or volume; ls shows it dead and gc removes it.
        assertThat(leftContainers()).as("containers").allSatisfy(c -> assertThat(c).endsWith(" Created"));
        String ls = Run.of(env, "ls").out();
        leftContainers().forEach(c -> assertThat(ls).containsAnyOf("dead", "expired")); // expired once its TTL passed
        for (Path d : leftDirectories()) {
            if (Files.exists(d.resolve("instance.json"))) {
                assertThat(ls).containsPattern(d.getFileName() + "\\s.*(dead|expired|orphaned)");
            }
            // a directory without its record waits a minute for gc (it may be a start in progress): let that minute pass
            Files.setLastModifiedTime(d, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(120)));
        }
        Run.of(env, "gc");
        assertThat(leftContainers()).as("containers after gc").isEmpty();
        assertThat(leftDirectories()).as("instance directories after gc").isEmpty();
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    /** Reads the process's stderr until a line holds {@code fragment}; false if it ends first or takes over a minute. */
    private static boolean awaitLine(Process p, String fragment) throws Exception {
        var lines = new java.io.BufferedReader(new java.io.InputStreamReader(p.getErrorStream()));
        java.util.concurrent.CompletableFuture<Boolean> seen = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.contains(fragment)) {
                        return true;
                    }
                }
                return false;
            } catch (java.io.IOException e) {
                return false;
            }
        });
        return seen.get(60, TimeUnit.SECONDS);
    }

    /** Waits until the instance has begun to exist (a directory, a container) or, if {@code started}, its server runs. */
    private boolean awaitWhereItLives(String provider, String name, boolean started) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (provider.equals("embedded")) {
                Path dir = home.resolve("state/embedded").resolve(name);
                if (Files.exists(dir.resolve(started ? "server.pid" : "instance.json"))) {
                    return true;
                }
            } else {
                Process ps = new ProcessBuilder("docker", "ps", "-a", "--format", "{{.State}}", "--filter", "label=dev.scale.name=" + name).start();
                String state = new String(ps.getInputStream().readAllBytes()).strip();
                if (started ? state.equals("running") : !state.isEmpty()) {
                    return true;
                }
            }
            Thread.sleep(20);
        }
        return false;
    }

    private List<Path> leftDirectories() throws Exception {
        Path embedded = home.resolve("state/embedded");
        if (!Files.isDirectory(embedded)) {
            return List.of();
        }
        try (var left = Files.list(embedded)) {
            return left.filter(Files::isDirectory).toList();
        }
    }

    private List<String> leftContainers() throws Exception {
        if (env.getOrDefault("DOCKER_HOST", "").contains("no-docker")) {
            return List.of();
        }
        Process ps = new ProcessBuilder("docker", "ps", "-a", "--format", "{{.Names}} {{.Status}}", "--filter", "label=dev.scale.managed=true").start();
        return new String(ps.getInputStream().readAllBytes()).lines().filter(l -> l.matches("scale-(up|try|run|postgres).*")).toList();
    }

    private List<String> leftProcesses() {
        return ProcessHandle.allProcesses().map(h -> h.info().commandLine().orElse("")).filter(c -> c.contains(home.toString())).toList();
    }
}
