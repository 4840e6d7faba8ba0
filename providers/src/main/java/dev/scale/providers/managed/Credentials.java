package dev.scale.providers.managed;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Dirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Managed services' credentials stored by {@code scale login}: {@code credentials.json} in scale's config
 * directory, 0600, a flat map of the same variable names the environment uses. A variable set in the
 * environment wins over the stored one, so a CI job's own secret is the one used.
 */
public final class Credentials {
    private final Path file;

    public Credentials(Dirs dirs) {
        this.file = dirs.config().resolve("credentials.json");
    }

    /** A variable's value, trimmed; empty when unset or blank (a CI secret that expanded to nothing). */
    public static java.util.Optional<String> value(Map<String, String> env, String variable) {
        String v = env.get(variable);
        return v == null || v.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(v.strip());
    }

    /** The variables of {@code credentials} that {@code env} does not set. */
    public static java.util.List<String> missing(Map<String, String> env, java.util.List<ManagedService.Credential> credentials) {
        return credentials.stream().map(ManagedService.Credential::variable).filter(v -> value(env, v).isEmpty()).toList();
    }

    public Path file() {
        return file;
    }

    public Map<String, String> stored() {
        if (!Files.exists(file)) {
            return Map.of();
        }
        try {
            return new TreeMap<>(Ledger.JSON.readValue(file.toFile(), new TypeReference<Map<String, String>>() { }));
        } catch (IOException e) {
            throw ScaleException.environment("cannot read " + file + ": it is not a JSON map of credentials",
                    "remove it and log in again: scale logout --all", e);
        }
    }

    /** The environment with the stored credentials it does not set itself. */
    public Map<String, String> under(Map<String, String> env) {
        if (!Files.exists(file)) {
            return env;
        }
        Map<String, String> merged = new HashMap<>(stored());
        merged.putAll(env);
        return merged;
    }

    /** Stores {@code values}, replacing those variables' earlier values. */
    public void store(Map<String, String> values) {
        Map<String, String> all = new TreeMap<>(stored());
        all.putAll(values);
        write(all);
    }

    /** Forgets those variables; removes the file when nothing is left. @return how many were stored */
    public int forget(Iterable<String> variables) {
        Map<String, String> all = new TreeMap<>(stored());
        int n = 0;
        for (String v : variables) {
            n += all.remove(v) != null ? 1 : 0;
        }
        if (all.isEmpty()) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw ScaleException.environment("cannot remove " + file + ": " + e.getMessage(), null, e);
            }
        } else {
            write(all);
        }
        return n;
    }

    private void write(Map<String, String> all) {
        try {
            Dirs.privateDir(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, Ledger.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(all));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw ScaleException.environment("cannot write " + file + ": " + e.getMessage(),
                    "check free disk space, or move scale's config with SCALE_CONFIG_DIR", e);
        }
    }
}
