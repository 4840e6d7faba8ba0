package dev.scale.providers;

import dev.scale.errors.ScaleException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * User settings: {@code $XDG_CONFIG_HOME/scale/config.properties}, overridden by environment variables.
 * <pre>
 * image.redis=registry.example.com/redis:7.4     # or SCALE_IMAGE_REDIS
 * image.postgres=...                              # or SCALE_IMAGE_POSTGRES
 * registry=registry.example.com/dockerhub/        # or SCALE_REGISTRY: prefix for default images
 * ttl=1h                                          # or SCALE_TTL: default time to live
 * </pre>
 */
public record Config(Properties file, Map<String, String> env) {

    public static Config load(Dirs dirs, Map<String, String> env) {
        Properties props = new Properties();
        Path path = dirs.config().resolve("config.properties");
        if (Files.exists(path)) {
            if (!Files.isRegularFile(path)) {
                throw ScaleException.usage(path + " is not a file", "remove it, or point SCALE_CONFIG_DIR elsewhere");
            }
            try (Reader reader = Files.newBufferedReader(path)) {
                props.load(reader);
            } catch (IOException | IllegalArgumentException e) {
                String why = e instanceof java.nio.charset.CharacterCodingException ? "it is not UTF-8 text" : e.getMessage();
                throw ScaleException.usage("cannot read " + path + ": " + why, "fix or remove it (settings: " + KNOWN + ")");
            }
            for (String key : props.stringPropertyNames()) {
                if (!key.matches("image\\.[a-z0-9-]+|registry|ttl")) {
                    throw ScaleException.usage("unknown setting '" + key + "' in " + path, "known: " + KNOWN);
                }
            }
        }
        return new Config(props, env);
    }

    private static final String KNOWN = "image.<kind>, registry, ttl";

    private String get(String envName, String key) {
        String fromEnv = env.get(envName);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.trim();
        }
        String fromFile = file.getProperty(key);
        return fromFile == null || fromFile.isBlank() ? null : fromFile.trim();
    }

    /** The image an instance uses: the one named for it, else the configured one, else the official one behind the registry prefix. */
    public String image(Spec spec) {
        if (spec.image() != null) {
            return spec.image();
        }
        String configured = get("SCALE_IMAGE_" + spec.kind().name().toUpperCase(Locale.ROOT), "image." + spec.kind().name());
        if (configured != null) {
            return configured;
        }
        String official = spec.kind().officialImage(spec.versionOrDefault());
        String registry = get("SCALE_REGISTRY", "registry");
        if (registry == null) {
            return official;
        }
        return registry.endsWith("/") ? registry + official : registry + "/" + official;
    }

    /** Whether the image is the user's choice rather than the official one (its tag is then the version shown). */
    public boolean imageOverridden(Spec spec) {
        return spec.image() != null
                || get("SCALE_IMAGE_" + spec.kind().name().toUpperCase(Locale.ROOT), "image." + spec.kind().name()) != null;
    }

    public String defaultTtl() {
        String ttl = get("SCALE_TTL", "ttl");
        return ttl == null ? "1h" : ttl;
    }
}
