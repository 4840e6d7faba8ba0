package dev.scale.providers.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scale.providers.Config;
import dev.scale.providers.Dirs;
import dev.scale.providers.Progress;
import dev.scale.providers.Provider;
import dev.scale.providers.TestKinds;
import dev.scale.providers.managed.Reaper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a command's shutdown hook (Ctrl-C) calls while an {@code up} starts: once {@link Instances#cancelStarts} returns,
 * the JVM halts, so nothing may be left and nothing may still be on its way to being made.
 */
class CancelStartsTest {
    private static final Path CACHE = Path.of("target/scale-test-cache").toAbsolutePath();

    @TempDir
    Path home;
    Instances instances;

    @org.junit.jupiter.api.AfterEach
    void downWhatAFailureLeft() {
        if (instances != null) {
            instances.downAll();
        }
    }

    /**
     * Ctrl-C lands while one start has not yet reserved its name (here: held in its first progress step), as seen in
     * CI with `up postgres redis`: the hook looked, found nothing of it, removed Redis, and meanwhile PostgreSQL made
     * its server, which the halted JVM left running.
     */
    @Test
    void ctrlCBeforeAStartReservedItsNameStopsItAndLeavesNothing() throws Exception {
        Dirs dirs = new Dirs(home.resolve("state"), home.resolve("config"), CACHE);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        instances = new Instances(dirs, Config.load(dirs, env), TestKinds.KINDS, env, Clock.systemUTC(), Reaper.none(Clock.systemUTC()));
        Provider embedded = instances.choose("embedded", note -> { });
        CountDownLatch preparing = new CountDownLatch(1);
        Progress progress = (name, message) -> {
            if (name.equals("held") && message.startsWith("preparing")) {
                preparing.countDown();
                try {
                    Thread.sleep(3000); // the moment Ctrl-C comes, before the name is reserved
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        CompletableFuture<Object> up = CompletableFuture.supplyAsync(() -> instances.up(
                List.of(TestKinds.KINDS.parse("postgres")), "held", Duration.ofMinutes(5), null, embedded, progress));
        assertThat(preparing.await(60, TimeUnit.SECONDS)).isTrue();
        instances.cancelStarts();

        assertThat(directories()).as("what the hook leaves when it returns").isEmpty();
        assertThatThrownBy(() -> up.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("interrupted");
        Thread.sleep(500);
        assertThat(directories()).as("nothing made after the hook returned").isEmpty();
        assertThat(embedded.list()).isEmpty();
    }

    private List<Path> directories() throws Exception {
        Path root = home.resolve("state/embedded");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (var dirs = Files.list(root)) {
            return dirs.filter(Files::isDirectory).toList();
        }
    }
}
