package dev.scale.providers.kinds.redis;

import dev.scale.providers.EmbeddedRecipe;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Kind;
import dev.scale.providers.Secret;
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
        return env;
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
