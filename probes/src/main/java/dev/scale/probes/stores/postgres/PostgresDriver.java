package dev.scale.probes.stores.postgres;

import dev.scale.probes.Driver;
import dev.scale.probes.EventLoop;
import dev.scale.probes.Run;
import dev.scale.probes.Workload;
import dev.scale.providers.Endpoint;
import dev.scale.providers.kinds.postgres.Jdbc;
import dev.scale.errors.ScaleException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * PostgreSQL as a key/value store: table {@code scale_kv_probe (k bigint primary key, v bytea)}, reads by
 * primary key and updates as upserts, through server-side prepared statements (what pgbench's
 * {@code -M prepared} does). The traffic runs on the {@link EventLoop} over the wire protocol
 * ({@link PgWire}): JDBC's own CPU per query left too little of a small machine to the server.
 */
public final class PostgresDriver implements Driver {
    static final String TABLE = "scale_kv_probe";
    private final Endpoint endpoint;

    public PostgresDriver(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** A JDBC connection, or an environment error (exit 3) saying why not. */
    public Connection connect() {
        try {
            return Jdbc.connect(endpoint, "scale probe", 5, 0);
        } catch (SQLException e) {
            throw ScaleException.environment("cannot connect to PostgreSQL at " + endpoint.host() + ":" + endpoint.port() + ": " + e.getMessage(),
                    Jdbc.refusedLogin(e) ? "check the user and password in --on"
                            : endpoint.tls() != null && String.valueOf(e.getMessage()).contains("SSL")
                            ? "scale verifies the server's certificate: set SCALE_CA_FILE to the PEM of the authority that signed it"
                            : "check the address, or that the instance is running (scale ls)", e);
        }
    }

    @Override
    public void load(Workload w, LongConsumer written) throws SQLException {
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
            try {
                // Flush the load's WAL now, so that a checkpoint does not land in the measured window.
                st.execute("CHECKPOINT");
            } catch (SQLException notAllowed) {
                // needs superuser or pg_checkpoint on a user's server: measured as it comes, then
            }
        }
    }

    /** The workload itself runs on the {@link EventLoop} over PostgreSQL's wire protocol; JDBC only loads and cleans up. */
    @Override
    public void run(Workload w, Run run) throws Exception {
        byte[] value = new byte[w.valueSize()];
        new SplittableRandom(7).nextBytes(value);
        // PostgreSQL serves each connection from its own process: by default a loop per core, as pgbench -j.
        EventLoop.run(w, run, protocol(value), w.threadsOr(Runtime.getRuntime().availableProcessors()));
    }

    /** The wire protocol the run speaks, with the value its writes carry; over TLS when the endpoint requires it. */
    public EventLoop.Protocol protocol(byte[] value) {
        return new PgWire(endpoint, value);
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
