package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scale.providers.RequireDocker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Passwords are long and random, and reach no process's arguments (what `ps` shows every user), no log and no
 * table; files that hold them are 0600 in 0700 directories (issue 13's security points, checked on real servers).
 */
class SecretsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "docker"})
    void passwordsAreRandomAndAppearInNoProcessArgumentsLogOrTable(String provider) throws Exception {
        Map<String, String> env = Run.env(home);
        if (provider.equals("docker")) {
            RequireDocker.engine();
        } else {
            env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        }
        Run up = Run.of(env, "up", "redis", "postgres", "--provider", provider, "--output", "json", "--verbose");
        assertThat(up.code()).as(up.err()).isZero();
        try {
            JsonNode all = JSON.readTree(up.out());
            List<String> passwords = List.of(all.get(0).get("password").asText(), all.get(1).get("password").asText());
            for (String pw : passwords) {
                assertThat(pw).matches("[A-Za-z0-9]{24}"); // 24 of 62 letters: about 143 bits from SecureRandom
                assertThat(ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse("")).filter(c -> c.contains(pw)))
                        .as("no process's arguments carry a password").isEmpty();
                assertThat(up.err()).as("progress and --verbose logs").doesNotContain(pw);
                assertThat(Run.of(env, "ls").out()).doesNotContain(pw).contains("****");
            }
            assertThat(passwords.get(0)).isNotEqualTo(passwords.get(1));
            if (provider.equals("embedded")) {
                Path root = home.resolve("state/embedded");
                try (Stream<Path> files = Files.walk(root, 2)) {
                    for (Path f : files.filter(p -> p.getFileName().toString().matches("instance\\.json|redis\\.conf")).toList()) {
                        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as(f.toString()).isEqualTo("rw-------");
                        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f.getParent()))).as(f.getParent().toString())
                                .isEqualTo("rwx------");
                    }
                    try (Stream<Path> logs = Files.walk(root, 2)) {
                        for (Path log : logs.filter(p -> p.getFileName().toString().equals("server.log")).toList()) {
                            String text = Files.readString(log);
                            passwords.forEach(pw -> assertThat(text).as(log.toString()).doesNotContain(pw));
                        }
                    }
                }
            }
        } finally {
            Run.of(env, "down", "--all");
        }
        // and down left no server running: a record rewritten after its server started (the hand-over) once made
        // scale disown that server, so down removed its directory and left it running
        assertThat(ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse("")).filter(c -> c.contains(home.toString())))
                .isEmpty();
    }
}
