package dev.scale.probes.stores.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scale.errors.ExitCode;
import dev.scale.errors.ScaleException;
import dev.scale.probes.EmbeddedServers;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Secret;
import dev.scale.providers.kinds.postgres.Jdbc;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The kv probe's own PostgreSQL client logs in as a real PostgreSQL 17 asks it to: SCRAM-SHA-256 (the server's
 * default here), MD5, cleartext and trust, each set for one role in pg_hba.conf; a wrong password is one clear
 * environment error naming the login, never a hang or a stack trace.
 */
class PgWireTest {
    @RegisterExtension
    static final EmbeddedServers servers = new EmbeddedServers("pgwire");

    private static Endpoint admin;
    private static Path hba;
    private static String hbaBefore;

    @BeforeAll
    static void rolesForEachLoginMethod() throws Exception {
        admin = servers.postgres().endpoint();
        try (Connection c = Jdbc.connect(admin, "test", 5, 10); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + PostgresDriver.TABLE + " (k bigint PRIMARY KEY, v bytea NOT NULL)");
            st.execute("SET password_encryption = 'md5'");
            st.execute("CREATE ROLE md5user LOGIN PASSWORD 'md5-pässword'"); // non-ASCII: the hash is over UTF-8 bytes
            st.execute("CREATE ROLE clearuser LOGIN PASSWORD 'clear-pw'");
            st.execute("CREATE ROLE trustuser LOGIN");
            st.execute("GRANT ALL ON " + PostgresDriver.TABLE + " TO md5user, clearuser, trustuser");
            try (ResultSet rs = st.executeQuery("SHOW hba_file")) {
                rs.next();
                hba = Path.of(rs.getString(1));
            }
            hbaBefore = Files.readString(hba);
            // pg_hba.conf is read top down: these lines come before the file's own SCRAM ones
            Files.writeString(hba, """
                    host all md5user 127.0.0.1/32 md5
                    host all clearuser 127.0.0.1/32 password
                    host all trustuser 127.0.0.1/32 trust
                    """ + hbaBefore, StandardCharsets.UTF_8);
            try (ResultSet rs = st.executeQuery("SELECT pg_reload_conf()")) {
                rs.next();
            }
        }
    }

    @AfterAll
    static void restore() throws Exception {
        if (hba != null) {
            Files.writeString(hba, hbaBefore, StandardCharsets.UTF_8);
        }
    }

    private static Endpoint as(String user, String password) {
        return new Endpoint(admin.host(), admin.port(), user, Secret.of(password), admin.database());
    }

    /** Logs in and prepares the probe's statements; the server answers ReadyForQuery only after a good login. */
    private static void logsIn(Endpoint e) throws Exception {
        try (SocketChannel ch = new PgWire(e, new byte[] {1}).connect()) {
            assertThat(ch.isConnected()).isTrue();
        }
    }

    @Test
    void scramSha256TheServersDefault() throws Exception {
        logsIn(admin);
    }

    @Test
    void md5() throws Exception {
        logsIn(as("md5user", "md5-pässword"));
    }

    @Test
    void cleartextPassword() throws Exception {
        logsIn(as("clearuser", "clear-pw"));
    }

    @Test
    void trust() throws Exception {
        logsIn(as("trustuser", ""));
    }

    @Test
    void aWrongPasswordIsOneClearErrorForEachMethod() {
        for (Endpoint wrong : new Endpoint[] {as(admin.username(), "not-it"), as("md5user", "not-it"), as("clearuser", "not-it")}) {
            assertThatThrownBy(() -> logsIn(wrong)).isInstanceOfSatisfying(ScaleException.class, e -> {
                assertThat(e.exitCode()).isEqualTo(ExitCode.ENVIRONMENT);
                assertThat(e.oneLine()).contains("PostgreSQL refused the connection", "password authentication failed for user \"" + wrong.username() + "\"",
                        "check the user and password in --on");
            });
        }
    }
}
