package dev.scale.providers;

import dev.scale.errors.ScaleException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * scale's own directories, following the XDG base directory spec. scale writes nowhere else.
 * Each can be moved with {@code SCALE_STATE_DIR}, {@code SCALE_CONFIG_DIR}, {@code SCALE_CACHE_DIR}.
 */
public record Dirs(Path state, Path config, Path cache) {

    public static Dirs fromEnv(Map<String, String> env) {
        Path home = Path.of(env.getOrDefault("HOME", System.getProperty("user.home")));
        return new Dirs(
                pick(env, "SCALE_STATE_DIR", "XDG_STATE_HOME", home.resolve(".local/state")),
                pick(env, "SCALE_CONFIG_DIR", "XDG_CONFIG_HOME", home.resolve(".config")),
                pick(env, "SCALE_CACHE_DIR", "XDG_CACHE_HOME", home.resolve(".cache")));
    }

    private static Path pick(Map<String, String> env, String own, String xdg, Path fallback) {
        String direct = env.get(own);
        if (direct != null && !direct.isBlank()) {
            return Path.of(direct);
        }
        String base = env.get(xdg);
        return (base != null && !base.isBlank() ? Path.of(base) : fallback).resolve("scale");
    }

    /** Creates a directory (and parents) readable by its owner only. */
    public static Path privateDir(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            return dir;
        } catch (IOException e) {
            throw ScaleException.environment("cannot create " + dir + ": " + e.getMessage(),
                    "check its parent's permissions and free space, or move scale's directories with SCALE_STATE_DIR, SCALE_CONFIG_DIR, SCALE_CACHE_DIR", e);
        } catch (UnsupportedOperationException e) {
            return dir;
        }
    }
}
