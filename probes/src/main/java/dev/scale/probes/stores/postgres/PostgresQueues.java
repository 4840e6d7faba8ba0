package dev.scale.probes.stores.postgres;

import dev.scale.probes.QueueStore;
import dev.scale.providers.Endpoint;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The queue probe on PostgreSQL, two ways:
 * <ul>
 * <li><b>skip-locked</b>: a table as the queue. A batch is one INSERT (one row per consumer group: fan-out is done
 * by the producer); a consumer locks the oldest rows with {@code SELECT … FOR UPDATE SKIP LOCKED}, and its
 * acknowledgement is their DELETE and the COMMIT. A consumer that dies leaves its transaction to roll back, and
 * the rows to the next. With no rows it polls every 5 ms;</li>
 * <li><b>notify</b>: {@code pg_notify} and {@code LISTEN}: delivered at commit to the sessions listening then, kept
 * for nobody else (payloads are text under 8000 bytes: bodies travel in base64).</li>
 * </ul>
 */
public final class PostgresQueues implements QueueStore {
    private static final long POLL_MILLIS = 5;
    private final Endpoint endpoint;
    /** Each table queue's number of groups, for its producers. */
    private final Map<String, Integer> groups = new ConcurrentHashMap<>();

    public PostgresQueues(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    private Connection connect() {
        return new PostgresDriver(endpoint).connect();
    }

    @Override
    public String kind() {
        return "postgres";
    }

    @Override
    public List<Variant> variants() {
        return List.of(new SkipLocked(), new Notify());
    }

    /** The write-ahead log's settings that decide what a crash or a stop keeps. */
    @Override
    public String persistence() throws SQLException {
        try (Connection c = connect()) {
            return persistence(c);
        }
    }

    static String persistence(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('fsync'), current_setting('synchronous_commit')")) {
            rs.next();
            return "WAL, fsync " + rs.getString(1) + ", synchronous_commit " + rs.getString(2);
        }
    }

    /** Drops the connection as a killed process would: the socket closes, no goodbye. */
    private static void abort(Connection c) {
        try {
            c.abort(Runnable::run);
        } catch (SQLException ignored) {
            // gone either way
        }
    }

    /** A table name from a queue name: letters, digits and underscores. */
    static String table(String queue) {
        return queue.replaceAll("[^A-Za-z0-9_]", "_");
    }

    private final class SkipLocked extends Named {
        SkipLocked() {
            super("skip-locked", "table queue: INSERT, SELECT … FOR UPDATE SKIP LOCKED, DELETE and COMMIT as the acknowledgement");
        }

        @Override
        public void create(String queue, int n) throws SQLException {
            try (Connection c = connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + table(queue) + " (id bigserial PRIMARY KEY, grp int NOT NULL, body bytea NOT NULL)");
                st.execute("CREATE INDEX ON " + table(queue) + " (grp, id)");
            }
            groups.put(queue, n);
        }

        @Override
        public Publisher publisher(String queue) throws SQLException {
            Connection c = connect();
            int n = groups.getOrDefault(queue, 1);
            return new Publisher() {
                // unnest keeps the array's order, so ids (and so consumers' order) follow the order sent
                private final PreparedStatement insert = c.prepareStatement("INSERT INTO " + table(queue)
                        + " (grp, body) SELECT g, b FROM generate_series(0, " + (n - 1) + ") AS g, unnest(?::bytea[]) WITH ORDINALITY AS m(b, o) ORDER BY g, o");

                @Override
                public void publish(List<byte[]> bodies) throws SQLException {
                    Array array = c.createArrayOf("bytea", bodies.toArray(new byte[0][]));
                    insert.setArray(1, array);
                    insert.executeUpdate();
                }

                @Override
                public void flush() {
                    // each INSERT committed as it ran
                }

                @Override
                public void close() throws SQLException {
                    c.close();
                }
            };
        }

        @Override
        public Subscriber subscriber(String queue, int group, String consumer) throws SQLException {
            Connection c = connect();
            c.setAutoCommit(false);
            PreparedStatement select = c.prepareStatement("SELECT id, body FROM " + table(queue) + " WHERE grp = " + group
                    + " ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED");
            PreparedStatement delete = c.prepareStatement("DELETE FROM " + table(queue) + " WHERE id = ANY(?)");
            return new Subscriber() {
                /** Whether this transaction holds rows taken and not yet acknowledged. */
                private boolean holding;

                @Override
                public List<Delivery> take(int max, long waitMillis) throws Exception {
                    long deadline = System.nanoTime() + waitMillis * 1_000_000;
                    List<Delivery> out = new ArrayList<>();
                    while (true) {
                        select.setInt(1, max);
                        try (ResultSet rs = select.executeQuery()) {
                            while (rs.next()) {
                                out.add(new Delivery(rs.getBytes(2), rs.getLong(1)));
                            }
                        }
                        if (!out.isEmpty()) {
                            holding = true;
                            return out;
                        }
                        if (!holding) {
                            c.commit(); // nothing locked: no transaction left open while it waits (each SELECT sees new rows anyway)
                        }
                        if (System.nanoTime() >= deadline) {
                            return out;
                        }
                        Thread.sleep(POLL_MILLIS);
                    }
                }

                /** Deletes the rows and commits, which also lets go of any taken and not acknowledged. */
                @Override
                public void ack(List<Delivery> taken) throws SQLException {
                    if (taken.isEmpty()) {
                        return;
                    }
                    delete.setArray(1, c.createArrayOf("bigint", taken.stream().map(Delivery::handle).toArray()));
                    delete.executeUpdate();
                    c.commit();
                    holding = false;
                }

                @Override
                public void crash() {
                    abort(c); // the server rolls the open transaction back
                }

                @Override
                public void close() throws SQLException {
                    c.close();
                }
            };
        }

        @Override
        public void delete(String queue, int n) throws SQLException {
            groups.remove(queue);
            try (Connection c = connect(); Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS " + table(queue));
            }
        }
    }

    private final class Notify extends Named {
        Notify() {
            super("notify", "pg_notify and LISTEN: delivered at commit to the sessions listening then, kept for nobody");
        }

        @Override
        public void create(String queue, int n) {
            // a channel is a name; there is nothing to create
        }

        @Override
        public Publisher publisher(String queue) throws SQLException {
            Connection c = connect();
            c.setAutoCommit(false);
            PreparedStatement notify = c.prepareStatement("SELECT pg_notify(?, ?)");
            return new Publisher() {
                /** One transaction per batch: its notifications are sent when it commits. */
                @Override
                public void publish(List<byte[]> bodies) throws SQLException {
                    for (byte[] b : bodies) {
                        notify.setString(1, table(queue));
                        notify.setString(2, Base64.getEncoder().encodeToString(b));
                        notify.addBatch();
                    }
                    notify.executeBatch();
                    c.commit();
                }

                @Override
                public void flush() {
                    // each batch committed as it ran
                }

                @Override
                public void close() throws SQLException {
                    c.close();
                }
            };
        }

        /** Every listener of the channel receives every notification: each group is one more listener. */
        @Override
        public Subscriber subscriber(String queue, int group, String consumer) throws SQLException {
            Connection c = connect();
            try (Statement st = c.createStatement()) {
                st.execute("LISTEN " + table(queue));
            }
            PGConnection pg = c.unwrap(PGConnection.class);
            return new Subscriber() {
                private final List<Delivery> pending = new ArrayList<>();

                @Override
                public List<Delivery> take(int max, long waitMillis) throws SQLException {
                    if (pending.isEmpty()) {
                        PGNotification[] got = pg.getNotifications((int) Math.max(1, waitMillis));
                        if (got != null) {
                            for (PGNotification n : got) {
                                pending.add(new Delivery(Base64.getDecoder().decode(n.getParameter()), null));
                            }
                        }
                    }
                    List<Delivery> out = new ArrayList<>(pending.subList(0, Math.min(max, pending.size())));
                    pending.subList(0, out.size()).clear();
                    return out;
                }

                @Override
                public void ack(List<Delivery> taken) {
                    // a notification has no acknowledgement
                }

                @Override
                public void crash() {
                    abort(c);
                }

                @Override
                public void close() throws SQLException {
                    c.close();
                }
            };
        }

        @Override
        public void delete(String queue, int n) {
            // nothing was kept
        }
    }
}
