package dev.scale.providers.managed;

import com.fasterxml.jackson.databind.JsonNode;
import dev.scale.providers.Owner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Ends an instance of a service that has no expiry of its own (Upstash, Capella, Clever Cloud) at its time to live,
 * with no scale command run: a detached process, in a session of its own so that the terminal's end does not stop
 * it, that sleeps until the expiry and then runs {@code scale down --expired NAME} (again a minute later while that fails). Its owner string goes in the
 * instance's ledger; {@code down} stops it. It does not outlive a reboot: then {@code scale gc} is the backstop,
 * and ls says so.
 *
 * @param self how to run scale again: the JVM, its class path and main class (the CLI gives it)
 */
public record Reaper(List<String> self, Clock clock) {

    /** A reaper that starts nothing (commands that make no instance, and tests of the ledger alone). */
    public static Reaper none(Clock clock) {
        return new Reaper(List.of(), clock);
    }

    /**
     * Starts the reaper of {@code name}, with the environment it needs to call the service (its credentials, scale's
     * directories).
     * @return its owner string, for the ledger; empty when it cannot be started (the TTL then waits for gc)
     */
    public java.util.Optional<String> start(String name, Instant expires, Map<String, String> env, Path log) {
        if (self.isEmpty()) {
            return java.util.Optional.empty();
        }
        long seconds = Math.max(1, Duration.between(clock.instant(), expires).toSeconds() + 1);
        // a down that fails (the network, the service) is tried again, a minute apart, for a quarter of an hour
        List<String> command = new ArrayList<>(List.of("setsid", "sh", "-c",
                "sleep \"$0\" || exit; for t in 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do \"$@\" && exit 0; sleep 60 || exit; done; exec \"$@\"",
                Long.toString(seconds)));
        command.addAll(self);
        command.addAll(List.of("down", "--expired", name));
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(env);
        try {
            Files.createDirectories(log.getParent());
            pb.redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).redirectErrorStream(true);
            Process p = pb.start();
            ProcessHandle h = p.toHandle();
            return java.util.Optional.of(new Owner(Owner.current().host(), h.pid(),
                    h.info().startInstant().map(Instant::toEpochMilli).orElse(0L)).toString());
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    /** Stops the reaper a ledger entry names, when it still runs (down removed the instance before its expiry). */
    public static void stop(JsonNode entry) {
        // not itself: the reaper's own down runs as the reaper's child (or, on its last try, as the reaper)
        Owner.parse(entry.path("reaper").asText(null)).filter(o -> !o.gone() && !within(o.pid())).ifPresent(o -> {
            // its whole session: the shell and the sleep it waits on
            try {
                new ProcessBuilder("kill", "-TERM", "--", "-" + o.pid()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            } catch (IOException e) {
                ProcessHandle.of(o.pid()).ifPresent(ProcessHandle::destroy);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private static boolean within(long pid) {
        for (Optional<ProcessHandle> p = Optional.of(ProcessHandle.current()); p.isPresent(); p = p.get().parent()) {
            if (p.get().pid() == pid) {
                return true;
            }
        }
        return false;
    }
}
