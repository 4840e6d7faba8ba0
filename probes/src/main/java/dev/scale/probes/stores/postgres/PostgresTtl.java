package dev.scale.probes.stores.postgres;

import dev.scale.probes.KvSession;
import dev.scale.probes.TtlStore;
import dev.scale.providers.Endpoint;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** The ttl probe's PostgreSQL part: TTL emulated by an expiry column and a periodic DELETE. */
public final class PostgresTtl {
    private PostgresTtl() {
    }

    public static TtlStore of(Endpoint e) {
        return new TtlStore() {
            @Override
            public KvSession session() throws SQLException {
                return new PostgresSession(e);
            }

            @Override
            public void before(String prefix) {
            }

            @Override
            public long present(String prefix) throws SQLException {
                try (Connection c = new PostgresDriver(e).connect();
                     PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM scale_kv_session WHERE k LIKE ?")) {
                    ps.setString(1, prefix + "%");
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return rs.getLong(1);
                    }
                }
            }

            @Override
            public long sweep() throws SQLException {
                try (Connection c = new PostgresDriver(e).connect();
                     PreparedStatement ps = c.prepareStatement("DELETE FROM scale_kv_session WHERE expires_at <= now()")) {
                    return ps.executeUpdate();
                }
            }

            @Override
            public void cleanUp(String prefix) throws SQLException {
                try (Connection c = new PostgresDriver(e).connect();
                     PreparedStatement ps = c.prepareStatement("DELETE FROM scale_kv_session WHERE k LIKE ?")) {
                    ps.setString(1, prefix + "%");
                    ps.executeUpdate();
                    c.createStatement().execute("DROP TABLE IF EXISTS scale_kv_session");
                }
            }
        };
    }
}
