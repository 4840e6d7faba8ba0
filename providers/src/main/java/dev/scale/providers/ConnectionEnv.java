package dev.scale.providers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The environment variables for a set of instances. One instance of a kind gets the kind's plain
 * names ({@code REDIS_URL}); when several instances of one kind are in the set, each of those gets
 * its variables prefixed with its name in upper case, dashes as underscores
 * ({@code cache} → {@code CACHE_REDIS_URL}, {@code redis-2} → {@code REDIS_2_REDIS_URL}).
 */
public final class ConnectionEnv {
    private ConnectionEnv() {
    }

    public static Map<String, String> of(List<Instance> instances) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Instance instance : instances) {
            long sameKind = instances.stream().filter(i -> i.kind().equals(instance.kind())).count();
            String prefix = sameKind > 1 ? prefix(instance.name()) : "";
            instance.kind().env(instance.endpoint()).forEach((k, v) -> env.put(prefix + k, v));
        }
        return env;
    }

    public static String prefix(String name) {
        return name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "_";
    }
}
