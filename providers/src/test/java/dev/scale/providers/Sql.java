package dev.scale.providers;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Properties;

/** SQL on a PostgreSQL instance through the JDBC driver, with its own login: what a user's program does. */
public final class Sql {
    private Sql() {
    }

    private static Connection connect(Instance pg) throws Exception {
        Properties login = new Properties();
        login.setProperty("user", pg.endpoint().username());
        login.setProperty("password", pg.endpoint().password().reveal());
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.endpoint().port() + "/" + pg.endpoint().database(), login);
    }

    public static void execute(Instance pg, String sql) throws Exception {
        try (Connection c = connect(pg)) {
            c.createStatement().execute(sql);
        }
    }

    /** The first column of the first row, or null when there is none. */
    public static String first(Instance pg, String sql) throws Exception {
        try (Connection c = connect(pg); ResultSet rs = c.createStatement().executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
