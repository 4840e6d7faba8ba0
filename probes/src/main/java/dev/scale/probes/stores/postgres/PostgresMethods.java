package dev.scale.probes.stores.postgres;

import dev.scale.probes.Method;

import dev.scale.probes.stores.postgres.PostgresDriver;
import dev.scale.providers.Endpoint;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * PostgreSQL's ways to increment, on table {@code scale_rmw_probe (k text primary key, v bigint)}: a naive
 * SELECT then UPDATE; one {@code UPDATE … SET v = v + 1}; SELECT … FOR UPDATE in a transaction; and
 * read-then-write under REPEATABLE READ and SERIALIZABLE, retried on serialization failures (40001).
 */
public final class PostgresMethods {
    static final String TABLE = "scale_rmw_probe";

    private PostgresMethods() {
    }

    public static List<String> names() {
        return List.of("naive", "update-add", "select-for-update", "repeatable-read", "serializable");
    }

    public static void createTable(Endpoint e) throws SQLException {
        try (Connection c = new PostgresDriver(e).connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (k text PRIMARY KEY, v bigint NOT NULL)");
        }
    }

    public static void dropTable(Endpoint e) throws SQLException {
        try (Connection c = new PostgresDriver(e).connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + TABLE);
        }
    }

    public static Method open(String name, Endpoint e) {
        Connection c = new PostgresDriver(e).connect();
        return new Method() {
            @Override
            public String name() {
                return name;
            }


            @Override
            public int increment(String key) throws SQLException {
                switch (name) {
                    case "naive" -> {
                        long v = read(key);
                        write(key, v + 1);
                        return 0;
                    }
                    case "update-add" -> {
                        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET v = v + 1 WHERE k = ?")) {
                            ps.setString(1, key);
                            ps.executeUpdate();
                        }
                        return 0;
                    }
                    case "select-for-update" -> {
                        return inTransaction(Connection.TRANSACTION_READ_COMMITTED, key, " FOR UPDATE");
                    }
                    case "repeatable-read" -> {
                        return inTransaction(Connection.TRANSACTION_REPEATABLE_READ, key, "");
                    }
                    default -> {
                        return inTransaction(Connection.TRANSACTION_SERIALIZABLE, key, "");
                    }
                }
            }

            /** Read then write in one transaction; retried on serialization failures, which are counted. */
            private int inTransaction(int isolation, String key, String lock) throws SQLException {
                int aborts = 0;
                while (true) {
                    c.setAutoCommit(false);
                    c.setTransactionIsolation(isolation);
                    try {
                        long v;
                        try (PreparedStatement ps = c.prepareStatement("SELECT v FROM " + TABLE + " WHERE k = ?" + lock)) {
                            ps.setString(1, key);
                            try (ResultSet rs = ps.executeQuery()) {
                                v = rs.next() ? rs.getLong(1) : 0;
                            }
                        }
                        write(key, v + 1);
                        c.commit();
                        return aborts;
                    } catch (SQLException ex) {
                        c.rollback();
                        if (!"40001".equals(ex.getSQLState()) && !"40P01".equals(ex.getSQLState())) {
                            throw ex;
                        }
                        aborts++;
                    } finally {
                        c.setAutoCommit(true);
                        c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                    }
                }
            }

            private void write(String key, long v) throws SQLException {
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET v = ? WHERE k = ?")) {
                    ps.setLong(1, v);
                    ps.setString(2, key);
                    ps.executeUpdate();
                }
            }

            @Override
            public long read(String key) throws SQLException {
                try (PreparedStatement ps = c.prepareStatement("SELECT v FROM " + TABLE + " WHERE k = ?")) {
                    ps.setString(1, key);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? rs.getLong(1) : 0;
                    }
                }
            }

            @Override
            public void reset(String key) throws SQLException {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (k, v) VALUES (?, 0) "
                        + "ON CONFLICT (k) DO UPDATE SET v = 0")) {
                    ps.setString(1, key);
                    ps.executeUpdate();
                }
            }

            @Override
            public void close() {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // closing anyway
                }
            }
        };
    }
}
