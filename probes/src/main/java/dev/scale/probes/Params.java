package dev.scale.probes;

import dev.scale.providers.Names;
import dev.scale.errors.ScaleException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A probe's parameter values, parsed and checked against each {@link VerdictProbe.Param}'s type and
 * bounds when made, so that a bad value is refused before any instance starts.
 */
public final class Params {
    private final Map<String, String> text;
    private final Map<String, Object> values;

    private Params(Map<String, String> text, Map<String, Object> values) {
        this.text = text;
        this.values = values;
    }

    /**
     * @param given   values by parameter name, as text or numbers; a name the probe does not take is a usage error
     * @param options whether the values came from options (errors say {@code --name}) or from a scenario
     */
    public static Params of(VerdictProbe probe, Map<String, ?> given, boolean options) {
        Map<String, String> text = new LinkedHashMap<>();
        for (VerdictProbe.Param param : probe.params()) {
            text.put(param.name(), param.defaultValue());
        }
        for (var e : given.entrySet()) {
            if (!text.containsKey(e.getKey())) {
                throw ScaleException.usage("probe " + probe.name() + " has no parameter '" + e.getKey() + "'",
                        "its parameters: " + String.join(", ", text.keySet()));
            }
            text.put(e.getKey(), String.valueOf(e.getValue()));
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (VerdictProbe.Param param : probe.params()) {
            String name = options ? "--" + param.name() : probe.name() + "'s " + param.name();
            values.put(param.name(), parse(name, param, text.get(param.name())));
        }
        return new Params(text, values);
    }

    private static Object parse(String name, VerdictProbe.Param p, String v) {
        return switch (p.type()) {
            case TEXT -> v;
            case NUMBER -> {
                long n;
                try {
                    n = Long.parseLong(v.replace("_", "").trim());
                } catch (NumberFormatException e) {
                    throw ScaleException.usage(name + " must be a whole number, not '" + v + "'");
                }
                if (n < p.min() || n > p.max()) {
                    throw ScaleException.usage(name + " must be between " + p.min() + " and " + p.max() + ", not " + n);
                }
                yield n;
            }
            case DURATION -> {
                Duration d = Names.parseDuration(name, v, p.min() == 0);
                if (d.toMillis() < p.min() || d.toMillis() > p.max()) {
                    throw ScaleException.usage(name + " must be between " + millis(p.min()) + " and " + millis(p.max()) + ", not " + v);
                }
                yield d;
            }
            case SIZE -> {
                long n = size(name, v);
                if (n < p.min() || n > p.max()) {
                    throw ScaleException.usage(name + " must be between " + bytes(p.min()) + " and " + bytes(p.max()) + ", not " + v);
                }
                yield n;
            }
        };
    }

    private static String millis(long ms) {
        return ms % 60_000 == 0 ? ms / 60_000 + "m" : ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    private static String bytes(long n) {
        return n >= 1 << 30 && n % (1 << 30) == 0 ? (n >> 30) + "GB" : n >= 1 << 20 && n % (1 << 20) == 0 ? (n >> 20) + "MB"
                : n >= 1 << 10 && n % (1 << 10) == 0 ? (n >> 10) + "KB" : n + "B";
    }

    private static long size(String name, String text) {
        String v = text.trim().toUpperCase(Locale.ROOT).replace("_", "");
        long unit = 1;
        // KB, MB and GB are binary here, as in most tools' size options; KiB, MiB and GiB say so and are taken too
        for (var u : List.of(Map.entry("GIB", 1L << 30), Map.entry("MIB", 1L << 20), Map.entry("KIB", 1L << 10),
                Map.entry("GB", 1L << 30), Map.entry("MB", 1L << 20), Map.entry("KB", 1L << 10), Map.entry("B", 1L))) {
            if (v.endsWith(u.getKey())) {
                unit = u.getValue();
                v = v.substring(0, v.length() - u.getKey().length()).trim();
                break;
            }
        }
        try {
            return Math.multiplyExact(Long.parseLong(v), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw ScaleException.usage(name + " must be a size such as 64MB, 512KB or 4096, not '" + text + "'");
        }
    }

    /** Every value as given or defaulted, in the probe's order (for reports). */
    public Map<String, String> all() {
        return text;
    }

    private Object value(String name) {
        Object v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no parameter " + name);
        }
        return v;
    }

    public String text(String name) {
        return (String) value(name);
    }

    public long number(String name) {
        return (Long) value(name);
    }

    public int integer(String name) {
        return Math.toIntExact(number(name));
    }

    public Duration duration(String name) {
        return (Duration) value(name);
    }

    /** A SIZE parameter, in bytes. */
    public long bytes(String name) {
        return (Long) value(name);
    }
}
