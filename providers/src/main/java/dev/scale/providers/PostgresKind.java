package dev.scale.providers;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

public final class PostgresKind implements Kind {

    @Override public String name() { return "postgres"; }
    @Override public List<String> aliases() { return List.of("postgresql", "pg"); }
    @Override public String defaultVersion() { return "17"; }
    @Override public String officialImage(String version) { return "postgres:" + version; }
    @Override public int containerPort() { return 5432; }
    @Override public String defaultUsername() { return "scale"; }
    @Override public String defaultDatabase() { return "scale"; }
    @Override public List<String> containerCommand() { return List.of("postgres"); }
    @Override public String containerPrelude() { return "export POSTGRES_PASSWORD=\"$SCALE_PASSWORD\"\n"; }
    /** SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to leave. */
    @Override public String stopSignal() { return "INT"; }
    @Override public Duration startTimeout() { return Duration.ofSeconds(90); }

    @Override
    public Map<String, String> containerEnv(Endpoint e) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("POSTGRES_USER", e.username());
        env.put("POSTGRES_DB", e.database());
        return env;
    }

    @Override
    public String probe(Endpoint e) throws Exception {
        Properties props = new Properties();
        props.setProperty("user", e.username());
        props.setProperty("password", e.password().reveal());
        props.setProperty("connectTimeout", "2");
        props.setProperty("socketTimeout", "5");
        props.setProperty("loginTimeout", "3");
        try (Connection c = DriverManager.getConnection(jdbcUrl(e), props);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1, current_setting('server_version')")) {
            if (!rs.next() || rs.getInt(1) != 1) {
                throw new IllegalStateException("SELECT 1 did not return 1");
            }
            return rs.getString(2).split(" ")[0];
        }
    }

    @Override
    public String url(Endpoint e) {
        return "postgresql://" + e.username() + ":" + e.password().reveal() + "@" + e.host() + ":" + e.port() + "/" + e.database();
    }

    /** The JDBC form carries no credentials; JDBC users pass them separately (PGUSER/PGPASSWORD). */
    public String jdbcUrl(Endpoint e) {
        return "jdbc:postgresql://" + e.host() + ":" + e.port() + "/" + e.database();
    }

    @Override
    public Map<String, String> env(Endpoint e) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DATABASE_URL", url(e));
        env.put("JDBC_DATABASE_URL", jdbcUrl(e) + "?user=" + e.username() + "&password=" + e.password().reveal());
        env.put("PGHOST", e.host());
        env.put("PGPORT", Integer.toString(e.port()));
        env.put("PGUSER", e.username());
        env.put("PGPASSWORD", e.password().reveal());
        env.put("PGDATABASE", e.database());
        return env;
    }
}
