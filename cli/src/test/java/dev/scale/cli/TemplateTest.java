package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scale.providers.RequireDocker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL from a template (issue 15): initdb once, a copy per instance. What a user must never notice: a shared
 * password, data of one instance in another, the template's password still opening an instance, a cache that
 * survives scale cache clear.
 */
class TemplateTest {
    @TempDir
    Path home;

    private Map<String, String> env() {
        Map<String, String> env = Run.env(home);
        env.put("SCALE_CACHE_DIR", home.resolve("cache").toString()); // a cache of its own: the first up makes the template
        return env;
    }

    @Test
    void embeddedInstancesFromOneTemplateShareNeitherPasswordNorData() throws Exception {
        Map<String, String> env = env();
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        try {
            sharedNothing(env, "embedded", () -> {
                try (Stream<Path> dirs = Files.list(home.resolve("cache/bin"))) {
                    return dirs.filter(d -> d.getFileName().toString().endsWith(".template")).map(d -> d.resolve("password")).findFirst().orElseThrow();
                }
            });
        } finally {
            Run.of(env, "down", "--all");
        }
    }

    @Test
    void dockerInstancesFromOneTemplateImageShareNeitherPasswordNorDataAndCacheClearRemovesTheImage() throws Exception {
        var docker = RequireDocker.client();
        Map<String, String> env = env();
        try {
            sharedNothing(env, "docker", () -> {
                try (Stream<Path> files = Files.list(home.resolve("cache/templates/docker"))) {
                    return files.filter(f -> f.toString().endsWith(".password")).findFirst().orElseThrow();
                }
            });
            String source = docker.inspectImageCmd(System.getenv().getOrDefault("SCALE_IMAGE_POSTGRES", "postgres:17")).exec().getId();
            var images = docker.listImagesCmd().withLabelFilter(Map.of("dev.scale.template.of", source)).exec();
            assertThat(images).as("one template image for the one source image").hasSize(1);
            var config = docker.inspectImageCmd(images.get(0).getId()).exec().getConfig();
            assertThat(config.getEnv()).as("the template's password is not in the image").contains("SCALE_PASSWORD=")
                    .noneMatch(e -> e.startsWith("SCALE_PASSWORD=") && e.length() > "SCALE_PASSWORD=".length());
            assertThat(config.getEntrypoint()).as("the source image's entrypoint, not scale's wrapper").doesNotContain("/bin/sh");

            Run.of(env, "down", "--all");
            Run clear = Run.of(env, "cache", "clear");
            assertThat(clear.out()).containsPattern("removed [1-9][0-9]* template images? from the Docker engine");
            assertThat(docker.listImagesCmd().withLabelFilter(Map.of("dev.scale.template", "true")).exec()).isEmpty();
        } finally {
            Run.of(env, "down", "--all");
        }
    }

    interface PasswordFile {
        Path find() throws Exception;
    }

    private void sharedNothing(Map<String, String> env, String provider, PasswordFile templatePassword) throws Exception {
        Run first = Run.of(env, "up", "postgres", "--name", "tpl-a", "--provider", provider);
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.err()).as("the first up makes the template").contains("template");
        Run second = Run.of(env, "up", "postgres", "--name", "tpl-b", "--provider", provider);
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.err()).as("the second copies it").doesNotContain("template");

        JsonNode a = instance(env, "tpl-a");
        JsonNode b = instance(env, "tpl-b");
        assertThat(a.get("password").asText()).isNotEqualTo(b.get("password").asText()).hasSize(24);

        Path file = templatePassword.find();
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        String template = Files.readString(file).strip();
        for (JsonNode i : List.of(a, b)) {
            assertThatThrownBy(() -> connect(i, template).close()).as("the template's password opens no instance")
                    .isInstanceOf(SQLException.class).hasMessageContaining("password authentication failed");
        }

        try (Connection c = connect(a, a.get("password").asText())) {
            c.createStatement().execute("CREATE TABLE only_in_a (v text)");
            c.createStatement().execute("INSERT INTO only_in_a VALUES ('a')");
            c.createStatement().execute("ALTER ROLE scale SET search_path = 'only_a'");
        }
        try (Connection c = connect(b, b.get("password").asText());
             ResultSet rs = c.createStatement().executeQuery(
                     "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("a table made in one instance is not in the other").isZero();
        }
        try (Connection c = connect(b, b.get("password").asText());
             ResultSet rs = c.createStatement().executeQuery("SELECT current_setting('search_path'), pg_encoding_to_char(encoding)"
                     + " FROM pg_database WHERE datname = current_database()")) {
            rs.next();
            assertThat(rs.getString(1)).as("a role setting made in one is not in the other").doesNotContain("only_a");
            assertThat(rs.getString(2)).isEqualTo("UTF8");
        }
    }

    private static JsonNode instance(Map<String, String> env, String name) throws Exception {
        Run ls = Run.of(env, "ls", "--output", "json", "--reveal");
        for (JsonNode i : new ObjectMapper().readTree(ls.out())) {
            if (i.get("name").asText().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no " + name + " in " + ls.out());
    }

    private static Connection connect(JsonNode instance, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", instance.get("username").asText());
        p.setProperty("password", password);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + instance.get("port").asInt() + "/" + instance.get("database").asText(), p);
    }
}
