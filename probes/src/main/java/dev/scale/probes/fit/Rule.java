package dev.scale.probes.fit;

import dev.scale.errors.ScaleException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One condition of a requirement, {@code metric op value}: {@code lateness_p99_ms <= 1000},
 * {@code native_ttl == true}. The metric must be one the probe declares; that is checked when the
 * scenario is read, before anything starts.
 */
public record Rule(String metric, String op, Object expected) {
    private static final Pattern FORM = Pattern.compile("\\s*([a-z][a-z0-9_]*)\\s*(==|!=|<=|>=|<|>)\\s*(.+?)\\s*");

    public static Rule parse(String text) {
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            throw ScaleException.usage("bad rule '" + text + "'", "write metric op value, e.g. lateness_p99_ms <= 1000 (op: == != < <= > >=)");
        }
        String v = m.group(3);
        Object expected;
        if (v.equals("true") || v.equals("false")) {
            expected = Boolean.parseBoolean(v);
        } else {
            try {
                expected = Double.parseDouble(v.replace("_", ""));
            } catch (NumberFormatException e) {
                expected = v.replaceAll("^['\"]|['\"]$", "");
            }
        }
        if (!(expected instanceof Double) && !m.group(2).equals("==") && !m.group(2).equals("!=")) {
            throw ScaleException.usage("bad rule '" + text + "'", m.group(2) + " compares numbers; use == or != for " + v);
        }
        return new Rule(m.group(1), m.group(2), expected);
    }

    /** Whether the measured metrics meet this rule; a metric that was not measured does not. */
    public boolean holds(Map<String, Object> metrics) {
        Object actual = metrics.get(metric);
        if (actual == null) {
            return false;
        }
        if (expected instanceof Double e) {
            if (!(actual instanceof Number n)) {
                return false;
            }
            double a = n.doubleValue();
            return switch (op) {
                case "==" -> a == e;
                case "!=" -> a != e;
                case "<" -> a < e;
                case "<=" -> a <= e;
                case ">" -> a > e;
                default -> a >= e;
            };
        }
        boolean same = Objects.equals(String.valueOf(actual), String.valueOf(expected));
        return op.equals("==") == same;
    }

    /** Why it failed, in a few words: {@code native_ttl false, needs true}. */
    public String failure(Map<String, Object> metrics) {
        Object actual = metrics.get(metric);
        if (actual == null) {
            return metric + " not measured";
        }
        String needs = op.equals("==") ? format(expected) : op + " " + format(expected);
        return metric + " " + format(actual) + ", needs " + needs;
    }

    @Override
    public String toString() {
        return metric + " " + op + " " + format(expected);
    }

    /** A value as a person reads it: whole numbers without decimals, large ones grouped. */
    public static String format(Object v) {
        if (v instanceof Double d) {
            if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                return format(d.longValue());
            }
            return Math.abs(d) >= 1000 ? String.format(Locale.ROOT, "%,.0f", d) : String.valueOf(d);
        }
        if (v instanceof Long || v instanceof Integer) {
            long n = ((Number) v).longValue();
            return Math.abs(n) >= 10_000 ? String.format(Locale.ROOT, "%,d", n) : Long.toString(n);
        }
        return String.valueOf(v);
    }
}
