package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scale.providers.RequireDocker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Input from scripts, as a hostile or careless one writes it: each gets its exit code and one printable
 * line naming the bad value, no stack trace, nothing started, no command reaching a shell, and no file
 * written outside scale's own directories.
 */
class HostileInputTest {
    /** What a command reaching a shell would create: the tests look for it afterwards. */
    private static final String PWNED = "scale-hostile-pwned";
    private static final String SHELL_WORDS = "x;touch /tmp/" + PWNED + "`touch /tmp/" + PWNED + "`$(touch /tmp/" + PWNED + ")";
    private static final String LONG = "a".repeat(5000);
    private static final String ESC = "\u001b[2J\u001b[31m";
    private static final String BIDI = "\u202eredis";

    @TempDir
    Path home;

    static Stream<Arguments> inputs() throws IOException {
        return Stream.of(
                Arguments.of(List.of("up", "redis", "--name", SHELL_WORDS), "bad instance name"),
                Arguments.of(List.of("up", "redis", "--name", "../../etc"), "bad instance name '../../etc'"),
                Arguments.of(List.of("up", "redis", "--name", LONG), "(5000 characters)"),
                Arguments.of(List.of("up", "redis", "--name", "rédis-日本"), "bad instance name 'rédis-日本'"),
                Arguments.of(List.of("up", "redis", "--name=-rf"), "bad instance name '-rf'"),
                Arguments.of(List.of("up", "redis", "--name", ESC + "x"), "bad instance name '\\x1b[2J"),
                Arguments.of(List.of("up", BIDI), "unknown kind '\\u202eredis'"),
                Arguments.of(List.of("up", "redis", "--ttl", "0"), "bad ttl '0'"),
                Arguments.of(List.of("up", "redis", "--ttl", "-5m"), "bad ttl '-5m'"),
                Arguments.of(List.of("up", "redis", "--ttl", "99999d"), "longer than 7d"),
                Arguments.of(List.of("up", "redis", "--ttl", "9".repeat(40) + "s"), "at most 7d"),
                Arguments.of(List.of("up", "redis:../../x"), "bad version '../../x'"),
                Arguments.of(List.of("up", "redis:7;reboot"), "bad version '7;reboot'"),
                Arguments.of(List.of("up", "postgres:" + "9".repeat(300)), "characters)"),
                Arguments.of(List.of("try", "redis;ls"), "unknown kind 'redis;ls'"),
                Arguments.of(List.of("down", "../x"), "bad instance name '../x'"),
                Arguments.of(List.of("down", "-"), "bad instance name '-'"),
                Arguments.of(List.of("env", "../x"), "no instance named '../x'"),
                Arguments.of(List.of("run", "--with", "redis,;ls", "--", "true"), "unknown kind ';ls'"),
                Arguments.of(List.of("run", "--with", "redis", "--ttl", "0", "--", "true"), "bad ttl '0'"),
                Arguments.of(List.of("fit", "sessions", "--on", "x://y"), "unsupported URL scheme 'x'"),
                Arguments.of(List.of("fit", "sessions", "--on", "redis://127.0.0.1:99999"), "port 99999 in the URL is out of range"),
                Arguments.of(List.of("probe", "kv", "--on", "postgresql://u:p@127.0.0.1:0/db"), "port 0 in the URL is out of range"),
                Arguments.of(List.of("probe", "kv", "--on", "redis", "--threads", "100000"), "--threads must be between 1 and 256"),
                Arguments.of(List.of("probe", "kv", "--on", "redis", "--duration", "-1s"), "bad --duration '-1s'"),
                Arguments.of(List.of("probe", "kv", "--on", "redis", "--value-size", "99999999999"), "scale probe kv --help"),
                Arguments.of(List.of("ls", "--output", "xml" + ESC), "unknown format 'xml\\x1b"));
    }

    @AfterEach
    void nothingReachedAShellNorLeftAnything() throws IOException {
        assertThat(Path.of("/tmp", PWNED)).doesNotExist();
        assertThat(Path.of(PWNED)).doesNotExist();
        Path state = home.resolve("state");
        if (Files.exists(state)) {
            try (Stream<Path> files = Files.walk(state)) {
                assertThat(files.filter(Files::isRegularFile).toList()).as("state records after refused input").isEmpty();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("inputs")
    void refusedInOnePrintableLine(List<String> args, String fragment) {
        Run run = Run.of(Run.withoutDocker(home), args.toArray(String[]::new));
        assertThat(run.code()).as(run.err()).isEqualTo(2);
        List<String> lines = run.err().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(run.err()).hasSize(1);
        String line = lines.get(0);
        assertThat(line).startsWith("scale: ").contains(fragment).doesNotContain("Exception", "\tat ");
        assertThat(line.codePoints().filter(c -> Character.isISOControl(c) || c == 0x202e)).as("control characters reach the terminal").isEmpty();
        assertThat(line.length()).as("the way out stays in sight").isLessThan(400);
        assertThat(run.out()).isEmpty();
    }

    @Test
    void scenarioFilesWithWrongTypesUnknownKeysOrBrokenYamlNameTheProblem() throws IOException {
        Map<String, String> env = Run.withoutDocker(home);
        Map<String, String> files = Map.of(
                "unknown-key.yaml", "name: x\nworkload: 5\n",
                "wrong-type.yaml", "name: x\nrequirements: 5\n",
                "wrong-inner-type.yaml", "name: x\nrequirements:\n  - name: [1, 2]\n    probe: ttl\n",
                "broken.yaml", "name: [\n",
                "not-a-mapping.yaml", "- a\n- b\n",
                "binary.yaml", "\u0000\u0001\u0002" + ESC);
        Map<String, String> expected = Map.of(
                "unknown-key.yaml", "unknown key 'workload'",
                "wrong-type.yaml", "requirements",
                "wrong-inner-type.yaml", "'name' must be text",
                "broken.yaml", "not valid YAML at line 2, column 1",
                "not-a-mapping.yaml", "must be a mapping",
                "binary.yaml", "binary.yaml");
        for (var f : files.entrySet()) {
            Path file = Files.writeString(home.resolve(f.getKey()), f.getValue());
            Run run = Run.of(env, "fit", file.toString(), "--on", "redis");
            assertThat(run.code()).as(f.getKey() + ": " + run.err()).isEqualTo(2);
            List<String> lines = run.err().lines().filter(l -> !l.isBlank()).toList();
            assertThat(lines).as(f.getKey()).hasSize(1);
            assertThat(lines.get(0)).contains(expected.get(f.getKey())).doesNotContain("\tat ", "Exception");
            assertThat(lines.get(0).codePoints().filter(Character::isISOControl)).isEmpty();
        }
        Run missing = Run.of(env, "fit", home.resolve("nope.yaml").toString(), "--on", "redis");
        assertThat(missing.code()).as(missing.err()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.yaml").doesNotContain("\tat ");
    }

    @Test
    void onDockerAnImageThatIsNowhereIsTheEnvironmentAndAContradictedVersionIsUsage() {
        RequireDocker.engine();
        Map<String, String> env = Run.env(home);
        Run noImage = Run.of(env, "up", "redis", "--provider", "docker", "--image", "scale-no/such-image:0");
        Run.assertOneLine(noImage, 3, "scale-no/such-image:0", "--image");
        Run tooNew = Run.of(env, "up", "postgres:99", "--provider", "docker");
        Run.assertOneLine(tooNew, 2, "asked for postgres 99", "runs postgres");
        Run dockerLs = Run.of(env, "ls", "--output", "json");
        assertThat(dockerLs.out().replaceAll("\\s", "")).isEqualTo("[]");
    }
}
