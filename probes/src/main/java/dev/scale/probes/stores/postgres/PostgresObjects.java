package dev.scale.probes.stores.postgres;

import dev.scale.probes.ObjectStore;
import dev.scale.probes.ObjectStore.Chunks;
import dev.scale.providers.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.largeobject.LargeObject;
import org.postgresql.largeobject.LargeObjectManager;

/**
 * The objects probe on PostgreSQL, the two ways files are kept in it:
 * <ul>
 * <li><b>bytea</b>: one row per object, the bytes in a {@code bytea} column stored uncompressed out of line
 * ({@code STORAGE EXTERNAL}), sent as one streamed parameter and read back in slices ({@code substring}), so neither
 * side of the client holds the whole value; a value is at most 1 GB, and the server builds each whole in its memory;</li>
 * <li><b>large-object</b>: one row per object naming a large object ({@code lo_*}), written and read in chunks inside
 * a transaction: up to 4 TB, streamed both ways.</li>
 * </ul>
 * One connection per adapter; the probe uses it one operation at a time.
 */
public final class PostgresObjects implements ObjectStore {
    /** The slice read at a time, and the chunk a large object is written in. */
    static final int CHUNK = 8 << 20;
    private final Endpoint endpoint;
    private Connection connection;

    public PostgresObjects(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    private synchronized Connection connection() {
        if (connection == null) {
            connection = new PostgresDriver(endpoint).connect();
        }
        return connection;
    }

    @Override
    public String kind() {
        return "postgres";
    }

    @Override
    public List<Variant> variants() {
        return List.of(new Bytea(), new LargeObjects());
    }

    @Override
    public String persistence() throws SQLException {
        return PostgresQueues.persistence(connection());
    }

    @Override
    public synchronized void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }

    /** A table name from a probe run's space: letters, digits and underscores. */
    static String table(String space) {
        return PostgresQueues.table(space);
    }

    private List<String> list(String space, String prefix) throws SQLException {
        try (PreparedStatement ps = connection().prepareStatement("SELECT key FROM " + table(space) + " WHERE starts_with(key, ?) ORDER BY key")) {
            ps.setString(1, prefix);
            List<String> keys = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(rs.getString(1));
                }
            }
            return keys;
        }
    }

    private void execute(String sql) throws SQLException {
        try (Statement st = connection().createStatement()) {
            st.execute(sql);
        }
    }

    private final class Bytea implements Variant {
        @Override
        public String name() {
            return "bytea";
        }

        @Override
        public String description() {
            return "a row per object, bytea column (stored external, uncompressed), read in " + (CHUNK >> 20) + " MiB slices";
        }

        @Override
        public long documentedLimitBytes() {
            return 1L << 30; // "the maximum size of a field value is 1 GB", minus its header
        }

        @Override
        public void create(String space) throws SQLException {
            execute("CREATE TABLE " + table(space) + " (key text PRIMARY KEY, data bytea NOT NULL)");
            execute("ALTER TABLE " + table(space) + " ALTER COLUMN data SET STORAGE EXTERNAL");
        }

        @Override
        public void put(String space, String key, InputStream body, long length) throws SQLException {
            try (PreparedStatement ps = connection().prepareStatement("INSERT INTO " + table(space)
                    + " (key, data) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET data = excluded.data")) {
                ps.setString(1, key);
                ps.setBinaryStream(2, body, length);
                ps.executeUpdate();
            } catch (SQLException e) {
                // the driver's own words are three sentences and a guess; the limit is the protocol's
                if (String.valueOf(e.getCause() == null ? null : e.getCause().getMessage()).startsWith("Bind message length")) {
                    SQLException limit = new SQLException("a bytea value of " + length + " bytes does not fit the protocol's largest message (1 GiB with the statement)");
                    limit.addSuppressed(e); // the driver's words, for --verbose; not part of the line
                    throw limit;
                }
                throw e;
            }
        }

        @Override
        public InputStream get(String space, String key) throws SQLException {
            long length;
            try (PreparedStatement ps = connection().prepareStatement("SELECT octet_length(data) FROM " + table(space) + " WHERE key = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    length = rs.getLong(1);
                }
            }
            PreparedStatement slice = connection().prepareStatement("SELECT substring(data FROM ?::int FOR ?::int) FROM " + table(space) + " WHERE key = ?");
            slice.setString(3, key);
            return new Chunks(length, CHUNK) {
                @Override
                protected byte[] next(long offset, int size) throws SQLException {
                    slice.setLong(1, offset + 1); // a bytea is under 2 GiB: its offsets fit an int
                    slice.setInt(2, size);
                    try (ResultSet rs = slice.executeQuery()) {
                        if (!rs.next()) {
                            throw new SQLException("the object " + key + " was removed while it was read");
                        }
                        return rs.getBytes(1);
                    }
                }

                @Override
                protected void done() throws SQLException {
                    slice.close();
                }
            };
        }

        @Override
        public List<String> list(String space, String prefix) throws SQLException {
            return PostgresObjects.this.list(space, prefix);
        }

        @Override
        public void drop(String space) throws SQLException {
            execute("DROP TABLE IF EXISTS " + table(space));
        }
    }

    private final class LargeObjects implements Variant {
        @Override
        public String name() {
            return "large-object";
        }

        @Override
        public String description() {
            return "a row per object naming a large object (lo_*), written and read in " + (CHUNK >> 20) + " MiB chunks";
        }

        @Override
        public long documentedLimitBytes() {
            return 4L << 40; // 4 TB
        }

        @Override
        public void create(String space) throws SQLException {
            execute("CREATE TABLE " + table(space) + " (key text PRIMARY KEY, oid oid NOT NULL)");
        }

        private LargeObjectManager api() throws SQLException {
            return connection().unwrap(PGConnection.class).getLargeObjectAPI();
        }

        @Override
        public void put(String space, String key, InputStream body, long length) throws SQLException, IOException {
            Connection c = connection();
            c.setAutoCommit(false);
            try {
                long oid = api().createLO(LargeObjectManager.READWRITE);
                try (LargeObject lo = api().open(oid, LargeObjectManager.WRITE)) {
                    byte[] buffer = new byte[CHUNK];
                    for (long left = length; left > 0; ) {
                        int n = body.readNBytes(buffer, 0, (int) Math.min(CHUNK, left));
                        if (n == 0) {
                            throw new IOException("the source ended " + left + " bytes early");
                        }
                        lo.write(buffer, 0, n);
                        left -= n;
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("WITH old AS (SELECT oid FROM " + table(space) + " WHERE key = ?), "
                        + "up AS (INSERT INTO " + table(space) + " (key, oid) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET oid = excluded.oid) "
                        + "SELECT lo_unlink(oid) FROM old")) {
                    ps.setString(1, key);
                    ps.setString(2, key);
                    ps.setLong(3, oid);
                    ps.execute();
                }
                c.commit();
            } catch (SQLException | IOException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }

        @Override
        public InputStream get(String space, String key) throws SQLException {
            Connection c = connection();
            long oid;
            try (PreparedStatement ps = c.prepareStatement("SELECT oid FROM " + table(space) + " WHERE key = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    oid = rs.getLong(1);
                }
            }
            c.setAutoCommit(false); // a large object is read inside a transaction
            LargeObject lo;
            try {
                lo = api().open(oid, LargeObjectManager.READ);
            } catch (SQLException e) {
                c.rollback();
                c.setAutoCommit(true);
                throw e;
            }
            return new Chunks(lo.size64(), CHUNK) {
                @Override
                protected byte[] next(long offset, int size) throws SQLException {
                    return lo.read(size);
                }

                @Override
                protected void done() throws SQLException {
                    try {
                        lo.close();
                        c.commit();
                    } finally {
                        c.setAutoCommit(true);
                    }
                }
            };
        }

        @Override
        public List<String> list(String space, String prefix) throws SQLException {
            return PostgresObjects.this.list(space, prefix);
        }

        @Override
        public void drop(String space) throws SQLException {
            if (connection().getAutoCommit()) {
                try (Statement st = connection().createStatement();
                     ResultSet rs = st.executeQuery("SELECT to_regclass('" + table(space) + "') IS NOT NULL")) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        return;
                    }
                }
            }
            execute("SELECT lo_unlink(oid) FROM " + table(space));
            execute("DROP TABLE " + table(space));
        }
    }
}
