package dev.scale.providers;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The known kinds, and parsing of {@code kind[:version]} as users type it. */
public final class Kinds {
    private static final List<Kind> ALL = List.of(new RedisKind(), new PostgresKind(), new CouchbaseKind());
    private static final Pattern VERSION = Pattern.compile("[0-9][A-Za-z0-9._-]{0,63}");

    private Kinds() {
    }

    public static List<Kind> all() {
        return ALL;
    }

    public static String names() {
        return ALL.stream().map(Kind::name).collect(Collectors.joining(", "));
    }

    /** A kind by its name or alias, or a usage error that lists the known kinds and the nearest one. */
    public static Kind byName(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        for (Kind kind : ALL) {
            if (kind.name().equals(wanted) || kind.aliases().contains(wanted)) {
                return kind;
            }
        }
        Kind nearest = ALL.stream()
                .min(Comparator.comparingInt(k -> distance(k.name(), wanted)))
                .orElseThrow();
        String hint = distance(nearest.name(), wanted) <= Math.max(2, wanted.length() / 2)
                ? "did you mean " + nearest.name() + "? Known kinds: " + names()
                : "known kinds: " + names();
        throw ScaleException.usage("unknown kind '" + name + "'", hint);
    }

    /** Parses {@code redis}, {@code redis:7.2}, {@code postgres:16}. */
    public static Requested parse(String text) {
        int colon = text.indexOf(':');
        String kindName = colon < 0 ? text : text.substring(0, colon);
        String version = colon < 0 ? null : text.substring(colon + 1);
        if (kindName.isEmpty()) {
            throw ScaleException.usage("missing kind in '" + text + "'", "known kinds: " + names());
        }
        Kind kind = byName(kindName);
        if (version != null && !VERSION.matcher(version).matches()) {
            throw ScaleException.usage("bad version '" + version + "' for " + kind.name(),
                    "a version starts with a digit, e.g. " + kind.name() + ":" + kind.defaultVersion());
        }
        return new Requested(kind, version);
    }

    public record Requested(Kind kind, String version) {
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
