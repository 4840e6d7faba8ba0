package dev.scale.probes.stores.postgres;

import dev.scale.probes.RelationalModel;
import dev.scale.providers.Endpoint;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Users and orders as two tables with a foreign key and an index on email; the server joins and looks up. */
final class PostgresRelational implements RelationalModel {
    private static final String USERS = "scale_rel_users";
    private static final String ORDERS = "scale_rel_orders";
    private static final String JOIN = "SELECT u.id, sum(o.cents) FROM " + USERS + " u JOIN " + ORDERS + " o ON o.user_id = u.id "
            + "WHERE u.city = ? GROUP BY u.id";
    private static final String LOOKUP = "SELECT id FROM " + USERS + " WHERE email = ?";
    private final Connection c;

    PostgresRelational(Endpoint endpoint) {
        this.c = new PostgresDriver(endpoint).connect();
    }

    @Override
    public void load(List<User> users, List<Order> orders) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + ORDERS);
            st.execute("DROP TABLE IF EXISTS " + USERS);
            st.execute("CREATE TABLE " + USERS + " (id bigint PRIMARY KEY, email text NOT NULL, city text NOT NULL)");
            st.execute("CREATE TABLE " + ORDERS + " (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES " + USERS + ", cents bigint NOT NULL)");
        }
        c.setAutoCommit(false);
        try (PreparedStatement u = c.prepareStatement("INSERT INTO " + USERS + " VALUES (?, ?, ?)");
             PreparedStatement o = c.prepareStatement("INSERT INTO " + ORDERS + " VALUES (?, ?, ?)")) {
            for (User user : users) {
                u.setLong(1, user.id());
                u.setString(2, user.email());
                u.setString(3, user.city());
                u.addBatch();
            }
            u.executeBatch();
            for (Order order : orders) {
                o.setLong(1, order.id());
                o.setLong(2, order.userId());
                o.setLong(3, order.cents());
                o.addBatch();
            }
            o.executeBatch();
            c.commit();
        } finally {
            c.setAutoCommit(true);
        }
        try (Statement st = c.createStatement()) {
            st.execute("CREATE INDEX ON " + USERS + " (email)");
            st.execute("CREATE INDEX ON " + ORDERS + " (user_id)");
            st.execute("ANALYZE " + USERS);
            st.execute("ANALYZE " + ORDERS);
        }
    }

    @Override
    public Answer<Map<Long, Long>> totalsByCity(String city) throws SQLException {
        Map<Long, Long> totals = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(JOIN)) {
            ps.setString(1, city);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    totals.put(rs.getLong(1), rs.getLong(2));
                }
            }
        }
        return new Answer<>(totals, 1, false, "one statement: JOIN … GROUP BY");
    }

    @Override
    public Answer<Optional<Long>> userByEmail(String email) throws SQLException {
        Optional<Long> id;
        try (PreparedStatement ps = c.prepareStatement(LOOKUP)) {
            ps.setString(1, email);
            try (ResultSet rs = ps.executeQuery()) {
                id = rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
        // The plan, asked separately so that the lookup above is one request, says whether an index answered it.
        StringBuilder plan = new StringBuilder();
        try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + LOOKUP)) {
            ps.setString(1, email);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
        }
        boolean index = plan.toString().contains("Index Scan") || plan.toString().contains("Index Only Scan")
                || plan.toString().contains("Bitmap Index Scan");
        return new Answer<>(id, 1, index, "one statement; plan: " + plan.toString().lines().findFirst().orElse("?").trim());
    }

    @Override
    public void cleanUp() throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + ORDERS);
            st.execute("DROP TABLE IF EXISTS " + USERS);
        }
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
