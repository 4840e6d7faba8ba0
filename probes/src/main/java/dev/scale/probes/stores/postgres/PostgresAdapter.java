package dev.scale.probes.stores.postgres;

import dev.scale.probes.TtlStore;
import dev.scale.probes.Driver;
import dev.scale.probes.KvSession;
import dev.scale.probes.StoreAdapter;
import dev.scale.probes.Method;
import dev.scale.probes.stores.postgres.PostgresMethods;
import dev.scale.probes.RelationalModel;
import dev.scale.providers.Endpoint;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** The probes' view of a PostgreSQL server; key/value data lives in {@link PostgresSession}'s table. */
public final class PostgresAdapter implements StoreAdapter {
    private final Endpoint endpoint;

    public PostgresAdapter(Endpoint endpoint) {
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
    public KvSession session() throws SQLException {
        return new PostgresSession(endpoint);
    }

    @Override
    public void deleteByPrefix(String prefix) throws SQLException {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement("DELETE FROM " + PostgresSession.TABLE + " WHERE k LIKE ?")) {
            ps.setString(1, prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
            ps.executeUpdate();
        } catch (SQLException e) {
            if (!"42P01".equals(e.getSQLState())) { // no table: nothing to delete
                throw e;
            }
        }
    }

    @Override
    public void cleanUpSessions() throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + PostgresSession.TABLE);
        }
    }

    @Override
    public String kvModel() {
        return "table " + PostgresSession.TABLE + " (k text primary key, v bytea)";
    }

    @Override
    public Driver driver() {
        return new PostgresDriver(endpoint);
    }

    @Override
    public TtlStore ttl() {
        return PostgresTtl.of(endpoint);
    }

    @Override
    public List<String> rmwMethods() {
        return PostgresMethods.names();
    }

    @Override
    public Method openRmw(String method) {
        return PostgresMethods.open(method, endpoint);
    }

    @Override
    public void prepareRmw() throws SQLException {
        PostgresMethods.createTable(endpoint);
    }

    @Override
    public void cleanUpRmw() throws SQLException {
        PostgresMethods.dropTable(endpoint);
    }

    /** The key/value table with its indexes and TOAST, as stored on disk. */
    @Override
    public long bytesUsed() throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT coalesce(pg_total_relation_size(to_regclass('" + PostgresSession.TABLE + "')), 0)")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public String bytesUsedMeaning() {
        return "pg_total_relation_size(" + PostgresSession.TABLE + ")";
    }

    @Override
    public long evictions() {
        return 0; // PostgreSQL never drops rows to make room
    }

    @Override
    public RelationalModel relational() {
        return new PostgresRelational(endpoint);
    }
}
