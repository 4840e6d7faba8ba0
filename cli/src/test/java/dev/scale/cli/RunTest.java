package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `scale run` as CI uses it, with the embedded provider (no engine needed), run as a real scale process
 * so that exit codes and signals are the operating system's. Children check their datastores with
 * scale's own shell, a real client, so no redis-cli or psql is needed.
 */
class RunTest {
    @TempDir
    Path home;
    Path bin;
    Map<String, String> env;

    @BeforeEach
    void setUp() throws Exception {
        bin = Run.launcher(home).getParent();
        env = Run.env(home);
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        env.put("PATH", bin + ":" + System.getenv("PATH"));
    }

    private Process scale(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(bin.resolve("scale").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = Run.process(env, command).directory(home.toFile());
        pb.redirectOutput(home.resolve("out.txt").toFile()).redirectError(home.resolve("err.txt").toFile());
        return pb.start();
    }

    private int exit(String... args) throws Exception {
        Process p = scale(args);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    private String out() throws Exception {
        return Files.readString(home.resolve("out.txt"));
    }

    private String err() throws Exception {
        return Files.readString(home.resolve("err.txt"));
    }

    private void assertNothingLeft() throws Exception {
        Path dir = home.resolve("state/embedded");
        if (Files.exists(dir)) {
            try (var left = Files.list(dir)) {
                assertThat(left.filter(Files::isDirectory)).as("instances removed; stderr: " + err()).isEmpty();
            }
        }
    }

    @Test
    void theCommandsExitCodeIsKept() throws Exception {
        for (int code : new int[] {0, 1, 7}) {
            assertThat(exit("run", "--quiet", "--with", "redis", "--", "sh", "-c", "exit " + code)).isEqualTo(code);
            assertNothingLeft();
        }
        assertThat(exit("run", "-q", "--with", "redis", "--", "sh", "-c", "kill -TERM $$")).as("killed by SIGTERM").isEqualTo(143);
        assertThat(exit("run", "-q", "--with", "redis", "--", "./no-such-command")).isEqualTo(127);
        assertThat(err()).contains("cannot run ./no-such-command: command not found");
        assertNothingLeft();
    }

    @Test
    void theCommandSeesTheVariablesOfSeveralKindsAndQuietPrintsOnlyItsOutput() throws Exception {
        assertThat(exit("run", "--quiet", "--with", "postgres,redis", "--", "sh", "-c",
                "echo \"$PGDATABASE $PGUSER ${REDIS_URL%%:*}\"; echo 'select 40 + 2 as answer;' | scale shell postgres; echo 'PING' | scale shell redis"))
                .as(() -> { try { return err(); } catch (Exception e) { return ""; } }).isZero();
        assertThat(out()).isEqualTo("scale scale redis\n answer \n--------\n     42\n(1 row)\n\nPONG\n");
        assertThat(err()).isEmpty();
        assertNothingLeft();
    }

    @Test
    void severalInstancesOfOneKindArePrefixedByName() throws Exception {
        int code = exit("run", "-q", "--with", "redis", "--with", "redis", "--", "sh", "-c",
                "env | grep -o '^[A-Z0-9_]*REDIS_URL' | sort; test -n \"$REDIS_REDIS_URL\" && test -n \"$REDIS_2_REDIS_URL\" && test -z \"$REDIS_URL\" && echo prefixed");
        assertThat(code).as("stdout: " + out() + "stderr: " + err()).isZero();
        assertThat(out()).isEqualTo("REDIS_2_REDIS_URL\nREDIS_REDIS_URL\nprefixed\n");
    }

    @Test
    void initLoadsSqlAndRedisCommandsBeforeTheCommand() throws Exception {
        Files.writeString(home.resolve("schema.sql"), """
                create table fruit (name text primary key, qty int);
                -- a comment; with a semicolon
                insert into fruit values ('apple', 3), ('pear', 5);
                """);
        Files.writeString(home.resolve("seed.redis"), """
                # seed
                SET greeting "hello world"
                RPUSH queue a b c
                """);
        assertThat(exit("run", "-q", "--with", "postgres,redis", "--init", "postgres=schema.sql", "--init", "redis=seed.redis", "--",
                "sh", "-c", "echo 'select sum(qty) as total from fruit;' | scale shell postgres; printf 'GET greeting\\nLLEN queue\\n' | scale shell redis"))
                .isZero();
        assertThat(out()).contains("     8\n(1 row)").contains("\"hello world\"\n(integer) 3\n");

        Files.writeString(home.resolve("bad.sql"), "create table t (a int);\nselect nope;\n");
        assertThat(exit("run", "-q", "--with", "postgres", "--init", "postgres=bad.sql", "--", "touch", "ran")).isEqualTo(1);
        assertThat(err()).contains("failed at \"select nope\"");
        assertThat(home.resolve("ran")).doesNotExist();
        assertThat(exit("run", "-q", "--with", "postgres", "--init", "postgres=missing.sql", "--", "touch", "ran")).isEqualTo(2);
        assertThat(home.resolve("ran")).doesNotExist();
        assertNothingLeft();
    }

    @Test
    void aFailingStartNeverRunsTheCommand() throws Exception {
        int code = exit("run", "--with", "redis,redis:9", "--provider", "embedded", "--", "touch", "ran");
        assertThat(code).isEqualTo(2);
        assertThat(err().lines().filter(l -> !l.startsWith("scale: [")).toList()).hasSize(1);
        assertThat(home.resolve("ran")).doesNotExist();
        assertNothingLeft();
    }

    @Test
    void sigtermToScaleReachesTheCommandFirstThenEverythingIsRemoved() throws Exception {
        Process scale = scale("run", "--with", "redis", "--", "sh", "-c",
                "trap 'echo got TERM > got-term; exit 143' TERM; touch started; while :; do sleep 0.1; done");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(home.resolve("started")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(home.resolve("started")).exists();
        // The scale wrapper exec's java, so this pid is scale's JVM.
        new ProcessBuilder("kill", "-TERM", Long.toString(scale.pid())).start().waitFor();
        assertThat(scale.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(scale.exitValue()).isEqualTo(143);
        assertThat(Files.readString(home.resolve("got-term"))).isEqualTo("got TERM\n");
        assertThat(err()).contains("scale: removed redis");
        assertNothingLeft();
    }
}
