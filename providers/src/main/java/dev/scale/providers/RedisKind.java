package dev.scale.providers;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

public final class RedisKind implements Kind {

    @Override public String name() { return "redis"; }
    @Override public List<String> aliases() { return List.of(); }
    @Override public String defaultVersion() { return "7.4"; }
    @Override public String officialImage(String version) { return "redis:" + version; }
    @Override public int containerPort() { return 6379; }
    @Override public String defaultUsername() { return "default"; }
    @Override public String defaultDatabase() { return null; }
    @Override public Map<String, String> containerEnv(Endpoint endpoint) { return Map.of(); }
    @Override public String stopSignal() { return "TERM"; }
    @Override public Duration startTimeout() { return Duration.ofSeconds(30); }

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

    @Override
    public String probe(Endpoint endpoint) {
        var config = DefaultJedisClientConfig.builder()
                .user(endpoint.username())
                .password(endpoint.password().reveal())
                .connectionTimeoutMillis(1000)
                .socketTimeoutMillis(2000)
                .build();
        try (Jedis jedis = new Jedis(new HostAndPort(endpoint.host(), endpoint.port()), config)) {
            String pong = jedis.ping();
            if (!"PONG".equals(pong)) {
                throw new IllegalStateException("PING answered " + pong);
            }
            for (String line : jedis.info("server").split("\r?\n")) {
                if (line.startsWith("redis_version:")) {
                    return line.substring("redis_version:".length()).trim();
                }
            }
            return "";
        }
    }

    @Override
    public String url(Endpoint e) {
        // redis-cli 7.0 rejects the empty-user form redis://:pw@host, so the user is always named.
        return "redis://" + e.username() + ":" + e.password().reveal() + "@" + e.host() + ":" + e.port() + "/0";
    }

    @Override
    public Map<String, String> env(Endpoint e) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("REDIS_URL", url(e));
        env.put("REDIS_HOST", e.host());
        env.put("REDIS_PORT", Integer.toString(e.port()));
        env.put("REDIS_PASSWORD", e.password().reveal());
        return env;
    }
}
