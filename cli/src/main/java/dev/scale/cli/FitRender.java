package dev.scale.cli;

import dev.scale.cli.output.Table;

import dev.scale.probes.fit.Fit;
import dev.scale.probes.fit.Requirement;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A fit outcome as a table (one row per requirement, one column per store) or as JSON. */
final class FitRender {
    private static final int CELL = 46;

    private FitRender() {
    }

    static Map<String, Object> json(Fit.Outcome o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", o.scenario().name());
        List<Map<String, Object>> stores = new ArrayList<>();
        for (Fit.Store s : o.stores()) {
            Map<String, Object> store = new LinkedHashMap<>();
            store.put("store", s.name());
            store.put("kind", s.kind());
            store.put("version", s.version());
            store.put("passed", o.passes(s.name()));
            stores.add(store);
        }
        m.put("stores", stores);
        List<Map<String, Object>> results = new ArrayList<>();
        for (Fit.Cell c : o.cells()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("requirement", c.requirement());
            r.put("store", c.store());
            r.put("verdict", c.verdict().label());
            r.put("evidence", c.evidence());
            r.put("metrics", c.metrics());
            results.add(r);
        }
        m.put("results", results);
        return m;
    }

    static void table(PrintWriter out, Fit.Outcome o) {
        List<Requirement> reqs = o.scenario().requirements();
        List<Fit.Store> stores = o.stores();
        int first = "requirement".length();
        for (Requirement r : reqs) {
            first = Math.max(first, r.name().length());
        }
        out.printf(Locale.ROOT, "%s on %s%n%n", o.scenario().name(), String.join(", ", stores.stream().map(s -> s.name() + " " + s.version()).toList()));
        List<String> header = new ArrayList<>(List.of("requirement"));
        stores.forEach(s -> header.add(s.name()));
        List<List<String>> rows = new ArrayList<>();
        for (Requirement r : reqs) {
            List<String> row = new ArrayList<>(List.of(r.name()));
            for (Fit.Store s : stores) {
                Fit.Cell c = o.cell(r.name(), s.name());
                row.add(c.verdict().label() + " · " + c.evidence());
            }
            rows.add(row);
        }
        out.print(Table.aligned(header, rows, CELL));
        out.println();
        for (Fit.Store s : stores) {
            Map<Fit.Verdict, Integer> count = new LinkedHashMap<>();
            for (Fit.Verdict v : Fit.Verdict.values()) {
                count.put(v, 0);
            }
            o.cells().stream().filter(c -> c.store().equals(s.name())).forEach(c -> count.merge(c.verdict(), 1, Integer::sum));
            out.printf(Locale.ROOT, "%-" + first + "s  %d PASS, %d FAIL, %d N/A%s%n", s.name(), count.get(Fit.Verdict.PASS),
                    count.get(Fit.Verdict.FAIL), count.get(Fit.Verdict.NA), o.passes(s.name()) ? " · fits" : " · does not fit");
        }
    }
}
