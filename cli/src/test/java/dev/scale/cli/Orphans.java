package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What every kind's server must survive: a {@code scale run --with KIND} killed with kill -9 leaves an orphan that
 * {@code ls} shows and {@code gc} removes (container, or server process and its directory); one stopped with Ctrl-C
 * (SIGINT) leaves nothing at all.
 */
public final class Orphans {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Orphans() {
    }

    public static void killedThenInterrupted(Map<String, String> env, Path home, String kind) throws Exception {
        Path scale = Run.launcher(home);
        for (String signal : List.of("KILL", "INT")) {
            // the command runs once the server answered: its marker says the run holds a server that is up (a record
            // can say running while the server still starts, and a kill then is another story: InterruptTest's)
            Path marker = home.resolve("run-started-" + signal);
            Files.deleteIfExists(marker);
            Process run = Run.process(env, scale.toString(), "run", "--with", kind, "--", "sh", "-c", "touch \"$1\" && exec sleep 30", "sh",
                            marker.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.exists(marker) && run.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(marker).as(kind + ": the run's command started").exists();
            JsonNode ls = JSON.readTree(Run.of(env, "ls", "--output", "json").out());
            assertThat(ls).as(kind + " is up").hasSize(1);
            assertThat(ls.get(0).get("state").asText()).as(kind + " is up").isEqualTo("running");
            new ProcessBuilder("kill", "-" + signal, Long.toString(run.pid())).start().waitFor();
            assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
            if (signal.equals("KILL")) {
                assertThat(JSON.readTree(Run.of(env, "ls", "--output", "json").out()).get(0).get("state").asText()).isEqualTo("orphaned");
                Run gc = Run.of(env, "gc");
                assertThat(gc.code()).as(gc.err()).isZero();
                assertThat(gc.out()).contains(ls.get(0).get("name").asText());
            }
            assertThat(Run.of(env, "ls").out()).as(signal).contains("no instances");
            Path embedded = home.resolve("state/embedded");
            if (Files.isDirectory(embedded)) {
                try (var left = Files.list(embedded)) {
                    assertThat(left.filter(Files::isDirectory)).as("no work directory left").isEmpty();
                }
            }
            assertThat(ProcessHandle.allProcesses().map(h -> h.info().commandLine().orElse("")).filter(c -> c.contains(home.resolve("state").toString())))
                    .as("no server or supervisor left").isEmpty();
        }
    }
}
