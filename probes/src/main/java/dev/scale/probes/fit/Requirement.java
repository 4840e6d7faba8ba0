package dev.scale.probes.fit;

import dev.scale.probes.Params;
import dev.scale.probes.VerdictProbe;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line of a scenario: a need in the user's words, the probe and parameters that measure it, the
 * rules its measurements must meet, and the evidence to show. A need that scale cannot measure yet
 * carries {@code notMeasured} instead of a probe, and is reported N/A with that reason.
 */
public record Requirement(String name, String question, VerdictProbe probe, Params params, List<Rule> pass, String evidence,
                          String notMeasured) {
    private static final Pattern FIELD = Pattern.compile("\\{([a-z][a-z0-9_]*)}");

    /** The evidence template with each {metric} replaced by its measured value (or "?" if it was not measured). */
    public String evidence(Map<String, Object> metrics) {
        Matcher m = FIELD.matcher(evidence == null ? "" : evidence);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            Object v = metrics.get(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(v == null ? "?" : Rule.format(v)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The metrics the evidence template names. */
    List<String> evidenceMetrics() {
        return FIELD.matcher(evidence == null ? "" : evidence).results().map(r -> r.group(1)).toList();
    }
}
