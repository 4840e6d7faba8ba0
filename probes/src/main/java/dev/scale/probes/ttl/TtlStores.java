package dev.scale.probes.ttl;

import dev.scale.probes.KvSession;
import dev.scale.probes.postgres.PostgresDriver;
import dev.scale.probes.postgres.PostgresSession;
import dev.scale.probes.redis.RedisAdapter;
import dev.scale.probes.redis.RedisSession;
import dev.scale.probes.redis.Resp;
import dev.scale.providers.Endpoint;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** The ttl probe's store-specific parts for Redis (native TTL) and PostgreSQL (emulated). */
public final class TtlStores {
    private TtlStores() {
    }

    public static TtlProbe.Store redis(Endpoint e) {
        return new TtlProbe.Store() {
            private long baseline;

            private Resp admin() throws IOException {
                return RedisAdapter.connect(e);
            }

            @Override
            public KvSession session() throws IOException {
                return new RedisSession(e);
            }

            private long dbsize() throws IOException {
                try (Resp r = admin()) {
                    return ((Resp.Int) r.call(List.of("DBSIZE"))).value();
                }
            }

            @Override
            public void before(String prefix) throws IOException {
                baseline = dbsize();
            }

            /**
             * Keys still in the keyspace, expired or not. DBSIZE counts without touching keys; GET, EXISTS and
             * even SCAN would expire the keys they look at and hide what the store does by itself. Other
             * clients' writes to the same database would blur this count.
             */
            @Override
            public long present(String prefix) throws IOException {
                return Math.max(0, dbsize() - baseline);
            }

            @Override
            public long sweep() {
                return 0;
            }

            @Override
            public void cleanUp(String prefix) throws IOException {
                RedisAdapter.deleteByPrefix(e, prefix);
            }
        };
    }

    public static TtlProbe.Store postgres(Endpoint e) {
        return new TtlProbe.Store() {
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
