package dev.scale.probes.stores.postgres;

import dev.scale.probes.KvSession;
import dev.scale.providers.Endpoint;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * {@link KvSession} for PostgreSQL on table {@code scale_kv_session (k text primary key, v bytea,
 * expires_at timestamptz)}. TTL is not native: it is an {@code expires_at} column that reads honour and
 * a periodic delete (by the probe) reclaims. Transactions are SERIALIZABLE, retried on serialization failures.
 */
public final class PostgresSession implements KvSession {
    static final String TABLE = "scale_kv_session";
    private final Connection c;

    public PostgresSession(Endpoint e) throws SQLException {
        c = new PostgresDriver(e).connect();
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (k text PRIMARY KEY, v bytea, expires_at timestamptz)");
        }
    }

    @Override
    public Optional<byte[]> get(String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT v FROM " + TABLE + " WHERE k = ? AND (expires_at IS NULL OR expires_at > now())")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getBytes(1)) : Optional.empty();
            }
        }
    }

    @Override
    public void put(String key, byte[] value) throws SQLException {
        upsert(key, value, null);
    }

    private void upsert(String key, byte[] value, Duration ttl) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (k, v, expires_at) VALUES (?, ?, "
                + (ttl == null ? "NULL" : "now() + ? * interval '1 millisecond'") + ") "
                + "ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v, expires_at = EXCLUDED.expires_at")) {
            ps.setString(1, key);
            ps.setBytes(2, value);
            if (ttl != null) {
                ps.setLong(3, ttl.toMillis());
            }
            ps.executeUpdate();
        }
    }

    @Override
    public boolean delete(String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + TABLE + " WHERE k = ?")) {
            ps.setString(1, key);
            return ps.executeUpdate() > 0;
        }
    }

    @Override
    public void putWithTtl(String key, byte[] value, Duration ttl) throws SQLException {
        upsert(key, value, ttl);
    }

    @Override
    public boolean nativeTtl() {
        return false;
    }

    /** One statement, atomic by itself: UPDATE … SET v = v + delta, creating the row at 0 first. */
    @Override
    public long increment(String key, long delta) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (k, v) VALUES (?, int8send(?)) "
                + "ON CONFLICT (k) DO UPDATE SET v = int8send((('x' || encode(" + TABLE + ".v, 'hex'))::bit(64)::bigint) + ?) RETURNING v")) {
            ps.setString(1, key);
            ps.setLong(2, delta);
            ps.setLong(3, delta);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return java.nio.ByteBuffer.wrap(rs.getBytes(1)).getLong();
            }
        }
    }

    @Override
    public boolean compareAndSet(String key, Optional<byte[]> expected, byte[] next) throws SQLException {
        if (expected.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (k, v) VALUES (?, ?) ON CONFLICT (k) DO NOTHING")) {
                ps.setString(1, key);
                ps.setBytes(2, next);
                return ps.executeUpdate() == 1;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET v = ? WHERE k = ? AND v = ?")) {
            ps.setBytes(1, next);
            ps.setString(2, key);
            ps.setBytes(3, expected.get());
            return ps.executeUpdate() == 1;
        }
    }

    @Override
    public int transaction(List<String> keys, UnaryOperator<Map<String, Optional<byte[]>>> change) throws SQLException {
        for (int aborted = 0; ; aborted++) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            try {
                Map<String, Optional<byte[]>> current = new LinkedHashMap<>();
                for (String k : keys) {
                    current.put(k, get(k));
                }
                for (var e : change.apply(current).entrySet()) {
                    if (e.getValue().isPresent()) {
                        put(e.getKey(), e.getValue().get());
                    } else {
                        delete(e.getKey());
                    }
                }
                c.commit();
                return aborted;
            } catch (SQLException e) {
                c.rollback();
                if (!"40001".equals(e.getSQLState()) && !"40P01".equals(e.getSQLState())) {
                    throw e;
                }
                // serialization failure or deadlock: try again
            } finally {
                c.setAutoCommit(true);
                c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            }
        }
    }

    @Override
    public boolean multiKeyTransactions() {
        return true;
    }

    @Override
    public String transactionKind() {
        return "SERIALIZABLE, retried on serialization failures";
    }

    @Override
    public void close() {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing anyway
        }
    }
}
