package dev.scale.providers;

import dev.scale.errors.ScaleException;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A set of kinds, and parsing of {@code kind[:version]} as users type it. The CLI's registry makes the one
 * set scale knows; providers are given it, and never name a kind themselves.
 */
public final class Kinds {
    private static final Pattern VERSION = Pattern.compile("[0-9][A-Za-z0-9._-]{0,63}");
    private final List<Kind> all;

    public Kinds(List<Kind> all) {
        this.all = List.copyOf(all);
    }

    public List<Kind> all() {
        return all;
    }

    public String names() {
        return all.stream().map(Kind::name).collect(Collectors.joining(", "));
    }

    /** Whether a name or alias is one of these kinds. */
    public boolean knows(String name) {
        return all.stream().anyMatch(k -> k.answersTo(name));
    }

    /** The kind whose URLs have this scheme ({@code redis}, {@code postgresql}), or a usage error naming the known ones. */
    public Kind byScheme(String scheme) {
        String wanted = scheme.toLowerCase(Locale.ROOT);
        return all.stream().filter(k -> k.urlSchemes().contains(wanted)).findFirst()
                .orElseThrow(() -> ScaleException.usage("unsupported URL scheme '" + scheme + "'",
                        "use one of " + all.stream().map(k -> k.urlSchemes().get(0) + "://").collect(Collectors.joining(", "))));
    }

    /** A kind by its name or alias, or a usage error that lists the known kinds and the nearest one. */
    public Kind byName(String name) {
        for (Kind kind : all) {
            if (kind.answersTo(name)) {
                return kind;
            }
        }
        String wanted = name.toLowerCase(Locale.ROOT);
        Kind nearest = all.stream()
                .min(Comparator.comparingInt(k -> distance(k.name(), wanted)))
                .orElseThrow();
        String hint = distance(nearest.name(), wanted) <= Math.max(2, wanted.length() / 2)
                ? "did you mean " + nearest.name() + "? Known kinds: " + names()
                : "known kinds: " + names();
        throw ScaleException.usage("unknown kind '" + name + "'", hint);
    }

    /** Parses {@code redis}, {@code redis:7.2}, {@code postgres:16}. */
    public Requested parse(String text) {
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
