package dev.scale.providers.kinds.postgres;

import dev.scale.providers.EmbeddedRecipe;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Kind;
import dev.scale.providers.Secret;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class PostgresKind implements Kind {
    private final EmbeddedRecipe embedded = new PostgresEmbedded();

    @Override public String name() { return "postgres"; }
    @Override public List<String> aliases() { return List.of("postgresql", "pg"); }
    @Override public String summary() { return "relational database with transactions"; }
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
    @Override public List<String> urlSchemes() { return List.of("postgresql", "postgres"); }
    @Override public String urlExample() { return "postgresql://USER:PASSWORD@HOST:5432/DATABASE[?sslmode=require]"; }
    @Override public EmbeddedRecipe embedded() { return embedded; }
    @Override public Template template() { return TEMPLATE; }
    /** A primary, streaming replicas and a promoter: {@link PostgresTopology}. */
    @Override public dev.scale.providers.Topology.Replication replication() { return new PostgresTopology(); }

    /** Where a template's cluster lives in a container: outside the image's volume (17: /var/lib/postgresql/data, 18: /var/lib/postgresql). */
    static final String TEMPLATE_PGDATA = "/var/lib/scale/postgres";

    /**
     * initdb once, then a copy per instance: a data directory in scale's cache (embedded), an image committed on the
     * engine (docker). The copy answers with the template's password until {@link #adopt}.
     */
    static final Template TEMPLATE = new Template() {
        @Override
        public String format() {
            return "postgres-1";
        }

        @Override
        public Map<String, String> containerEnv() {
            return Map.of("PGDATA", TEMPLATE_PGDATA);
        }

        @Override
        public String dataFile() {
            return TEMPLATE_PGDATA + "/PG_VERSION";
        }

        @Override
        public List<String> imageChanges() {
            return List.of("ENV PGDATA=" + TEMPLATE_PGDATA);
        }

        /**
         * {@code ALTER ROLE} with a SCRAM verifier pgjdbc computes here, so that the password itself reaches no server
         * log or statistics view; then checks that the template's password no longer opens it.
         */
        @Override
        public void adopt(Endpoint templateLogin, Secret password) throws Exception {
            try (Connection c = Jdbc.connect(templateLogin, "scale adopt", 5, 30)) {
                c.unwrap(org.postgresql.PGConnection.class).alterUserPassword(templateLogin.username(), password.reveal().toCharArray(),
                        "scram-sha-256");
            }
            try (Connection c = Jdbc.connect(templateLogin, "scale adopt check", 5, 30)) {
                throw new IllegalStateException("the template's password still opens the instance");
            } catch (java.sql.SQLException refused) {
                if (!"28P01".equals(refused.getSQLState())) { // invalid_password: only the instance's own opens it now
                    throw refused;
                }
            }
        }
    };

    @Override
    public Map<String, String> containerEnv(Endpoint e) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("POSTGRES_USER", e.username());
        env.put("POSTGRES_DB", e.database());
        return env;
    }

    @Override
    public String probe(Endpoint e) throws Exception {
        try (Connection c = Jdbc.connect(e, "scale ready check", 2, 5);
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
        return "postgresql://" + e.username() + ":" + e.password().reveal() + "@" + e.host() + ":" + e.port() + "/" + e.database()
                + (e.tls() != null ? "?sslmode=require" : "");
    }

    @Override
    public Map<String, String> env(Endpoint e) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DATABASE_URL", url(e));
        env.put("JDBC_DATABASE_URL", Jdbc.url(e) + "?user=" + e.username() + "&password=" + e.password().reveal()
                + (e.tls() != null ? "&ssl=true&sslmode=require" : ""));
        env.put("PGHOST", e.host());
        env.put("PGPORT", Integer.toString(e.port()));
        env.put("PGUSER", e.username());
        env.put("PGPASSWORD", e.password().reveal());
        env.put("PGDATABASE", e.database());
        if (e.tls() != null) {
            env.put("PGSSLMODE", "require");
        }
        failoverEnv(e, env);
        return env;
    }

    /**
     * A replicated instance's part of the contract: URLs that reach whichever member is the primary now, listing every
     * data member ({@code server:NAME-i} in {@link Endpoint#ports()}), the first primary first.
     * <ul>
     *   <li>{@code DATABASE_FAILOVER_URL}: libpq's multi-host form with {@code target_session_attrs=read-write} (psql,
     *   psycopg, node-postgres read it), and {@code connect_timeout=2} so that a member that accepts a connection and
     *   never answers (paused) costs two seconds, not forever, before the next is tried.</li>
     *   <li>{@code JDBC_DATABASE_FAILOVER_URL}: pgjdbc's, {@code targetServerType=primary}; {@code hostRecheckSeconds=1}
     *   (pgjdbc caches a host's role for 10 s by default, and would skip a just-promoted replica that long);
     *   {@code socketTimeout=10}, since without one a statement sent to a paused primary waits forever, and an open
     *   connection never moves to the new primary by itself: the application must see the error to reconnect.</li>
     * </ul>
     * DATABASE_URL, PGPORT and the rest name the primary when they are read ({@code ls}, {@code env}): a failover later
     * makes it a replica, which these two URLs follow.
     */
    private static void failoverEnv(Endpoint e, Map<String, String> env) {
        List<String> hosts = dev.scale.providers.Topology.servers(e.ports()).values().stream().map(port -> e.host() + ":" + port).toList();
        if (hosts.size() < 2) {
            return;
        }
        String tls = e.tls() != null ? "&sslmode=require" : "";
        env.put("DATABASE_FAILOVER_URL", "postgresql://" + e.username() + ":" + e.password().reveal() + "@" + String.join(",", hosts) + "/"
                + e.database() + "?target_session_attrs=read-write&connect_timeout=2" + tls);
        env.put("JDBC_DATABASE_FAILOVER_URL", "jdbc:postgresql://" + String.join(",", hosts) + "/" + e.database()
                + "?targetServerType=primary&hostRecheckSeconds=1&connectTimeout=2&socketTimeout=10&user=" + e.username()
                + "&password=" + e.password().reveal() + (e.tls() != null ? "&ssl=true&sslmode=require" : ""));
    }

    /**
     * {@code CREATE DATABASE … TEMPLATE …}, by WAL for a small template and by files (FILE_COPY) above 64 MB
     * (PostgreSQL 15 and later; older ones copy files anyway): milliseconds for a small database. Its own login owns it, with
     * a password set as a SCRAM verifier computed here, and no other login but superusers may connect to it. In a
     * copy of a database, what its owner owned (schemas, tables, views, sequences, routines) is given to the new login.
     */
    @Override
    public Endpoint newDatabase(Endpoint admin, String database, String from) throws Exception {
        Secret password = Secret.random();
        String template = from == null ? "template1" : from;
        try (Connection c = Jdbc.connect(admin, "scale db new", 5, 60); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + ident(database) + " LOGIN");
            c.unwrap(org.postgresql.PGConnection.class).alterUserPassword(database, password.reveal().toCharArray(), "scram-sha-256");
            String strategy = "";
            if (c.getMetaData().getDatabaseMajorVersion() >= 15) {
                // FILE_COPY copies files but checkpoints twice; WAL_LOG writes every block to the WAL. For template1 (7 MB)
                // WAL_LOG took 26–52 ms and FILE_COPY 77–127 ms here (bench/db-new.sh): FILE_COPY only for big templates.
                try (ResultSet rs = s.executeQuery("SELECT pg_database_size(" + literal(template) + ")")) {
                    strategy = rs.next() && rs.getLong(1) > FILE_COPY_ABOVE ? " STRATEGY FILE_COPY" : " STRATEGY WAL_LOG";
                } catch (java.sql.SQLException absent) {
                    strategy = ""; // CREATE DATABASE below says what is wrong with it
                }
            }
            try {
                s.execute("CREATE DATABASE " + ident(database) + " OWNER " + ident(database) + " TEMPLATE " + ident(template) + strategy);
            } catch (java.sql.SQLException e) {
                s.execute("DROP ROLE " + ident(database));
                throw e;
            }
            s.execute("REVOKE ALL ON DATABASE " + ident(database) + " FROM PUBLIC");
        }
        Endpoint own = new Endpoint(admin.host(), admin.port(), database, password, database, admin.ports(), admin.tls());
        if (from != null) {
            Endpoint adminThere = new Endpoint(admin.host(), admin.port(), admin.username(), admin.password(), database, admin.ports(), admin.tls());
            try (Connection c = Jdbc.connect(adminThere, "scale db new", 5, 60); Statement s = c.createStatement()) {
                s.execute(GIVE_TO.formatted(ident(admin.username()).replace("'", "''"), database.replace("'", "''")));
            }
        }
        return own;
    }

    /** What the template's owner owned in the copy, given to the copy's own login ($1: the old owner, $2: the new one). */
    private static final String GIVE_TO = """
            DO $scale$
            DECLARE r record; old regrole := '%1$s'::regrole; new text := '%2$s';
            BEGIN
              FOR r IN SELECT nspname FROM pg_namespace WHERE nspowner = old AND nspname NOT LIKE 'pg\\_%%' AND nspname <> 'information_schema' LOOP
                EXECUTE format('ALTER SCHEMA %%I OWNER TO %%I', r.nspname, new);
              END LOOP;
              FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE c.relowner = old AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
                         AND n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> 'information_schema' LOOP
                EXECUTE format('ALTER TABLE %%s OWNER TO %%I', r.rel, new);
              END LOOP;
              FOR r IN SELECT p.oid::regprocedure AS fn FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                       WHERE p.proowner = old AND n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> 'information_schema' LOOP
                EXECUTE format('ALTER ROUTINE %%s OWNER TO %%I', r.fn, new);
              END LOOP;
            END
            $scale$""";

    @Override
    public void dropDatabase(Endpoint admin, String database) throws Exception {
        try (Connection c = Jdbc.connect(admin, "scale db rm", 5, 60); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + ident(database) + (c.getMetaData().getDatabaseMajorVersion() >= 13 ? " WITH (FORCE)" : ""));
            s.execute("DROP ROLE IF EXISTS " + ident(database));
        }
    }

    /** Above this size a copy is made by files (two checkpoints) rather than through the WAL (every block written twice). */
    private static final long FILE_COPY_ABOVE = 64L * 1024 * 1024;

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    private static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** Drops every object the login owns (tables, types, functions, schemas it made) and its privileges. */
    @Override
    public void empty(Endpoint endpoint) throws Exception {
        try (java.sql.Connection c = Jdbc.connect(endpoint, "scale down", 5, 30); java.sql.Statement s = c.createStatement()) {
            s.execute("DROP OWNED BY CURRENT_USER CASCADE");
        }
    }

    /** {@code postgresql://[USER[:PASSWORD]@]HOST[:PORT][/DATABASE]}; libpq's defaults: user and database postgres, port 5432. */
    @Override
    public Endpoint endpointOf(URI url) {
        Endpoint.Login login = Endpoint.loginOf(url);
        String path = url.getPath() == null ? "" : url.getPath().replaceFirst("^/", "");
        Endpoint e = new Endpoint(url.getHost(), url.getPort() > 0 ? url.getPort() : 5432, login.userOr("postgres"),
                Secret.of(login.password()), path.isEmpty() ? "postgres" : path);
        // libpq's sslmode: require and the verify modes mean TLS; scale's own connections then always verify
        String query = url.getRawQuery() == null ? "" : url.getRawQuery();
        boolean tls = java.util.Arrays.stream(query.split("&"))
                .anyMatch(p -> p.matches("sslmode=(require|verify-ca|verify-full)") || p.equals("ssl=true"));
        return tls ? e.withTls(Endpoint.Tls.SYSTEM) : e;
    }
}
