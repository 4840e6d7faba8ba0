package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scale db new / rm on a real embedded PostgreSQL, checked with JDBC as each database's own login. */
class DbTest {
    @TempDir
    Path home;
    Map<String, String> env;

    @AfterEach
    void down() {
        if (env != null) {
            Run.of(env, "down", "--all");
        }
    }

    @Test
    void eachDatabaseHasItsOwnLoginNoOtherCanEnterAndACopyKeepsTheTemplatesDataForItsOwner() throws Exception {
        env = Run.withoutDocker(home);
        assertThat(Run.of(env, "up", "postgres", "--name", "pg").code()).isZero();
        JsonNode owner = newDb("pg");
        JsonNode other = newDb("pg");
        assertThat(owner.get("PGUSER").asText()).isNotEqualTo(other.get("PGUSER").asText());
        assertThat(owner.get("PGPASSWORD").asText()).isNotEqualTo(other.get("PGPASSWORD").asText()).hasSize(24);
        assertThat(owner.get("PGDATABASE").asText()).isEqualTo(owner.get("PGUSER").asText()).startsWith("t_");

        try (Connection c = connect(owner, owner.get("PGDATABASE").asText())) {
            c.createStatement().execute("CREATE TABLE mine (v int)");
        }
        assertThatThrownBy(() -> connect(other, owner.get("PGDATABASE").asText()).close())
                .as("another database's login cannot connect").isInstanceOf(SQLException.class).hasMessageContaining("permission denied");

        // a copy of the instance's own database: its tables, with their rows, owned by the copy's login
        JsonNode instance = new ObjectMapper().readTree(Run.of(env, "env", "pg", "--output", "json").out());
        try (Connection c = connect(instance, "scale")) {
            c.createStatement().execute("CREATE TABLE seed (v int); INSERT INTO seed VALUES (42)");
        }
        Run copy = Run.of(env, "db", "new", "pg", "--from", "scale", "--name", "copy_1", "--output", "json");
        assertThat(copy.code()).as(copy.err()).isZero();
        assertThat(copy.err()).contains("database copy_1 made in", "a copy of scale");
        JsonNode copied = new ObjectMapper().readTree(copy.out());
        try (Connection c = connect(copied, "copy_1")) {
            c.createStatement().execute("INSERT INTO seed VALUES (1)");
            try (ResultSet rs = c.createStatement().executeQuery("SELECT sum(v), (SELECT tableowner FROM pg_tables WHERE tablename = 'seed') FROM seed")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(43);
                assertThat(rs.getString(2)).isEqualTo("copy_1");
            }
        }
        try (Connection c = connect(instance, "scale"); ResultSet rs = c.createStatement().executeQuery("SELECT sum(v) FROM seed")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the template is untouched").isEqualTo(42);
        }

        Run rm = Run.of(env, "db", "rm", "pg", "copy_1");
        assertThat(rm.out()).contains("removed copy_1");
        assertThatThrownBy(() -> connect(copied, "copy_1").close()).isInstanceOf(SQLException.class);
    }

    @Test
    void badInputIsOneLine() {
        env = Run.withoutDocker(home);
        assertThat(Run.of(env, "up", "redis", "--name", "kv").code()).isZero();
        Run.assertOneLine(Run.of(env, "db", "new", "kv"), 2, "'kv' is redis", "PostgreSQL");
        Run.assertOneLine(Run.of(env, "db", "new", "nothing"), 2, "no instance named 'nothing'");
        assertThat(Run.of(env, "up", "postgres", "--name", "pg").code()).isZero();
        Run.assertOneLine(Run.of(env, "db", "new", "pg", "--name", "Robert'); DROP"), 2, "not a name");
        Run.assertOneLine(Run.of(env, "db", "rm", "pg", "scale"), 2, "only databases scale db new made");
        Run.assertOneLine(Run.of(env, "db", "new", "pg", "--from", "absent"), 1, "could not make database", "absent");
    }

    private JsonNode newDb(String instance) throws Exception {
        Run run = Run.of(env, "db", "new", instance, "--output", "json");
        assertThat(run.code()).as(run.err()).isZero();
        return new ObjectMapper().readTree(run.out());
    }

    private static Connection connect(JsonNode vars, String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", vars.get("PGUSER").asText());
        p.setProperty("password", vars.get("PGPASSWORD").asText());
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + vars.get("PGPORT").asText() + "/" + database, p);
    }
}
