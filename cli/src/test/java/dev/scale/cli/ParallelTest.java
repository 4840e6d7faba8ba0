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
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Several scale processes at once on one machine, as CI jobs sharing an engine run them: scale's default
 * names are taken atomically (at creation), so parallel ups of one kind all succeed under distinct names,
 * and one explicit name asked for twice is refused once, in one line.
 */
class ParallelTest {
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
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    private List<Process> startAll(int n, String... args) throws Exception {
        List<Process> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<String> command = new ArrayList<>(List.of(scale.toString()));
            command.addAll(List.of(args));
            ProcessBuilder pb = Run.process(env, command);
            pb.redirectOutput(home.resolve("out-" + i + ".txt").toFile()).redirectError(home.resolve("err-" + i + ".txt").toFile());
            all.add(pb.start());
        }
        for (Process p : all) {
            assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        }
        return all;
    }

    private String out(int i) throws Exception {
        return Files.readString(home.resolve("out-" + i + ".txt"));
    }

    private String err(int i) throws Exception {
        return Files.readString(home.resolve("err-" + i + ".txt"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "docker"})
    void eightUpsOfOneKindAtOnceAllSucceedUnderDistinctNames(String provider) throws Exception {
        if (provider.equals("docker")) {
            RequireDocker.engine();
        } else {
            env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        }
        int n = 8;
        List<Process> ups = startAll(n, "up", "redis", "--provider", provider, "--ttl", "10m", "--output", "json");
        TreeSet<String> names = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            assertThat(ups.get(i).exitValue()).as("up %d: %s", i, err(i)).isZero();
            names.add(JSON.readTree(out(i)).get(0).get("name").asText());
        }
        assertThat(names).containsExactlyInAnyOrder("redis", "redis-2", "redis-3", "redis-4", "redis-5", "redis-6", "redis-7", "redis-8");
        JsonNode listed = JSON.readTree(Run.of(env, "ls", "--output", "json").out());
        assertThat(listed).hasSize(n);
        listed.forEach(i -> assertThat(i.get("state").asText()).isEqualTo("running"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded"})
    void oneExplicitNameAskedForTwiceAtOnceIsRefusedOnceInOneLine(String provider) throws Exception {
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        List<Process> ups = startAll(2, "up", "redis", "--provider", provider, "--name", "shared", "--ttl", "10m");
        List<Integer> codes = ups.stream().map(Process::exitValue).sorted().toList();
        assertThat(codes).containsExactly(0, 2);
        int refused = ups.get(0).exitValue() == 2 ? 0 : 1;
        assertThat(err(refused).lines().filter(l -> !l.startsWith("scale: [") && !l.contains("embedded provider")))
                .containsExactly("scale: an instance named 'shared' already exists — choose another --name, or remove it with: scale down shared");
        assertThat(Run.of(env, "ls").out()).contains("shared").doesNotContain("shared-2");
    }

    /**
     * Eight scale processes at once on one engine, as CI jobs sharing it run them: six each start two named
     * instances and remove them one after the other, two list and collect garbage all the while. Every command
     * succeeds, every ls parses and shows each worker's instance only between its up and its down, gc removes
     * nothing that is starting or running, and an instance nobody named stays untouched.
     */
    @ParameterizedTest
    @ValueSource(strings = {"docker", "embedded"})
    void eightProcessesMixingUpLsGcAndDownAccountForEveryInstance(String provider) throws Exception {
        if (provider.equals("docker")) {
            RequireDocker.engine();
        } else {
            env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        }
        Run bystander = Run.of(env, "up", "redis", "--name", "bystander", "--provider", provider);
        assertThat(bystander.code()).as(bystander.err()).isZero();
        String s = "'" + scale + "'";
        List<String> scripts = new ArrayList<>();
        for (int w = 0; w < 6; w++) {
            String kind = w % 2 == 0 ? "redis" : "postgres";
            scripts.add("set -e; for r in 1 2; do " + s + " up " + kind + " --name w" + w + "-$r --provider " + provider + " --ttl 10m >/dev/null; "
                    + s + " ls --output json > ls-w" + w + "-$r.json; " + s + " down w" + w + "-$r; done");
        }
        for (int w = 6; w < 8; w++) {
            scripts.add("set -e; for r in 1 2 3 4 5; do " + s + " ls --output json > ls-w" + w + "-$r.json; " + s + " gc >> gc-w" + w + ".txt; done");
        }
        List<Process> workers = new ArrayList<>();
        for (int w = 0; w < scripts.size(); w++) {
            ProcessBuilder pb = Run.process(env, "sh", "-c", scripts.get(w)).directory(home.toFile());
            pb.redirectErrorStream(true).redirectOutput(home.resolve("worker-" + w + ".txt").toFile());
            workers.add(pb.start());
        }
        for (int w = 0; w < workers.size(); w++) {
            assertThat(workers.get(w).waitFor(300, TimeUnit.SECONDS)).isTrue();
            String said = Files.readString(home.resolve("worker-" + w + ".txt"));
            assertThat(workers.get(w).exitValue()).as("worker %d: %s", w, said).isZero();
            assertThat(said).as("worker %d: nobody else removed its instances", w).doesNotContain("already gone");
        }
        for (int w = 0; w < 8; w++) {
            for (int r = 1; r <= (w < 6 ? 2 : 5); r++) {
                JsonNode ls = JSON.readTree(home.resolve("ls-w" + w + "-" + r + ".json").toFile());
                List<String> names = new ArrayList<>();
                ls.forEach(i -> names.add(i.get("name").asText()));
                assertThat(names).as("ls of worker %d, round %d", w, r).contains("bystander");
                if (w < 6) {
                    assertThat(names).as("a worker sees its own instance between up and down").contains("w" + w + "-" + r);
                }
            }
        }
        for (int w = 6; w < 8; w++) {
            // gc may only have finished a down in progress (a stopped server looks dead), never taken a live one:
            // the workers' downs above found each of their instances
            assertThat(Files.readString(home.resolve("gc-w" + w + ".txt"))).as("gc").doesNotContain("orphaned", "broken", "expired");
        }
        JsonNode left = JSON.readTree(Run.of(env, "ls", "--output", "json").out());
        assertThat(left).singleElement().satisfies(i -> {
            assertThat(i.get("name").asText()).isEqualTo("bystander");
            assertThat(i.get("state").asText()).isEqualTo("running");
        });
    }
}
