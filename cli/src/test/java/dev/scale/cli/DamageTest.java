package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.scale.providers.RequireDocker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged machine: a full disk under the state or cache directory, a broken config, a corrupt or
 * missing state record, a server killed from outside, a container whose labels do not parse. Each gives a
 * clear line and exit code, never a crash loop: ls goes on listing the rest, and gc removes the damage.
 */
class DamageTest {
    @TempDir
    Path home;
    final List<Path> mounts = new ArrayList<>();

    @AfterEach
    void unmount() throws Exception {
        Run.of(Run.withoutDocker(home), "down", "--all");
        for (Path m : mounts) {
            new ProcessBuilder("umount", m.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A real full disk: a small tmpfs filled to the last byte. Needs root, as CI has. */
    private Path fullDisk(Path dir) throws Exception {
        Files.createDirectories(dir);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir.toString()).redirectErrorStream(true).start();
        String out = new String(mount.getInputStream().readAllBytes());
        if (!mount.waitFor(10, TimeUnit.SECONDS) || mount.exitValue() != 0) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but this machine cannot mount a tmpfs to fill: " + out);
            }
            Assumptions.abort("cannot mount a tmpfs here (needs root): " + out);
        }
        mounts.add(dir);
        try (var fill = Files.newOutputStream(dir.resolve("fill"))) {
            byte[] block = new byte[4096];
            while (true) {
                fill.write(block);
                fill.flush();
            }
        } catch (IOException full) {
            // No space left on device: as intended
        }
        return dir;
    }

    private static List<Path> filesUnder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().equals(".lock")).toList();
        }
    }

    @Test
    void aFullStateDiskIsTheEnvironmentAndLeavesNeitherRecordNorProcess() throws Exception {
        Map<String, String> env = Run.withoutDocker(home);
        Path state = fullDisk(home.resolve("state"));
        Run up = Run.of(env, "up", "redis");
        Run.assertOneLine(up, 3, "No space left on device", "SCALE_STATE_DIR");
        assertThat(filesUnder(state)).containsExactly(state.resolve("fill"));
        assertThat(Run.of(env, "ls").out()).contains("no instances");
        Files.delete(state.resolve("fill"));
        Run again = Run.of(env, "up", "redis");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).contains("redis://");
    }

    @Test
    void aFullCacheDiskIsTheEnvironmentAndLeavesNoHalfUnpackedBinaries() throws Exception {
        Map<String, String> env = Run.withoutDocker(home);
        Path cache = fullDisk(home.resolve("cache"));
        Files.delete(cache.resolve("fill"));
        Files.write(cache.resolve("fill"), new byte[128 * 1024]); // room for a start, not for PostgreSQL's binaries
        env.put("SCALE_CACHE_DIR", cache.toString());
        Run up = Run.of(env, "up", "postgres");
        Run.assertOneLine(up, 3, "No space left on device", "SCALE_CACHE_DIR");
        assertThat(filesUnder(cache)).containsExactly(cache.resolve("fill"));
        assertThat(filesUnder(home.resolve("state"))).isEmpty();
    }

    @Test
    void aBrokenConfigIsNamedWithItsWayOut() throws Exception {
        Map<String, String> env = Run.withoutDocker(home);
        Path file = home.resolve("config/config.properties");
        Files.createDirectories(file);
        Run.assertOneLine(Run.of(env, "ls"), 2, file + " is not a file", "remove it");
        Files.delete(file);
        Files.writeString(file, "imgae.redis=redis:7\n");
        Run.assertOneLine(Run.of(env, "up", "redis"), 2, "unknown setting 'imgae.redis'", "image.<kind>, registry, ttl");
        Files.write(file, new byte[] {(byte) 0xff, (byte) 0xfe, '=', '1', '\n'});
        Run.assertOneLine(Run.of(env, "ls"), 2, "it is not UTF-8 text", "fix or remove it");
        Files.writeString(file, "ttl=forever\n");
        Run.assertOneLine(Run.of(env, "up", "redis"), 2, "bad ttl 'forever'");
        assertThat(filesUnder(home.resolve("state"))).isEmpty();
    }

    @Test
    void aCorruptRecordIsReportedByLsAndRemovedWithItsServerByGc() throws Exception {
        Map<String, String> env = Run.withoutDocker(home);
        assertThat(Run.of(env, "up", "redis", "--name", "mangled").code()).isZero();
        assertThat(Run.of(env, "up", "redis", "--name", "healthy").code()).isZero();
        Path dir = home.resolve("state/embedded/mangled");
        long server = Long.parseLong(Files.readString(dir.resolve("server.pid")).strip());
        Files.writeString(dir.resolve("instance.json"), "{\"name\": \"mangled\", \"kind\": \"re");

        Run ls = Run.of(env, "ls");
        assertThat(ls.code()).isZero();
        assertThat(ls.out()).contains("healthy").doesNotContain("mangled");
        assertThat(ls.err()).contains("embedded instance 'mangled' is broken", "unreadable", "scale gc removes it");

        Run dry = Run.of(env, "gc", "--dry-run");
        assertThat(dry.out()).contains("would remove mangled (embedded, broken").doesNotContain("healthy");
        assertThat(dir).exists();

        Run gc = Run.of(env, "gc");
        assertThat(gc.code()).isZero();
        assertThat(gc.out()).contains("removed mangled").doesNotContain("healthy");
        assertThat(dir).doesNotExist();
        assertThat(ProcessHandle.of(server).map(ProcessHandle::isAlive).orElse(false)).as("its server").isFalse();
        assertThat(Run.of(env, "ls").out()).contains("healthy");
        Run.of(env, "up", "redis", "--name", "mangled");
        assertThat(Run.of(env, "ls").out()).as("the name is free again").contains("mangled");
    }

    @Test
    void aStartKilledBeforeItsRecordIsCollectedOnceItIsOld() throws Exception {
        Map<String, String> env = Run.withoutDocker(home);
        Path dir = Files.createDirectories(home.resolve("state/embedded/halfway"));
        assertThat(Run.of(env, "gc", "--dry-run").err()).as("a start in progress is left alone").contains("nothing to collect");
        Files.setLastModifiedTime(dir, FileTime.from(Instant.now().minusSeconds(120)));
        assertThat(Run.of(env, "ls").err()).contains("'halfway' is broken: its start was interrupted");
        assertThat(Run.of(env, "gc").out()).contains("removed halfway");
        assertThat(dir).doesNotExist();
    }

    @Test
    void anEmbeddedServerKilledFromOutsideShowsDeadAndGcRemovesItsDirectory() throws Exception {
        Map<String, String> env = Run.withoutDocker(home);
        assertThat(Run.of(env, "up", "redis", "--name", "victim").code()).isZero();
        Path dir = home.resolve("state/embedded/victim");
        long server = Long.parseLong(Files.readString(dir.resolve("server.pid")).strip());
        ProcessHandle victim = ProcessHandle.of(server).orElseThrow();
        victim.destroyForcibly();
        victim.onExit().get(10, TimeUnit.SECONDS);
        String ls = "";
        for (int i = 0; i < 100 && !ls.contains("dead"); i++) {
            ls = Run.of(env, "ls").out();
            Thread.sleep(100);
        }
        assertThat(ls).contains("victim").contains("dead");
        assertThat(Run.of(env, "gc").out()).contains("removed victim (embedded, dead");
        assertThat(dir).doesNotExist();
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    @Test
    void aContainerWhoseLabelsDoNotParseIsReportedAndRemovedByGc() throws Exception {
        var docker = RequireDocker.client();
        Map<String, String> env = Run.env(home);
        String image = System.getenv().getOrDefault("SCALE_IMAGE_REDIS", "redis:7.4");
        docker.createContainerCmd(image).withName("scale-garbled")
                .withLabels(Map.of("dev.scale.managed", "true", "dev.scale.name", "garbled", "dev.scale.kind", "redis",
                        "dev.scale.version", "7", "dev.scale.created-at", "yesterday", "dev.scale.expires-at", "never"))
                .exec();
        try {
            Run ls = Run.of(env, "ls");
            assertThat(ls.code()).as(ls.err()).isZero();
            assertThat(ls.err()).contains("docker instance 'garbled' is broken", "labels do not parse");
            assertThat(Run.of(env, "gc").out()).contains("removed garbled (docker, broken");
            assertThat(docker.listContainersCmd().withShowAll(true).withNameFilter(List.of("scale-garbled")).exec()).isEmpty();
        } finally {
            try {
                docker.removeContainerCmd("scale-garbled").withForce(true).exec();
            } catch (RuntimeException gone) {
                // gc removed it, as it should
            }
        }
    }
}
