package dev.scale.providers.kinds.postgres;

import dev.scale.providers.Endpoint;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The one place scale opens a JDBC connection to PostgreSQL: the readiness check, the shell, {@code --init}
 * and the probes differ only in their application name and timeouts.
 */
public final class Jdbc {
    private Jdbc() {
    }

    /** The JDBC URL, which carries no credentials; JDBC users pass them separately (PGUSER/PGPASSWORD). */
    public static String url(Endpoint e) {
        return "jdbc:postgresql://" + e.host() + ":" + e.port() + "/" + e.database();
    }

    /**
     * @param application shown in pg_stat_activity: "scale shell", "scale probe"
     * @param connectSeconds how long to wait for the server to accept the connection
     * @param socketSeconds how long one statement may block on the socket; 0 for as long as it takes
     */
    public static Connection connect(Endpoint e, String application, int connectSeconds, int socketSeconds) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", e.username());
        p.setProperty("password", e.password() == null ? "" : e.password().reveal());
        p.setProperty("connectTimeout", Integer.toString(connectSeconds));
        p.setProperty("loginTimeout", Integer.toString(connectSeconds + 1));
        p.setProperty("socketTimeout", Integer.toString(socketSeconds));
        p.setProperty("ApplicationName", application);
        p.setProperty("prepareThreshold", "1"); // server-side prepared from the first execution: the probes measure that path
        if (e.tls() != null) {
            // TLS with the certificate and the host name verified: against SCALE_CA_FILE's authorities, else the JVM's
            p.setProperty("ssl", "true");
            p.setProperty("sslmode", "verify-full");
            if (e.tls().caFile() != null) {
                p.setProperty("sslrootcert", e.tls().caFile().toString());
            } else {
                p.setProperty("sslfactory", "org.postgresql.ssl.DefaultJavaSSLFactory");
            }
        }
        return DriverManager.getConnection(url(e), p);
    }

    /** Whether a connection failure is a refused login rather than an unreachable server. */
    public static boolean refusedLogin(SQLException e) {
        return "28P01".equals(e.getSQLState()) || "28000".equals(e.getSQLState());
    }
}
