package dev.scale.cli;

import dev.scale.probes.fit.Fit;
import dev.scale.probes.Measurement;
import dev.scale.probes.fit.Requirement;
import dev.scale.probes.fit.Rule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A fit outcome as one self-contained HTML page: the verdict table, charts drawn as inline SVG (no
 * script, no font, no request: it opens offline and prints), and every measurement behind them.
 */
final class FitReport {
    static final List<String> COLORS = List.of("#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed");
    private static final int W = 560;
    private static final int H = 300;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 36;
    private static final int BOTTOM = 50;

    private FitReport() {
    }

    record Series(String name, String color, boolean dashed, List<double[]> points) {
    }

    static String html(Fit.Outcome o, Instant when) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>scale fit: ").append(esc(o.scenario().name()))
                .append("</title>\n<style>\n")
                .append("body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1180px;color:#111;padding:0 1em}\n")
                .append("h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;font-size:1.2em}.muted{color:#555}\n")
                .append("table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:.35em .6em;text-align:left;vertical-align:top}\n")
                .append("th{background:#f3f4f6}.PASS{background:#dcfce7}.FAIL{background:#fee2e2}.NA{background:#f3f4f6;color:#555}\n")
                .append(".v{font-weight:700;margin-right:.4em}.charts{display:flex;flex-wrap:wrap;gap:18px}svg{background:#fff;border:1px solid #e5e7eb}\n")
                .append("td.n{text-align:right;font-variant-numeric:tabular-nums}details{margin:.4em 0}summary{cursor:pointer}\n")
                .append("</style></head><body>\n");
        b.append("<h1>Does it fit? <span class=\"muted\">").append(esc(o.scenario().name())).append("</span></h1>\n");
        if (o.scenario().description() != null) {
            b.append("<p>").append(esc(o.scenario().description())).append("</p>\n");
        }
        b.append("<p class=\"muted\">Measured by scale on ").append(esc(when.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString())).append(" on ");
        List<String> stores = new ArrayList<>();
        for (Fit.Store s : o.stores()) {
            stores.add(esc(s.name()) + " (" + esc(s.kind()) + " " + esc(s.version()) + ")");
        }
        b.append(String.join(", ", stores)).append(". Every verdict comes from this run's measurements.</p>\n");
        verdicts(b, o);
        b.append("<h2>Charts</h2>\n<div class=\"charts\">\n");
        int charts = 0;
        charts += writersChart(b, o);
        charts += latencyChart(b, o);
        charts += ttlChart(b, o);
        charts += capacityChart(b, o);
        charts += queueCharts(b, o);
        charts += objectCharts(b, o);
        if (charts == 0) {
            b.append("<p class=\"muted\">This scenario's probes give nothing to chart.</p>\n");
        }
        b.append("</div>\n<h2>Measurements</h2>\n");
        for (Fit.Store s : o.stores()) {
            for (Measurement m : o.measurements().getOrDefault(s.name(), List.of())) {
                measurement(b, s, m);
            }
        }
        b.append("</body></html>\n");
        return b.toString();
    }

    private static void verdicts(StringBuilder b, Fit.Outcome o) {
        b.append("<table id=\"verdicts\"><tr><th>requirement</th>");
        for (Fit.Store s : o.stores()) {
            b.append("<th>").append(esc(s.name())).append("</th>");
        }
        b.append("</tr>\n");
        for (Requirement r : o.scenario().requirements()) {
            b.append("<tr><td>").append(esc(r.name()));
            if (r.question() != null) {
                b.append("<br><span class=\"muted\">").append(esc(r.question())).append("</span>");
            }
            b.append("</td>");
            for (Fit.Store s : o.stores()) {
                Fit.Cell c = o.cell(r.name(), s.name());
                b.append("<td class=\"").append(c.verdict().name()).append("\"><span class=\"v\">").append(c.verdict().label())
                        .append("</span>").append(esc(c.evidence())).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n");
    }

    private static Measurement find(Fit.Outcome o, String store, String probe) {
        return o.measurements().getOrDefault(store, List.of()).stream().filter(m -> m.probe().equals(probe) && m.notApplicable() == null)
                .findFirst().orElse(null);
    }

    private static double num(Object v) {
        return v instanceof Number n ? n.doubleValue() : 0;
    }

    private static int writersChart(StringBuilder b, Fit.Outcome o) {
        List<Series> series = new ArrayList<>();
        for (int i = 0; i < o.stores().size(); i++) {
            Fit.Store s = o.stores().get(i);
            Measurement m = find(o, s.name(), "write-concurrency");
            if (m == null) {
                continue;
            }
            for (String mode : List.of("distinct", "hot")) {
                List<double[]> points = new ArrayList<>();
                for (Map<String, Object> row : m.rows()) {
                    if (mode.equals(row.get("mode"))) {
                        points.add(new double[] {num(row.get("writers")), num(row.get("ops_per_s"))});
                    }
                }
                series.add(new Series(s.name() + (mode.equals("hot") ? " (one hot key)" : ""), COLORS.get(i % COLORS.size()), mode.equals("hot"), points));
            }
        }
        if (series.isEmpty()) {
            return 0;
        }
        lineChart(b, "Throughput against writers", "writers", "writes/s", series);
        return 1;
    }

    private static int capacityChart(StringBuilder b, Fit.Outcome o) {
        List<Series> series = new ArrayList<>();
        for (int i = 0; i < o.stores().size(); i++) {
            Fit.Store s = o.stores().get(i);
            Measurement m = find(o, s.name(), "capacity");
            if (m == null) {
                continue;
            }
            List<double[]> points = new ArrayList<>();
            for (Map<String, Object> row : m.rows()) {
                points.add(new double[] {num(row.get("filled_mb")), num(row.get("ops_per_s"))});
            }
            series.add(new Series(s.name(), COLORS.get(i % COLORS.size()), false, points));
        }
        if (series.isEmpty()) {
            return 0;
        }
        lineChart(b, "Write throughput as the store fills", "MiB written", "writes/s", series);
        return 1;
    }

    private static int latencyChart(StringBuilder b, Fit.Outcome o) {
        List<String> categories = List.of("p50", "p90", "p99", "p99.9", "max");
        List<Series> series = new ArrayList<>();
        for (int i = 0; i < o.stores().size(); i++) {
            Fit.Store s = o.stores().get(i);
            Measurement m = find(o, s.name(), "rw-mix");
            if (m == null) {
                continue;
            }
            for (Map<String, Object> row : m.rows()) {
                if ("all".equals(row.get("op"))) {
                    series.add(new Series(s.name(), COLORS.get(i % COLORS.size()), false, List.of(
                            new double[] {0, num(row.get("p50_ms"))}, new double[] {1, num(row.get("p90_ms"))},
                            new double[] {2, num(row.get("p99_ms"))}, new double[] {3, num(row.get("p999_ms"))},
                            new double[] {4, num(row.get("max_ms"))})));
                }
            }
        }
        if (series.isEmpty()) {
            return 0;
        }
        barChart(b, "Latency percentiles (rw-mix)", "ms", categories, series);
        return 1;
    }

    private static int ttlChart(StringBuilder b, Fit.Outcome o) {
        List<String> categories = List.of("p50", "p99", "max");
        List<Series> series = new ArrayList<>();
        for (int i = 0; i < o.stores().size(); i++) {
            Fit.Store s = o.stores().get(i);
            Measurement m = find(o, s.name(), "ttl");
            if (m == null) {
                continue;
            }
            Map<String, Object> x = m.metrics();
            series.add(new Series(s.name() + (Boolean.TRUE.equals(x.get("native_ttl")) ? "" : " (emulated)"), COLORS.get(i % COLORS.size()), false,
                    List.of(new double[] {0, num(x.get("lateness_p50_ms"))}, new double[] {1, num(x.get("lateness_p99_ms"))},
                            new double[] {2, num(x.get("lateness_max_ms"))})));
        }
        if (series.isEmpty()) {
            return 0;
        }
        barChart(b, "TTL lateness: deadline to gone", "ms", categories, series);
        return 1;
    }

    /** The queue probe: rates, publish-to-consume latency, and what each fault cost, per store. */
    private static int queueCharts(StringBuilder b, Fit.Outcome o) {
        List<Series> rates = new ArrayList<>();
        List<Series> latency = new ArrayList<>();
        List<Series> faults = new ArrayList<>();
        for (int i = 0; i < o.stores().size(); i++) {
            Fit.Store s = o.stores().get(i);
            Measurement m = find(o, s.name(), "queue");
            if (m == null) {
                continue;
            }
            Map<String, Object> x = m.metrics();
            String label = s.name() + " (" + x.get("variant") + ")";
            String colour = COLORS.get(i % COLORS.size());
            rates.add(new Series(label, colour, false, List.of(new double[] {0, num(x.get("publish_per_s"))}, new double[] {1, num(x.get("consume_per_s"))})));
            latency.add(new Series(label, colour, false, List.of(new double[] {0, num(x.get("latency_p50_ms"))}, new double[] {1, num(x.get("latency_p99_ms"))},
                    new double[] {2, num(x.get("latency_p999_ms"))}, new double[] {3, num(x.get("latency_max_ms"))})));
            faults.add(new Series(label, colour, false, List.of(new double[] {0, num(x.get("crash_lost"))}, new double[] {1, num(x.get("away_dropped"))},
                    new double[] {2, num(x.get("fanout_lost"))}, new double[] {3, num(x.get("crash_redelivered"))})));
        }
        if (rates.isEmpty()) {
            return 0;
        }
        barChart(b, "Messages per second, one producer and one consumer", "messages/s", List.of("publish", "consume"), rates);
        barChart(b, "Publish to consume latency", "ms", List.of("p50", "p99", "p99.9", "max"), latency);
        barChart(b, "Messages lost or redelivered under faults", "messages", List.of("lost: consumer killed", "lost: consumer away",
                "lost: fan-out", "redelivered after the kill"), faults);
        return 3;
    }

    /** The objects probe: MB/s by object size each way, and the largest object kept intact beside scale's live heap. */
    private static int objectCharts(StringBuilder b, Fit.Outcome o) {
        List<Series> put = new ArrayList<>();
        List<Series> get = new ArrayList<>();
        List<Series> largest = new ArrayList<>();
        List<String> sizes = List.of();
        for (int i = 0; i < o.stores().size(); i++) {
            Fit.Store s = o.stores().get(i);
            Measurement m = find(o, s.name(), "objects");
            if (m == null || !m.metrics().containsKey("medium_put_mb_per_s")) {
                continue;
            }
            Map<String, Object> x = m.metrics();
            String label = s.name() + " (" + x.get("variant") + ")";
            String colour = COLORS.get(i % COLORS.size());
            sizes = m.rows().stream().filter(r -> "throughput".equals(r.get("phase"))).map(r -> String.valueOf(r.get("size"))).toList();
            List<String> names = List.of("small", "medium", "large");
            List<double[]> p = new ArrayList<>();
            List<double[]> g = new ArrayList<>();
            for (int k = 0; k < names.size(); k++) {
                p.add(new double[] {k, num(x.get(names.get(k) + "_put_mb_per_s"))});
                g.add(new double[] {k, num(x.get(names.get(k) + "_get_mb_per_s"))});
            }
            put.add(new Series(label, colour, false, p));
            get.add(new Series(label, colour, false, g));
            largest.add(new Series(label, colour, false, List.of(new double[] {0, num(x.get("largest_intact_mib"))},
                    new double[] {1, num(x.get("heap_live_peak_bytes")) / (1 << 20)})));
        }
        if (put.isEmpty()) {
            return 0;
        }
        barChart(b, "Storing objects, one after another", "MB/s", sizes, put);
        barChart(b, "Reading them back", "MB/s", sizes, get);
        barChart(b, "Largest object kept intact, and scale's live heap meanwhile", "MiB", List.of("largest intact (SHA-256)", "scale's live heap"), largest);
        return 3;
    }

    /** A round step for about five ticks up to {@code max}. */
    static double step(double max) {
        if (max <= 0) {
            return 1;
        }
        double raw = max / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double f : new double[] {1, 2, 2.5, 5, 10}) {
            if (raw <= f * mag) {
                return f * mag;
            }
        }
        return 10 * mag;
    }

    private static void frame(StringBuilder b, String title, String xLabel, String yLabel, double yMax, double yStep) {
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">",
                W, H, W, H, esc(title)));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"700\" font-family=\"sans-serif\">%s</text>", LEFT, esc(title)));
        for (double y = 0; y <= yMax + 1e-9; y += yStep) {
            double py = TOP + (H - TOP - BOTTOM) * (1 - y / yMax);
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e7eb\"/>", LEFT, W - RIGHT, py, py));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" font-family=\"sans-serif\">%s</text>",
                    LEFT - 6, py + 4, esc(Rule.format(Measurement.round(y)))));
        }
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#111\"/>", LEFT, W - RIGHT, H - BOTTOM, H - BOTTOM));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" font-family=\"sans-serif\">%s</text>",
                (LEFT + W - RIGHT) / 2, H - 8, esc(xLabel)));
        b.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" font-family=\"sans-serif\" transform=\"rotate(-90 14 %d)\">%s</text>",
                (TOP + H - BOTTOM) / 2, (TOP + H - BOTTOM) / 2, esc(yLabel)));
    }

    private static void legend(StringBuilder b, List<Series> series) {
        int x = LEFT + 10;
        int y = TOP + 8;
        for (Series s : series) {
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"6\"%s/>", x, x + 18, y, y,
                    s.color(), s.dashed() ? " stroke-dasharray=\"4 3\"" : ""));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" font-family=\"sans-serif\">%s</text>", x + 24, y + 4, esc(s.name())));
            y += 16;
        }
    }

    static void lineChart(StringBuilder b, String title, String xLabel, String yLabel, List<Series> series) {
        double xMax = 0;
        double yMax = 0;
        for (Series s : series) {
            for (double[] p : s.points()) {
                xMax = Math.max(xMax, p[0]);
                yMax = Math.max(yMax, p[1]);
            }
        }
        double yStep = step(yMax * 1.05);
        double yTop = Math.ceil(yMax * 1.05 / yStep) * yStep;
        double xStep = step(xMax);
        double xTop = Math.max(xStep, Math.ceil(xMax / xStep) * xStep);
        frame(b, title, xLabel, yLabel, yTop, yStep);
        for (double x = 0; x <= xTop + 1e-9; x += xStep) {
            double px = LEFT + (W - LEFT - RIGHT) * x / xTop;
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" font-family=\"sans-serif\">%s</text>",
                    px, H - BOTTOM + 16, esc(Rule.format(Measurement.round(x)))));
        }
        for (Series s : series) {
            StringBuilder path = new StringBuilder();
            for (double[] p : s.points()) {
                double px = LEFT + (W - LEFT - RIGHT) * p[0] / xTop;
                double py = TOP + (H - TOP - BOTTOM) * (1 - p[1] / yTop);
                path.append(path.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f,%.1f", px, py));
                b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>%s: %s at %s</title></circle>", px, py,
                        s.color(), esc(s.name()), Rule.format(p[1]), Rule.format(p[0])));
            }
            b.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"3\"%s/>", path, s.color(),
                    s.dashed() ? " stroke-dasharray=\"6 4\"" : ""));
        }
        legend(b, series);
        b.append("</svg>\n");
    }

    static void barChart(StringBuilder b, String title, String yLabel, List<String> categories, List<Series> series) {
        double yMax = 0;
        for (Series s : series) {
            for (double[] p : s.points()) {
                yMax = Math.max(yMax, p[1]);
            }
        }
        double yStep = step(yMax * 1.05);
        double yTop = Math.max(yStep, Math.ceil(yMax * 1.05 / yStep) * yStep);
        frame(b, title, "", yLabel, yTop, yStep);
        double groupWidth = (W - LEFT - RIGHT) / (double) categories.size();
        double barWidth = groupWidth * 0.7 / series.size();
        for (int c = 0; c < categories.size(); c++) {
            double gx = LEFT + groupWidth * c;
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" font-family=\"sans-serif\">%s</text>",
                    gx + groupWidth / 2, H - BOTTOM + 16, esc(categories.get(c))));
            for (int i = 0; i < series.size(); i++) {
                Series s = series.get(i);
                double v = s.points().get(c)[1];
                double h = (H - TOP - BOTTOM) * v / yTop;
                double x = gx + groupWidth * 0.15 + barWidth * i;
                b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s %s: %s %s</title></rect>",
                        x, H - BOTTOM - h, barWidth - 2, h, s.color(), esc(s.name()), esc(categories.get(c)), Rule.format(v), esc(yLabel)));
            }
        }
        legend(b, series);
        b.append("</svg>\n");
    }

    private static void measurement(StringBuilder b, Fit.Store s, Measurement m) {
        b.append("<details><summary>").append(esc(m.probe())).append(" on ").append(esc(s.name())).append("</summary>\n");
        if (m.notApplicable() != null) {
            b.append("<p>N/A: ").append(esc(m.notApplicable())).append("</p>");
        }
        if (!m.rows().isEmpty()) {
            b.append("<table><tr>");
            for (String col : m.rows().get(0).keySet()) {
                b.append("<th>").append(esc(col)).append("</th>");
            }
            b.append("</tr>\n");
            for (Map<String, Object> row : m.rows()) {
                b.append("<tr>");
                row.values().forEach(v -> b.append(v instanceof Number ? "<td class=\"n\">" : "<td>").append(esc(Rule.format(v))).append("</td>"));
                b.append("</tr>\n");
            }
            b.append("</table>\n");
        }
        b.append("<table>");
        m.metrics().forEach((k, v) -> b.append("<tr><th>").append(esc(k)).append("</th><td class=\"n\">").append(esc(Rule.format(v))).append("</td></tr>"));
        b.append("</table></details>\n");
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
