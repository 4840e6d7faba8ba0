package dev.scale.probes.postgres;

import dev.scale.probes.Driver;
import dev.scale.probes.KeyChooser;
import dev.scale.probes.Op;
import dev.scale.probes.Run;
import dev.scale.probes.Workload;
import dev.scale.providers.Endpoint;
import dev.scale.providers.ScaleException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/**
 * PostgreSQL as a key/value store: table {@code scale_kv_probe (k bigint primary key, v bytea)}, reads by
 * primary key and updates as upserts, all through server-side prepared statements (what pgbench's
 * {@code -M prepared} does). JDBC blocks, so each client is a thread with its own connection.
 */
public final class PostgresDriver implements Driver {
    static final String TABLE = "scale_kv_probe";
    private final Endpoint endpoint;

    public PostgresDriver(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    Connection connect() {
        Properties p = new Properties();
        p.setProperty("user", endpoint.username());
        p.setProperty("password", endpoint.password() == null ? "" : endpoint.password().reveal());
        p.setProperty("prepareThreshold", "1"); // server-side prepared from the first execution
        p.setProperty("connectTimeout", "5");
        p.setProperty("ApplicationName", "scale probe");
        try {
            return DriverManager.getConnection("jdbc:postgresql://" + endpoint.host() + ":" + endpoint.port() + "/" + endpoint.database(), p);
        } catch (SQLException e) {
            boolean auth = "28P01".equals(e.getSQLState()) || "28000".equals(e.getSQLState());
            throw ScaleException.environment("cannot connect to PostgreSQL at " + endpoint.host() + ":" + endpoint.port() + ": " + e.getMessage(),
                    auth ? "check the user and password in --on" : "check the address, or that the instance is running (scale ls)", e);
        }
    }

    @Override
    public void load(Workload w, LongConsumer written) throws SQLException {
        if (w.pipeline() > 1) {
            throw ScaleException.usage("--pipeline applies to Redis only", "JDBC cannot pipeline reads; use --clients for concurrency");
        }
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + TABLE);
            st.execute("CREATE TABLE " + TABLE + " (k bigint PRIMARY KEY, v bytea NOT NULL)");
            long step = 100_000;
            for (long k = 0; k < w.keys(); k += step) {
                long last = Math.min(w.keys(), k + step) - 1;
                st.execute("INSERT INTO " + TABLE + " SELECT g, decode(repeat('5a', " + w.valueSize() + "), 'hex') "
                        + "FROM generate_series(" + k + ", " + last + ") g");
                written.accept(last + 1);
            }
            st.execute("VACUUM ANALYZE " + TABLE);
        }
    }

    @Override
    public void run(Workload w, Run run) throws Exception {
        KeyChooser chooser = KeyChooser.of(w.distribution(), w.keys());
        List<Thread> threads = new ArrayList<>();
        List<Connection> connections = new ArrayList<>();
        try {
            for (int i = 0; i < w.clients(); i++) {
                connections.add(connect());
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < w.clients(); i++) {
                Connection c = connections.get(i);
                long first = w.openLoop() ? t0 + w.batchIntervalNanos() * i / w.clients() : 0;
                long seed = 2000L + i;
                Thread t = new Thread(() -> client(c, w, run, chooser, seed, first), "scale-probe-pg-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
        } finally {
            for (Connection c : connections) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // closing anyway
                }
            }
        }
    }

    private static void client(Connection c, Workload w, Run run, KeyChooser chooser, long seed, long firstIntended) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] value = new byte[w.valueSize()];
        random.nextBytes(value);
        long interval = w.openLoop() ? w.batchIntervalNanos() : 0;
        long nextIntended = firstIntended;
        try (PreparedStatement get = c.prepareStatement("SELECT v FROM " + TABLE + " WHERE k = ?");
             PreparedStatement put = c.prepareStatement("INSERT INTO " + TABLE + " (k, v) VALUES (?, ?) "
                     + "ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v")) {
            while (!run.stopped()) {
                long intended;
                if (w.openLoop()) {
                    long now = System.nanoTime();
                    if (now < nextIntended) {
                        LockSupport.parkNanos(nextIntended - now);
                        continue;
                    }
                    run.backlog(now - nextIntended);
                    intended = nextIntended;
                    nextIntended += interval;
                } else {
                    intended = System.nanoTime();
                }
                Op op = w.mix().choose(random);
                long key = op == Op.INSERT ? run.insertKey() : chooser.next(random, run.newestKey());
                long start = System.nanoTime();
                try {
                    if (op == Op.READ || op == Op.READ_MODIFY_WRITE) {
                        get.setLong(1, key);
                        try (ResultSet rs = get.executeQuery()) {
                            while (rs.next()) {
                                rs.getBytes(1);
                            }
                        }
                    }
                    if (op != Op.READ) {
                        put.setLong(1, key);
                        put.setBytes(2, value);
                        put.executeUpdate();
                    }
                    run.record(op, intended, start, System.nanoTime());
                } catch (SQLException e) {
                    run.error();
                    if (c.isClosed()) {
                        run.fail("PostgreSQL closed a connection: " + e.getMessage());
                        return;
                    }
                }
            }
        } catch (SQLException e) {
            run.fail(e.getMessage());
        }
    }

    @Override
    public void cleanUp(Workload w) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + TABLE);
        }
    }

    @Override
    public void close() {
    }
}
