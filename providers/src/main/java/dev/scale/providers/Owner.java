package dev.scale.providers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * The scale process that made an instance and has not handed it over yet: an {@code up} still starting it, or a
 * {@code try}, {@code run} or probe that uses it and removes it when done. When that process is gone and the
 * instance was never handed over (kill -9, a crash, a closed CI job), the instance is an orphan: {@code ls} says
 * so and {@code gc} removes it.
 *
 * @param host    where the process runs (its pid means nothing elsewhere)
 * @param pid     its process id
 * @param started when it started, in milliseconds since the epoch: a pid is reused, a pid and start time are not
 */
public record Owner(String host, long pid, long started) {

    /** This process. */
    public static Owner current() {
        ProcessHandle self = ProcessHandle.current();
        return new Owner(hostname(), self.pid(), self.info().startInstant().map(Instant::toEpochMilli).orElse(0L));
    }

    /** {@code host/pid/started}, as labels and records keep it. */
    @Override
    public String toString() {
        return host + "/" + pid + "/" + started;
    }

    public static Optional<Owner> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String[] parts = text.split("/");
        try {
            return parts.length == 3 ? Optional.of(new Owner(parts[0], Long.parseLong(parts[1]), Long.parseLong(parts[2]))) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether the process is known to be gone: it ran on this host, and no process with its pid and start time
     * runs now. A process on another host cannot be looked at from here, so it is never called gone.
     */
    public boolean gone() {
        if (!host.equals(hostname())) {
            return false;
        }
        return ProcessHandle.of(pid)
                .map(h -> h.info().startInstant().map(t -> Math.abs(t.toEpochMilli() - started) > 1000).orElse(false))
                .orElse(true);
    }

    /** The kernel's host name (no DNS look-up, which can hang where there is no resolver). */
    static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException | RuntimeException e) {
            String env = System.getenv("HOSTNAME");
            return env == null || env.isBlank() ? "localhost" : env;
        }
    }
}
