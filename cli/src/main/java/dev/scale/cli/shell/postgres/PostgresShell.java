package dev.scale.cli.shell.postgres;

import dev.scale.cli.shell.Init;
import dev.scale.cli.shell.Session;
import dev.scale.cli.shell.ShellKind;
import dev.scale.cli.shell.SqlText;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Instance;
import dev.scale.providers.kinds.postgres.Jdbc;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** PostgreSQL in the shell: SQL ended by ';', results as psql prints them. */
public final class PostgresShell implements ShellKind {

    @Override
    public Session open(Instance instance) throws SQLException {
        return new PostgresSession(instance);
    }

    @Override
    public String initFormat() {
        return "SQL statements";
    }

    @Override
    public int promptColour() {
        return 4; // blue
    }

    @Override
    public void init(Instance instance, Path file, String text) {
        try (Connection c = Jdbc.connect(instance.endpoint(), "scale init", 5, 0);
             Statement st = c.createStatement()) {
            for (String statement : SqlText.statements(text, true)) {
                try {
                    st.execute(statement);
                } catch (SQLException ex) {
                    throw ScaleException.failure("init " + instance.name() + " from " + file + " failed at \""
                            + Init.firstLine(statement) + "\": " + ex.getMessage(), ex);
                }
            }
        } catch (SQLException ex) {
            throw ScaleException.failure("init " + instance.name() + ": cannot connect: " + ex.getMessage(), ex);
        }
    }
}
