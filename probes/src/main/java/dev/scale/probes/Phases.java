package dev.scale.probes;

import dev.scale.errors.ScaleException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What the probes that run in phases (queue, objects) share: their {@code --phases} list read and checked, a failure's
 * causes in one line, and the process's resident peak.
 */
public final class Phases {
    private Phases() {
    }

    /**
     * The phases asked for, each one of {@code known}.
     * @throws ScaleException a usage error naming the phase that is not
     */
    public static List<String> of(String text, List<String> known) {
        List<String> phases = List.of(text.toLowerCase(Locale.ROOT).split("\\s*,\\s*"));
        for (String p : phases) {
            if (!known.contains(p)) {
                throw ScaleException.usage("--phases: no phase '" + p + "'", "give some of " + String.join(", ", known));
            }
        }
        return phases;
    }

    /** An exception and its causes' first lines, without repeats: "connection is already closed …; EOFException". */
    public static String describe(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null && b.length() < 400; t = t.getCause()) {
            String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().lines().findFirst().orElse("");
            if (b.indexOf(m) < 0) {
                b.append(b.length() == 0 ? "" : "; ").append(m);
            }
        }
        return b.toString();
    }

    /** This process's resident memory at its peak (JVM included), or null off Linux. */
    public static Long rssPeak() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return null;
    }
}
