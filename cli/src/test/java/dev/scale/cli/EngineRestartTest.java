package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.scale.providers.RequireDocker;
import dev.scale.providers.docker.DockerEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Docker engine stopped and started again while an instance runs. While it is down, ls and gc say that
 * its instances cannot be seen instead of listing none, and down refuses to call an unseen instance "already
 * gone" (exit 3). Once it is back, ls shows what the engine really holds and down works.
 *
 * <p>It stops this machine's own dockerd, so it runs only where it can start it again: as root, with the
 * engine on the default socket and dockerd on PATH, as CI has.
 */
class EngineRestartTest {
    private static final Path PID_FILE = Path.of("/var/run/docker.pid");

    @TempDir
    Path home;

    private static boolean answers() {
        return new DockerEngine(Map.of()).reachable();
    }

    private static void awaitEngine(boolean up) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (answers() != up && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }
        assertThat(answers()).as("engine answers").isEqualTo(up);
    }

    private static void startDockerd() throws Exception {
        if (!answers()) {
            new ProcessBuilder("sh", "-c", "nohup dockerd >>/tmp/scale-test-dockerd.log 2>&1 &").inheritIO().start().waitFor();
            awaitEngine(true);
        }
    }

    @Test
    void whileTheEngineIsDownLsAndDownSayWhatTheyCannotSeeAndAfterItsRestartDownWorks() throws Exception {
        RequireDocker.engine();
        String why = System.getenv("DOCKER_HOST") != null ? "DOCKER_HOST names another engine"
                : !Files.isReadable(PID_FILE) ? "no " + PID_FILE + ": dockerd is not this machine's own"
                : !"root".equals(System.getProperty("user.name")) ? "not root" : null;
        if (why != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but this test cannot restart the engine: " + why);
            }
            Assumptions.abort("cannot restart the Docker engine here: " + why);
        }
        Map<String, String> env = Run.env(home);
        Run up = Run.of(env, "up", "redis", "--name", "survivor", "--provider", "docker");
        assertThat(up.code()).as(up.err()).isZero();
        try {
            long dockerd = Long.parseLong(Files.readString(PID_FILE).strip());
            ProcessHandle engine = ProcessHandle.of(dockerd).orElseThrow();
            engine.destroy(); // SIGTERM: the engine stops its containers, then exits
            engine.onExit().get(60, TimeUnit.SECONDS);
            awaitEngine(false);

            Run ls = Run.of(env, "ls");
            assertThat(ls.code()).isZero();
            assertThat(ls.err()).contains("the Docker engine, where scale made instances, does not answer", "start it");
            Run gc = Run.of(env, "gc", "--dry-run");
            assertThat(gc.err()).contains("does not answer");

            Run down = Run.of(env, "down", "survivor");
            Run.assertOneLine(down, 3, "survivor was not found, and the Docker engine", "does not answer");
            assertThat(down.out()).doesNotContain("already gone");
        } finally {
            startDockerd();
        }
        Run ls = Run.of(env, "ls", "--output", "json");
        assertThat(ls.code()).as(ls.err()).isZero();
        assertThat(ls.err()).doesNotContain("does not answer");
        // The engine removed the stopped container (AutoRemove), or holds it stopped: either way no running lie.
        assertThat(ls.out().replace(" ", "")).satisfiesAnyOf(
                out -> assertThat(out).doesNotContain("survivor"),
                out -> assertThat(out).contains("\"state\":\"dead\""));
        Run down = Run.of(env, "down", "survivor");
        assertThat(down.code()).as(down.err()).isZero();
        Process ps = new ProcessBuilder("docker", "ps", "-a", "-q", "--filter", "label=dev.scale.name=survivor").start();
        assertThat(new String(ps.getInputStream().readAllBytes())).isBlank();
    }
}
