package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scale login / logout: credentials checked against the service's API (the Upstash double), stored 0600, never shown. */
class LoginTest {
    @TempDir
    Path home;
    Map<String, String> env;
    UpstashDouble upstash;

    @BeforeEach
    void setUp() throws Exception {
        upstash = new UpstashDouble(TlsRedis.start(home));
        env = Run.withoutDocker(home);
        env.put("SCALE_UPSTASH_API_URL", upstash.url());
        env.put("SCALE_CA_FILE", upstash.data.ca().toString());
    }

    @AfterEach
    void tearDown() throws Exception {
        Run.of(env, "down", "--all");
        upstash.close();
        upstash.data.close();
    }

    @Test
    void storedCredentialsAreCheckedKeptPrivateUsedAndForgotten() throws Exception {
        Path file = home.resolve("config/credentials.json");
        Run wrong = Run.withInput(UpstashDouble.EMAIL + "\nwrong-key\n", env, "login", "upstash");
        Run.assertOneLine(wrong, 3, "Upstash refused these credentials, so they were not stored");
        assertThat(file).doesNotExist();

        Run login = Run.withInput(UpstashDouble.EMAIL + "\n" + UpstashDouble.KEY + "\n", env, "login", "upstash");
        assertThat(login.code()).as(login.err()).isZero();
        assertThat(login.err()).contains("the API at " + upstash.url() + " answers", "stored UPSTASH_EMAIL, UPSTASH_API_KEY in " + file + " (0600)")
                .doesNotContain(UpstashDouble.KEY);
        assertThat(login.out()).isEmpty();
        assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(Files.readString(file)).contains(UpstashDouble.KEY);

        // no variable exported: the stored ones are used, and doctor says where they came from
        assertThat(Run.of(env, "doctor").out()).containsPattern("upstash\\s+ok\\s+.*UPSTASH_EMAIL, UPSTASH_API_KEY from scale login").doesNotContain(UpstashDouble.KEY);
        Run up = Run.of(env, "up", "redis", "--provider", "upstash", "--name", "logged");
        assertThat(up.code()).as(up.err()).isZero();
        // the environment wins over the stored key
        Map<String, String> override = new HashMap<>(env);
        override.put("UPSTASH_API_KEY", "env-key");
        Run.assertOneLine(Run.of(override, "up", "redis", "--provider", "upstash"), 3, "Upstash refused the API key");
        assertThat(Run.of(env, "down", "logged").out()).contains("removed logged");

        Run logout = Run.of(env, "logout", "upstash");
        assertThat(logout.code()).isZero();
        assertThat(logout.err()).contains("forgot 2 stored credentials of upstash");
        assertThat(file).doesNotExist();
        Run.assertOneLine(Run.of(env, "up", "redis", "--provider", "upstash"), 3, "no Upstash credentials", "scale login upstash");
        assertThat(Run.of(env, "logout", "--all").err()).contains("nothing was stored for any service");
    }

    @Test
    void fromEnvStoresWhatIsExportedAndBadInputIsOneLine() throws Exception {
        Map<String, String> exported = new HashMap<>(env);
        exported.put("UPSTASH_EMAIL", UpstashDouble.EMAIL);
        exported.put("UPSTASH_API_KEY", UpstashDouble.KEY);
        Run stored = Run.of(exported, "login", "upstash", "--from-env");
        assertThat(stored.code()).as(stored.err()).isZero();
        assertThat(Files.readString(home.resolve("config/credentials.json"))).contains(UpstashDouble.KEY);
        Run.assertOneLine(Run.of(env, "login", "nosuch"), 2, "'nosuch' is not a managed service scale knows", "neon");
        Run.assertOneLine(Run.withInput(UpstashDouble.EMAIL + "\n", env, "login", "upstash"), 2, "no value given for UPSTASH_API_KEY");
        Run.assertOneLine(Run.of(env, "login", "neon", "--from-env"), 2, "NEON_API_KEY is not set");
        assertThat(Run.of(exported, "logout", "upstash").err()).contains("the environment still sets UPSTASH_EMAIL, UPSTASH_API_KEY");
    }
}
