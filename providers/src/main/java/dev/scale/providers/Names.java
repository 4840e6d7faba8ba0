package dev.scale.providers;

import dev.scale.errors.ScaleException;
import java.time.Duration;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Instance names and times to live, as users type them. */
public final class Names {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,39}");
    private static final Pattern TTL = Pattern.compile("(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");
    public static final Duration MAX_TTL = Duration.ofDays(7);

    private Names() {
    }

    /** Whether {@code name} is one scale could have given an instance. */
    public static boolean isName(String name) {
        return NAME.matcher(name).matches() && !name.endsWith("-");
    }

    public static String checkName(String name) {
        if (!isName(name)) {
            throw ScaleException.usage("bad instance name '" + name + "'",
                    "use 1-40 lowercase letters, digits and dashes, starting with a letter");
        }
        return name;
    }

    /** The first free name of {@code kind}, {@code kind-2}, {@code kind-3}, … */
    public static String nextFree(String kind, Collection<String> taken) {
        if (!taken.contains(kind)) {
            return kind;
        }
        for (int i = 2; ; i++) {
            String candidate = kind + "-" + i;
            if (!taken.contains(candidate)) {
                return candidate;
            }
        }
    }

    /** A duration such as {@code 500ms}, {@code 30s}, {@code 2m}; zero only where {@code zeroAllowed}. */
    public static Duration parseDuration(String option, String text, boolean zeroAllowed) {
        String t = text.trim();
        if (t.matches("\\d{1,9}ms")) {
            Duration d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            if (d.isZero() && !zeroAllowed) {
                throw ScaleException.usage(option + " must be longer than zero");
            }
            return d;
        }
        if (zeroAllowed && t.matches("0+[smhd]?")) {
            return Duration.ZERO;
        }
        try {
            return parseTtl(t);
        } catch (ScaleException e) {
            throw ScaleException.usage("bad " + option + " '" + text + "'", "use a duration such as 500ms, 30s or 2m");
        }
    }

    /** Parses {@code 90s}, {@code 30m}, {@code 2h}, {@code 1h30m}, {@code 1d}; at most seven days. */
    public static Duration parseTtl(String text) {
        Matcher m = TTL.matcher(text.trim());
        if (text.isBlank() || !m.matches()) {
            throw ScaleException.usage("bad ttl '" + text + "'", "use a duration such as 90s, 30m, 2h or 1h30m");
        }
        Duration d = Duration.ZERO;
        long[] unitSeconds = {86400, 3600, 60, 1};
        for (int g = 1; g <= 4; g++) {
            if (m.group(g) != null) {
                try {
                    d = d.plusSeconds(Math.multiplyExact(Long.parseLong(m.group(g)), unitSeconds[g - 1]));
                } catch (ArithmeticException | NumberFormatException e) {
                    throw ScaleException.usage("bad ttl '" + text + "'", "at most " + MAX_TTL.toDays() + "d");
                }
            }
        }
        if (d.isZero()) {
            throw ScaleException.usage("bad ttl '" + text + "'", "a time to live must be longer than zero");
        }
        if (d.compareTo(MAX_TTL) > 0) {
            throw ScaleException.usage("ttl '" + text + "' is longer than " + MAX_TTL.toDays() + "d",
                    "scale instances are disposable; use at most " + MAX_TTL.toDays() + "d");
        }
        return d;
    }
}
