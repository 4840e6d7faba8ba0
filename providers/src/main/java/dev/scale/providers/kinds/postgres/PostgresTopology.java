package dev.scale.providers.kinds.postgres;

import dev.scale.errors.ScaleException;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Topology;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * PostgreSQL streaming replication ({@code scale up postgres --replicas N}): {@code NAME-0} the first primary,
 * {@code NAME-1..} its streaming replicas ({@code pg_basebackup -R -X stream -c fast}), and {@code NAME-promoter},
 * which promotes one when the primary fails, since PostgreSQL never promotes by itself.
 * <ul>
 *   <li>Each data member runs {@code member.sh} as its container's first process: it decides before each start of the
 *   image's own entrypoint what the member is, so a killed old primary started again copies the new primary and
 *   rejoins as its replica instead of coming back as a second primary, and one the promoter fenced (read-only) stops
 *   and rejoins the same way.</li>
 *   <li>The promoter ({@code promoter.sh}, the same image) checks the primary with {@code pg_isready} every 500 ms;
 *   unreachable for {@code --down-after}, it runs {@code pg_promote()} on the replica that has replayed the most WAL.
 *   One promoter, always: PostgreSQL has no vote among watchers, and two promoters could promote two replicas.</li>
 *   <li>Replicas stream with a multi-host {@code primary_conninfo} ({@code target_session_attrs=read-write}): after a
 *   promotion the others find the new primary by themselves.</li>
 *   <li>Asynchronous replication, as PostgreSQL's default: a write the primary acknowledged and had not yet streamed is
 *   lost with it. The failover probe counts those.</li>
 * </ul>
 */
final class PostgresTopology implements Topology.Replication {
    static final String PROMOTER = "promoter";
    private static final String MEMBER_SCRIPT = script("member.sh");
    private static final String PROMOTER_SCRIPT = script("promoter.sh");

    private static String script(String name) {
        try (InputStream in = PostgresTopology.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from scale's jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean watchesItself() {
        return true;
    }

    @Override
    public void check(Topology topology) {
        if (topology.sentinels() > 1) {
            throw ScaleException.usage("postgres runs one promoter of its own, not " + topology.sentinels()
                            + " (PostgreSQL has no vote among watchers: two could promote two replicas)",
                    "leave out --sentinels: scale up postgres --replicas 1 [--down-after 5s]");
        }
    }

    @Override
    public List<Topology.Member> members(String instance, Topology topology) {
        check(topology);
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i <= topology.replicas(); i++) {
            hosts.add(instance + "-" + i);
        }
        String all = String.join(",", hosts);
        String prelude = "export POSTGRES_PASSWORD=\"$SCALE_PASSWORD\"\n";
        List<Topology.Member> members = new ArrayList<>();
        for (int i = 0; i < hosts.size(); i++) {
            members.add(new Topology.Member(hosts.get(i), i == 0 ? Topology.Role.PRIMARY : Topology.Role.REPLICA, 5432,
                    List.of("sh", "-c", MEMBER_SCRIPT, "scale-member", hosts.get(i), all, hosts.get(0),
                            Long.toString(topology.downAfter().toMillis())), prelude));
        }
        // port 0: it serves nothing, so nothing is published for it
        members.add(new Topology.Member(instance + "-" + PROMOTER, Topology.Role.SENTINEL, 0,
                List.of("sh", "-c", PROMOTER_SCRIPT, "scale-promoter", all, Long.toString(topology.downAfter().toMillis())), prelude));
        return members;
    }

    /**
     * The data member that takes writes now, asked of each in turn (at most a second each: a paused one costs that):
     * after a failover, DATABASE_URL and {@code ls} name the promoted replica.
     */
    @Override
    public String primary(String instance, Endpoint login, Map<String, Integer> ports) {
        for (var p : Topology.servers(ports).entrySet()) {
            Endpoint member = new Endpoint(login.host(), p.getValue(), login.username(), login.password(),
                    login.database() == null ? "postgres" : login.database());
            try (Connection c = Jdbc.connect(member, "scale", 1, 1); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT NOT pg_is_in_recovery() AND current_setting('default_transaction_read_only') = 'off'")) {
                if (rs.next() && rs.getBoolean(1)) {
                    return p.getKey();
                }
            } catch (java.sql.SQLException e) {
                // down, paused or a replica: the next member
            }
        }
        return null;
    }

    /** The first primary streams to every replica, each replica is in recovery, and the promoter needs no look: it waits for the primary itself. */
    @Override
    public void settled(String instance, Topology topology, Map<Topology.Member, Endpoint> at) throws Exception {
        for (var m : at.entrySet()) {
            if (m.getKey().role() == Topology.Role.SENTINEL) {
                continue;
            }
            try (Connection c = Jdbc.connect(m.getValue(), "scale up", 2, 5); Statement s = c.createStatement()) {
                if (m.getKey().role() == Topology.Role.PRIMARY) {
                    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")) {
                        rs.next();
                        if (rs.getInt(1) < topology.replicas()) {
                            throw new IllegalStateException(rs.getInt(1) + " of " + topology.replicas() + " replicas streaming");
                        }
                    }
                } else {
                    try (ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                            throw new IllegalStateException(m.getKey().host() + " is not a replica");
                        }
                    }
                }
            }
        }
    }
}
