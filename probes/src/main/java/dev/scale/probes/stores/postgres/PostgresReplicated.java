package dev.scale.probes.stores.postgres;

import dev.scale.probes.History.Outcome;
import dev.scale.probes.Replicated;
import dev.scale.probes.SetTest;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Secret;
import dev.scale.providers.kinds.postgres.Jdbc;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * PostgreSQL streaming replication with scale's promoter, as the failover probe drives it, from the connection
 * contract alone: {@code JDBC_DATABASE_FAILOVER_URL} (every member, {@code targetServerType=primary}), the client an
 * application would use. Members are named by their {@code cluster_name} ({@code NAME-1}), which scale sets to the
 * member's host name.
 */
public final class PostgresReplicated implements Replicated {
    private static final String TAKES_WRITES = "SELECT NOT pg_is_in_recovery() AND current_setting('default_transaction_read_only') = 'off', "
            + "current_setting('cluster_name')";

    private final String jdbcBase;
    private final Map<String, String> parameters;
    private final List<Endpoint> members = new ArrayList<>();
    private final Faults faults;
    /** host:port to member name, learnt from each member's cluster_name while it answers. */
    private final Map<String, String> names = new ConcurrentHashMap<>();
    private final List<String> tables = new ArrayList<>();

    /** @return null where the contract lists no replicas (one server) */
    public static PostgresReplicated of(Map<String, String> contract, Faults faults) {
        String url = contract.get("JDBC_DATABASE_FAILOVER_URL");
        return url == null ? null : new PostgresReplicated(url, faults);
    }

    private PostgresReplicated(String url, Faults faults) {
        this.faults = faults;
        String rest = url.substring("jdbc:postgresql://".length());
        int q = rest.indexOf('?');
        String hostsAndDb = q < 0 ? rest : rest.substring(0, q);
        parameters = new LinkedHashMap<>();
        if (q >= 0) {
            for (String kv : rest.substring(q + 1).split("&")) {
                String[] p = kv.split("=", 2);
                parameters.put(p[0], p.length < 2 ? "" : URLDecoder.decode(p[1], StandardCharsets.UTF_8));
            }
        }
        int slash = hostsAndDb.indexOf('/');
        String database = hostsAndDb.substring(slash + 1);
        jdbcBase = "jdbc:postgresql://" + hostsAndDb;
        for (String hp : hostsAndDb.substring(0, slash).split(",")) {
            int colon = hp.lastIndexOf(':');
            members.add(new Endpoint(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1)), parameters.get("user"),
                    Secret.of(parameters.getOrDefault("password", "")), database));
        }
    }

    /**
     * A connection to whichever member is the primary, as the contract's URL gives it, but with the probe's own
     * timeout: pgjdbc's socketTimeout, whole seconds, is how long a statement sent to a paused primary waits.
     */
    Connection connectPrimary(int timeoutMillis, String application) throws SQLException {
        Properties p = new Properties();
        p.putAll(parameters);
        int seconds = Math.max(1, (timeoutMillis + 999) / 1000);
        p.setProperty("socketTimeout", Integer.toString(seconds));
        p.setProperty("connectTimeout", Integer.toString(seconds));
        p.setProperty("loginTimeout", Integer.toString(seconds * members.size() + 1));
        p.setProperty("ApplicationName", application);
        return DriverManager.getConnection(jdbcBase, p);
    }

    private static String key(Endpoint e) {
        return e.host() + ":" + e.port();
    }

    /** Whether the member takes writes now (not in recovery, not fenced read-only); its name learnt. Throws where it does not answer. */
    private boolean takesWrites(Endpoint member) throws SQLException {
        try (Connection c = Jdbc.connect(member, "scale probe failover", 1, 2); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(TAKES_WRITES)) {
            rs.next();
            names.put(key(member), rs.getString(2));
            return rs.getBoolean(1);
        }
    }

    @Override
    public String primary() throws Exception {
        SQLException last = null;
        for (Endpoint m : members) {
            try {
                if (takesWrites(m)) {
                    return names.get(key(m));
                }
            } catch (SQLException e) {
                last = e;
            }
        }
        throw new IllegalStateException("no member takes writes" + (last == null ? "" : " (" + last.getMessage() + ")"));
    }

    @Override
    public SetTest.Target target(int timeoutMillis, Runnable fault, Runnable heal) throws Exception {
        String table = "scale_failover_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        try (Connection c = connectPrimary(5000, "scale probe failover"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + table + " (id integer PRIMARY KEY)");
        }
        tables.add(table);
        String initial = primary();
        List<Endpoint> others = members.stream().filter(m -> !initial.equals(names.get(key(m)))).toList();
        return new PostgresSetTarget(this, table, timeoutMillis, fault, heal, others);
    }

    @Override
    public Faults faults() {
        return faults;
    }

    /**
     * Exactly one member takes writes, and it streams to every other member (by the application_name each replica
     * gives as its member name): a killed, paused or cut old primary has rejoined as a replica of the new one.
     */
    @Override
    public String whole() {
        List<Endpoint> primaries = new ArrayList<>();
        for (Endpoint m : members) {
            try {
                if (takesWrites(m)) {
                    primaries.add(m);
                }
            } catch (SQLException e) {
                return "the member at port " + m.port() + " does not answer: " + e.getMessage();
            }
        }
        if (primaries.size() != 1) {
            return primaries.size() + " members take writes";
        }
        try (Connection c = Jdbc.connect(primaries.get(0), "scale probe failover", 1, 2); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")) {
            rs.next();
            if (rs.getInt(1) < members.size() - 1) {
                return rs.getInt(1) + " of " + (members.size() - 1) + " replicas streaming from " + names.get(key(primaries.get(0)));
            }
        } catch (SQLException e) {
            return "the primary does not answer: " + e.getMessage();
        }
        return null;
    }

    @Override
    public void clean() throws Exception {
        if (tables.isEmpty()) {
            return;
        }
        try (Connection c = connectPrimary(5000, "scale probe failover"); Statement s = c.createStatement()) {
            for (String t : tables) {
                s.execute("DROP TABLE IF EXISTS " + t);
            }
        }
        tables.clear();
    }

    @Override
    public void close() {
    }

    /**
     * The set test through pgjdbc's multi-host failover: each writer keeps one connection to the primary and, on an
     * error, drops it and connects again (pgjdbc picks the member that is primary now). A write the server refused
     * (read-only) or that could not be sent is REFUSED; one sent whose answer never came (a timeout, a connection cut or
     * terminated) is UNKNOWN. A watcher asks the other members every 20 ms whether they are in recovery, and notes when
     * one is first not: the promotion.
     */
    static final class PostgresSetTarget implements SetTest.Target {
        private final PostgresReplicated store;
        private final String table;
        private final int timeoutMillis;
        private final Runnable fault;
        private final Runnable heal;
        private final ThreadLocal<Connection> connection = new ThreadLocal<>();
        private final java.util.Set<Connection> opened = ConcurrentHashMap.newKeySet();
        private volatile long promoted = -1;
        private volatile boolean watching = true;
        private final Thread watcher;

        PostgresSetTarget(PostgresReplicated store, String table, int timeoutMillis, Runnable fault, Runnable heal, List<Endpoint> others) {
            this.store = store;
            this.table = table;
            this.timeoutMillis = timeoutMillis;
            this.fault = fault;
            this.heal = heal;
            watcher = new Thread(() -> watch(others), "postgres-promotion-watch");
            watcher.setDaemon(true);
            watcher.start();
        }

        private void watch(List<Endpoint> others) {
            Map<Endpoint, Connection> open = new LinkedHashMap<>();
            try {
                while (watching && promoted < 0) {
                    for (Endpoint m : others) {
                        try {
                            Connection c = open.get(m);
                            if (c == null) {
                                c = Jdbc.connect(m, "scale probe failover watch", 1, 1);
                                open.put(m, c);
                            }
                            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
                                rs.next();
                                if (!rs.getBoolean(1) && promoted < 0) {
                                    promoted = System.nanoTime();
                                }
                            }
                        } catch (SQLException e) {
                            close(open.remove(m));
                        }
                    }
                    Thread.sleep(20);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                open.values().forEach(PostgresSetTarget::close);
            }
        }

        @Override
        public Outcome add(int id) {
            Connection c = connection.get();
            if (c == null) {
                try {
                    c = store.connectPrimary(timeoutMillis, "scale probe failover");
                    connection.set(c);
                    opened.add(c);
                } catch (SQLException e) {
                    return Outcome.REFUSED; // nothing was sent
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (id) VALUES (?)")) {
                ps.setInt(1, id);
                ps.executeUpdate();
                return Outcome.ACKNOWLEDGED;
            } catch (SQLException e) {
                drop();
                String state = e.getSQLState() == null ? "" : e.getSQLState();
                // 25006: read-only (a replica, a fenced old primary); 08003: the connection was already closed, nothing sent
                if (state.equals("25006") || state.equals("25P02") || state.equals("08003")) {
                    return Outcome.REFUSED;
                }
                return Outcome.UNKNOWN; // sent, and the answer lost: a timeout, a cut or terminated connection
            }
        }

        private void drop() {
            Connection c = connection.get();
            connection.remove();
            if (c != null) {
                opened.remove(c);
                close(c);
            }
        }

        private static void close(Connection c) {
            if (c == null) {
                return;
            }
            try {
                c.close();
            } catch (SQLException ignored) {
                // gone either way
            }
        }

        @Override
        public BitSet readBack() throws SQLException {
            BitSet present = new BitSet();
            try (Connection c = store.connectPrimary(5000, "scale probe failover"); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT id FROM " + table)) {
                while (rs.next()) {
                    present.set(rs.getInt(1));
                }
            }
            return present;
        }

        @Override
        public void fault() {
            fault.run();
        }

        @Override
        public void heal() {
            heal.run();
        }

        @Override
        public long promotedNanos() {
            return promoted;
        }

        @Override
        public void close() {
            watching = false;
            watcher.interrupt();
            opened.forEach(PostgresSetTarget::close);
            opened.clear();
        }
    }
}
