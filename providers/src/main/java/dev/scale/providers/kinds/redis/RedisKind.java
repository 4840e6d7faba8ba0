package dev.scale.providers.kinds.redis;

import dev.scale.providers.EmbeddedRecipe;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Kind;
import dev.scale.providers.Secret;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class RedisKind implements Kind {
    private final EmbeddedRecipe embedded = new RedisEmbedded();

    @Override public String name() { return "redis"; }
    @Override public List<String> aliases() { return List.of(); }
    @Override public String summary() { return "in-memory key/value store with native TTL"; }
    @Override public String defaultVersion() { return "7.4"; }
    @Override public String officialImage(String version) { return "redis:" + version; }
    @Override public int containerPort() { return 6379; }
    @Override public String defaultUsername() { return "default"; }
    @Override public String defaultDatabase() { return null; }
    @Override public Map<String, String> containerEnv(Endpoint endpoint) { return Map.of(); }
    @Override public String stopSignal() { return "TERM"; }
    @Override public Duration startTimeout() { return Duration.ofSeconds(30); }
    /** rediss:// is Redis over TLS, as managed services (Upstash, Clever Cloud's Materia KV) give it. */
    @Override public List<String> urlSchemes() { return List.of("redis", "rediss"); }
    @Override public String urlExample() { return "redis[s]://default:PASSWORD@HOST:6379/0"; }
    @Override public EmbeddedRecipe embedded() { return embedded; }

    @Override
    public List<String> containerCommand() {
        return List.of("redis-server", "/tmp/scale-redis.conf");
    }

    @Override
    public String containerPrelude() {
        // printf is a shell builtin, so the password never appears in a process's arguments.
        return "printf 'requirepass %s\\nsave \"\"\\nappendonly no\\nport 6379\\n' \"$SCALE_PASSWORD\" > /tmp/scale-redis.conf\n"
                + "chmod 0644 /tmp/scale-redis.conf\n";
    }

    /**
     * Where a topology's members keep their configuration: in the data directory the image gives its user, since
     * they rewrite it (Sentinel its state; a server the replica-of a failover gave it, through Sentinel's CONFIG
     * REWRITE), and written only on a first start, so a member started again (after the failover probe's kill) comes
     * back as what it last was, not as what it was made.
     */
    static final String SENTINEL_CONF = "/data/sentinel.conf";
    static final String MEMBER_CONF = "/data/redis.conf";

    /** The prelude writing {@code conf} to {@code file} on a first start, with {@code passwords} times the secret for its %s. */
    private static String ownConfig(String file, String conf, int passwords) {
        return "mkdir -p /data\nif [ ! -f " + file + " ]; then\n  printf '" + conf + "'" + " \"$SCALE_PASSWORD\"".repeat(passwords) + " > " + file + "\n"
                + "  chmod 0600 " + file + "\n  chown redis " + file + " 2>/dev/null || true\nfi\n";
    }
    public static final int SENTINEL_PORT = 26379;

    /**
     * Redis Sentinel: {@code NAME-0} the primary, {@code NAME-1..} replicas of it, {@code NAME-s0..} Sentinels that
     * monitor it as {@code NAME}. Every member requires the instance's password, Sentinels included ({@code
     * sentinel-pass} for each other); each announces its host name, not its address, so that a member's address
     * can change across a restart ({@code resolve-hostnames}, {@code announce-hostnames}). No persistence, as for one
     * server: a replica resyncs from the primary.
     */
    @Override
    public dev.scale.providers.Topology.Replication replication() {
        return new SentinelTopology();
    }

    private final class SentinelTopology implements dev.scale.providers.Topology.Replication {
        @Override
        public void settled(String instance, dev.scale.providers.Topology topology,
                            Map<dev.scale.providers.Topology.Member, Endpoint> at) throws Exception {
            for (var m : at.entrySet()) {
                try (Resp resp = Resp.connect(m.getValue(), 2000)) {
                    if (m.getKey().role() == dev.scale.providers.Topology.Role.PRIMARY) {
                        Resp.Reply info = resp.call(List.of("INFO", "replication"));
                        String text = info instanceof Resp.Bulk b && b.value() != null ? new String(b.value(), StandardCharsets.UTF_8) : "";
                        long online = text.lines().filter(l -> l.matches("slave\\d+:.*state=online.*")).count();
                        if (online < topology.replicas()) {
                            throw new IllegalStateException(online + " of " + topology.replicas() + " replicas in sync");
                        }
                    } else if (m.getKey().role() == dev.scale.providers.Topology.Role.SENTINEL) {
                        Map<String, String> fields = Resp.fields(resp.call(List.of("SENTINEL", "MASTER", instance)));
                        String others = fields.getOrDefault("num-other-sentinels", "?");
                        String replicas = fields.getOrDefault("num-slaves", "?");
                        if (!others.equals(Integer.toString(topology.sentinels() - 1)) || !replicas.equals(Integer.toString(topology.replicas()))) {
                            throw new IllegalStateException("Sentinel " + m.getKey().host() + " knows " + others + " other Sentinels and "
                                    + replicas + " replicas");
                        }
                    }
                }
            }
        }

        /** What the first Sentinel that answers names, within half a second each. */
        @Override
        public String primary(String instance, Endpoint login, Map<String, Integer> ports) {
            for (var p : ports.entrySet()) {
                if (!p.getKey().startsWith("sentinel:")) {
                    continue;
                }
                Endpoint sentinel = new Endpoint(login.host(), p.getValue(), login.username(), login.password(), null);
                try (Resp resp = Resp.connect(sentinel, 500)) {
                    if (resp.call(List.of("SENTINEL", "get-master-addr-by-name", instance)) instanceof Resp.Multi m && m.items() != null && !m.items().isEmpty()) {
                        return Resp.text(m.items().get(0));
                    }
                } catch (IOException | RuntimeException e) {
                    // the next Sentinel
                }
            }
            return null;
        }


        @Override
        public List<dev.scale.providers.Topology.Member> members(String instance, dev.scale.providers.Topology topology) {
            List<dev.scale.providers.Topology.Member> members = new java.util.ArrayList<>();
            String primary = instance + "-0";
            for (int i = 0; i <= topology.replicas(); i++) {
                String host = instance + "-" + i;
                String conf = "requirepass %s\\nmasterauth %s\\nsave \"\"\\nappendonly no\\nport 6379\\nreplica-announce-ip " + host + "\\n"
                        + (i == 0 ? "" : "replicaof " + primary + " 6379\\n");
                members.add(new dev.scale.providers.Topology.Member(host, i == 0 ? dev.scale.providers.Topology.Role.PRIMARY
                        : dev.scale.providers.Topology.Role.REPLICA, 6379, List.of("redis-server", MEMBER_CONF), ownConfig(MEMBER_CONF, conf, 2)));
            }
            for (int i = 0; i < topology.sentinels(); i++) {
                String host = instance + "-s" + i;
                String conf = String.join("\\n", "port " + SENTINEL_PORT, "requirepass %s", "sentinel sentinel-pass %s",
                        "sentinel resolve-hostnames yes", "sentinel announce-hostnames yes", "sentinel announce-ip " + host,
                        "sentinel monitor " + instance + " " + primary + " 6379 " + topology.quorum(), "sentinel auth-pass " + instance + " %s",
                        "sentinel down-after-milliseconds " + instance + " " + topology.downAfter().toMillis(),
                        "sentinel failover-timeout " + instance + " " + Math.max(10_000, 4 * topology.downAfter().toMillis())) + "\\n";
                members.add(new dev.scale.providers.Topology.Member(host, dev.scale.providers.Topology.Role.SENTINEL, SENTINEL_PORT,
                        List.of("redis-server", SENTINEL_CONF, "--sentinel"), ownConfig(SENTINEL_CONF, conf, 3)));
            }
            return members;
        }
    }

    /** PING, then the version from INFO, over {@link Resp}: a one-shot check needs no pool. */
    @Override
    public String probe(Endpoint endpoint) throws Exception {
        try (Resp resp = Resp.connect(endpoint, 2000)) {
            Resp.Reply pong = resp.call(List.of("PING"));
            if (!(pong instanceof Resp.Status s) || !s.text().equals("PONG")) {
                throw new IllegalStateException("PING answered " + pong);
            }
            if (resp.call(List.of("INFO", "server")) instanceof Resp.Bulk info && info.value() != null) {
                for (String line : new String(info.value(), StandardCharsets.UTF_8).split("\r?\n")) {
                    if (line.startsWith("redis_version:")) {
                        return line.substring("redis_version:".length()).trim();
                    }
                }
            }
            return "";
        }
    }

    @Override
    public String url(Endpoint e) {
        // redis-cli 7.0 rejects the empty-user form redis://:pw@host, so the user is always named.
        return (e.tls() != null ? "rediss://" : "redis://") + e.username() + ":" + e.password().reveal() + "@" + e.host() + ":" + e.port() + "/0";
    }

    /**
     * REDIS_URL carries TLS in its scheme (rediss://), but an application that builds its connection from
     * REDIS_HOST/PORT/PASSWORD has no way to know, and speaking plaintext to a TLS port fails late and obscurely
     * (the server just closes the connection). So a TLS endpoint adds {@code REDIS_TLS=true}, beside the other REDIS_
     * names (Redis clients agree on no such variable; this is the plain one). A plaintext endpoint leaves it out rather
     * than writing false, so the contract of every instance scale starts itself stays as it was.
     */
    @Override
    public Map<String, String> env(Endpoint e) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("REDIS_URL", url(e));
        env.put("REDIS_HOST", e.host());
        env.put("REDIS_PORT", Integer.toString(e.port()));
        env.put("REDIS_PASSWORD", e.password().reveal());
        if (e.tls() != null) {
            env.put("REDIS_TLS", "true");
        }
        sentinelEnv(e, env);
        return env;
    }

    /**
     * A replicated instance's part of the contract, what a client needs to follow a failover: where the Sentinels
     * listen ({@code REDIS_SENTINELS}, host:port pairs, the same password as the servers), the name they know the
     * primary by ({@code REDIS_SENTINEL_MASTER}), and {@code REDIS_HOST_MAP}: the Sentinels name members by their host
     * names on the instance's own network ({@code NAME-1:6379}), which a client outside it reaches at the addresses
     * this maps them to (Jedis: a {@code HostAndPortMapper}; redis-py: a connection class that maps). {@code REDIS_URL}
     * stays the first primary, which a failover makes a replica.
     */
    private static void sentinelEnv(Endpoint e, Map<String, String> env) {
        List<String> sentinels = new java.util.ArrayList<>();
        List<String> map = new java.util.ArrayList<>();
        String master = null;
        for (var p : e.ports().entrySet()) {
            String[] roleHost = p.getKey().split(":", 2);
            if (roleHost.length < 2) {
                continue;
            }
            if (roleHost[0].equals("sentinel")) {
                sentinels.add(e.host() + ":" + p.getValue());
            } else {
                map.add(roleHost[1] + ":6379=" + e.host() + ":" + p.getValue());
                if (roleHost[1].endsWith("-0")) {
                    master = roleHost[1].replaceFirst("-0$", "");
                }
            }
        }
        if (master == null) {
            return;
        }
        java.util.Collections.sort(sentinels);
        java.util.Collections.sort(map);
        if (!sentinels.isEmpty()) {
            env.put("REDIS_SENTINELS", String.join(",", sentinels));
            env.put("REDIS_SENTINEL_MASTER", master);
        }
        env.put("REDIS_HOST_MAP", String.join(",", map));
    }

    /**
     * {@code redis[s]://[USER[:PASSWORD]@]HOST[:PORT][/DB]}; the user defaults to {@code default}, the port to 6379.
     * {@code rediss://} requires TLS, verified against the JVM's authorities here; whoever reads the URL from a
     * user swaps in SCALE_CA_FILE's ({@link Endpoint.Tls#from}).
     */
    @Override
    public Endpoint endpointOf(URI url) {
        Endpoint.Login login = Endpoint.loginOf(url);
        Endpoint e = new Endpoint(url.getHost(), url.getPort() > 0 ? url.getPort() : 6379, login.userOr("default"), Secret.of(login.password()), null);
        return "rediss".equalsIgnoreCase(url.getScheme()) ? e.withTls(Endpoint.Tls.SYSTEM) : e;
    }
}
