package dev.scale.cli.shell.postgres;

import dev.scale.cli.shell.PsqlTable;
import dev.scale.cli.shell.SqlText;

import dev.scale.cli.shell.Session;

import dev.scale.providers.Instance;
import dev.scale.providers.kinds.postgres.Jdbc;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.postgresql.util.PSQLException;

/** SQL statements, ended by ';' over as many lines as needed; results and errors as psql shows them. */
final class PostgresSession implements Session {
    private static final List<String> KEYWORDS = List.of("ALTER", "AND", "AS", "ASC", "BEGIN", "BETWEEN", "BIGINT", "BIGSERIAL",
            "BOOLEAN", "BY", "CASCADE", "COMMIT", "COUNT", "CREATE", "DEFAULT", "DELETE", "DESC", "DISTINCT", "DROP", "EXISTS",
            "EXPLAIN", "FALSE", "FOR", "FOREIGN", "FROM", "GROUP", "HAVING", "IF", "IN", "INDEX", "INSERT", "INTEGER", "INTO",
            "IS", "JOIN", "JSONB", "KEY", "LEFT", "LIKE", "LIMIT", "NOT", "NULL", "OFFSET", "ON", "OR", "ORDER", "PRIMARY",
            "REFERENCES", "RETURNING", "ROLLBACK", "SELECT", "SERIAL", "SET", "TABLE", "TEXT", "TIMESTAMPTZ", "TRUE",
            "TRUNCATE", "UNIQUE", "UPDATE", "USING", "VALUES", "VARCHAR", "WHERE", "WITH");

    private final Instance instance;
    private Connection connection;
    private volatile Statement running;
    private List<String> words;

    PostgresSession(Instance instance) throws SQLException {
        this.instance = instance;
        this.connection = connect();
    }

    private Connection connect() throws SQLException {
        return Jdbc.connect(instance.endpoint(), "scale shell", 5, 0);
    }

    @Override
    public Instance instance() {
        return instance;
    }

    @Override
    public boolean complete(String input) {
        return SqlText.complete(input);
    }

    @Override
    public void execute(String input, PrintWriter out, PrintWriter err) {
        for (String sql : SqlText.statements(input, true)) {
            if (!run(sql, out, err)) {
                break;
            }
        }
        out.flush();
        err.flush();
    }

    /** Runs one statement; false when it failed, so that the rest of the line is not run (as psql -1 would not). */
    private boolean run(String sql, PrintWriter out, PrintWriter err) {
        try {
            if (connection.isClosed()) {
                connection = connect();
            }
            try (Statement st = connection.createStatement()) {
                running = st;
                boolean isResult = st.execute(sql);
                if (isResult) {
                    try (ResultSet rs = st.getResultSet()) {
                        out.print(PsqlTable.format(rs));
                    }
                } else {
                    out.println(tag(sql, st.getUpdateCount()));
                }
                if (changesSchema(sql)) {
                    synchronized (this) {
                        words = null;
                    }
                }
                return true;
            } finally {
                running = null;
            }
        } catch (PSQLException e) {
            var server = e.getServerErrorMessage();
            err.println(server != null ? server.getSeverity() + ":  " + server.getMessage() : "ERROR:  " + e.getMessage());
            reconnectIfBroken(err);
            return false;
        } catch (SQLException e) {
            err.println("ERROR:  " + e.getMessage());
            reconnectIfBroken(err);
            return false;
        }
    }

    private void reconnectIfBroken(PrintWriter err) {
        try {
            if (connection.isClosed() || !connection.isValid(2)) {
                connection = connect();
            }
        } catch (SQLException e) {
            err.println("could not reconnect: " + e.getMessage());
        }
    }

    /** psql's command tag, rebuilt from the statement's first words and the update count. */
    static String tag(String sql, int count) {
        String[] words = sql.strip().split("\\s+");
        String first = words[0].toUpperCase(Locale.ROOT);
        return switch (first) {
            case "INSERT" -> "INSERT 0 " + Math.max(count, 0);
            case "UPDATE", "DELETE", "MERGE", "COPY", "MOVE", "FETCH" -> first + " " + Math.max(count, 0);
            case "CREATE", "DROP", "ALTER" -> words.length > 1 ? first + " " + words[1].toUpperCase(Locale.ROOT) : first;
            default -> first;
        };
    }

    private static boolean changesSchema(String sql) {
        String s = sql.strip().toUpperCase(Locale.ROOT);
        return s.startsWith("CREATE") || s.startsWith("DROP") || s.startsWith("ALTER");
    }

    @Override
    public void cancel() {
        Statement st = running;
        if (st != null) {
            try {
                st.cancel();
            } catch (SQLException ignored) {
                // it finished meanwhile
            }
        }
    }

    /** SQL keywords, then the database's own table and column names (refreshed after DDL). */
    @Override
    public synchronized List<String> words() {
        if (words == null) {
            TreeSet<String> names = new TreeSet<>();
            try (Connection c = connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select table_name, column_name from information_schema.columns "
                         + "where table_schema not in ('pg_catalog', 'information_schema')")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                    names.add(rs.getString(2));
                }
            } catch (SQLException e) {
                // keywords alone, then
            }
            List<String> all = new ArrayList<>(KEYWORDS);
            all.addAll(names);
            words = all;
        }
        return words;
    }

    @Override
    public boolean upperCaseWords() {
        return false;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing anyway
        }
    }
}
