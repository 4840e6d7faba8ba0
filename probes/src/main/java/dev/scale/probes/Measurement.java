package dev.scale.probes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one probe measured on one store.
 *
 * @param metrics       named numbers and flags, the ones the probe declares (what scenario rules test)
 * @param rows          the detail behind them (one row per step, method or check), for tables and charts
 * @param notApplicable why the question does not apply to this store (no multi-key transactions, …), or null
 */
public record Measurement(String probe, Map<String, Object> metrics, List<Map<String, Object>> rows, String notApplicable) {

    public static Measurement of(String probe, Map<String, Object> metrics, List<Map<String, Object>> rows) {
        return new Measurement(probe, metrics, rows, null);
    }

    public static Measurement notApplicable(String probe, String why, Map<String, Object> metrics) {
        return new Measurement(probe, metrics, List.of(), why);
    }

    /** A metric map builder that keeps insertion order and rounds doubles for people (3 significant decimals at most). */
    public static final class Metrics {
        private final Map<String, Object> m = new LinkedHashMap<>();

        /** A null value is left out: a metric the store could not give is absent, never a made-up number. */
        public Metrics put(String name, Object value) {
            if (value == null) {
                return this;
            }
            m.put(name, value instanceof Double d ? round(d) : value);
            return this;
        }

        public Map<String, Object> build() {
            return m;
        }
    }

    /** Rounds to 3 decimals below 10, 1 below 1000, none above: what a person reads and a rule needs. */
    public static double round(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return v;
        }
        double a = Math.abs(v);
        double scale = a < 10 ? 1000 : a < 1000 ? 10 : 1;
        return Math.round(v * scale) / scale;
    }

    /** A row of named values, in order. */
    public static Map<String, Object> row(Object... nameValue) {
        Map<String, Object> r = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            Object v = nameValue[i + 1];
            r.put((String) nameValue[i], v instanceof Double d ? round(d) : v);
        }
        return r;
    }
}
