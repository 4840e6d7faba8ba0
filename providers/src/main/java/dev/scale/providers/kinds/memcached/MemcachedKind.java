package dev.scale.providers.kinds.memcached;

import dev.scale.errors.ScaleException;
import dev.scale.providers.EmbeddedRecipe;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Kind;
import dev.scale.providers.Secret;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * memcached: an in-memory cache with expiry and no persistence. Its text protocol has no login (SASL needs the
 * binary protocol, which most clients and memcached's own text tools do not speak), so an instance has no
 * password and is reachable on 127.0.0.1 only: Docker publishes it there, the embedded server binds there.
 */
public final class MemcachedKind implements Kind {
    private final EmbeddedRecipe embedded = new MemcachedEmbedded();

    @Override public String name() { return "memcached"; }
    @Override public List<String> aliases() { return List.of("memcache", "mc"); }
    @Override public String summary() { return "in-memory cache: key/value with TTL, no persistence, no login"; }
    @Override public String defaultVersion() { return "1.6"; }
    @Override public String officialImage(String version) { return "memcached:" + version; }
    @Override public int containerPort() { return 11211; }
    @Override public boolean authenticates() { return false; }
    @Override public String defaultUsername() { return null; }
    @Override public String defaultDatabase() { return null; }
    @Override public Map<String, String> containerEnv(Endpoint endpoint) { return Map.of(); }
    /** The official image's entrypoint runs {@code memcached}; 64 MB is its default memory, said here so it shows. */
    @Override public List<String> containerCommand() { return List.of("memcached", "-m", "64"); }
    @Override public int memoryMiB() { return 128; }
    @Override public String containerPrelude() { return ""; }
    @Override public String stopSignal() { return "TERM"; }
    @Override public Duration startTimeout() { return Duration.ofSeconds(30); }
    @Override public List<String> urlSchemes() { return List.of("memcached"); }
    @Override public String urlExample() { return "memcached://HOST:11211"; }
    @Override public EmbeddedRecipe embedded() { return embedded; }

    /** {@code version} over the text protocol: the server answers {@code VERSION 1.6.18}. */
    @Override
    public String probe(Endpoint endpoint) throws Exception {
        try (Memcache mc = Memcache.connect(endpoint)) {
            mc.timeout(2000);
            String reply = mc.call("version");
            if (!reply.startsWith("VERSION ")) {
                throw new IllegalStateException("version answered " + reply);
            }
            return reply.substring("VERSION ".length()).trim();
        }
    }

    @Override
    public String url(Endpoint e) {
        return "memcached://" + e.host() + ":" + e.port();
    }

    @Override
    public Map<String, String> env(Endpoint e) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MEMCACHED_URL", url(e));
        env.put("MEMCACHED_HOST", e.host());
        env.put("MEMCACHED_PORT", Integer.toString(e.port()));
        return env;
    }

    /** {@code memcached://HOST[:PORT]}; a user or password is refused, since the text protocol has no login. */
    @Override
    public Endpoint endpointOf(URI url) {
        if (url.getRawUserInfo() != null) {
            throw ScaleException.usage("a memcached URL carries no user or password: scale speaks memcached's text protocol, which has no login",
                    "write " + urlExample());
        }
        return new Endpoint(url.getHost(), url.getPort() > 0 ? url.getPort() : 11211, null, Secret.none(), null);
    }
}
