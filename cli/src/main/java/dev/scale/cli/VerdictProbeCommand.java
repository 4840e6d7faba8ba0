package dev.scale.cli;

import dev.scale.cli.output.Table;

import dev.scale.cli.context.OrderlyExit;
import dev.scale.cli.context.ProgressLines;
import dev.scale.cli.output.Render;

import dev.scale.cli.context.Context;

import dev.scale.probes.fit.Fit;
import dev.scale.probes.Measurement;
import dev.scale.probes.Params;
import dev.scale.probes.fit.Rule;
import dev.scale.probes.VerdictProbe;
import dev.scale.providers.Instance;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code scale probe NAME} for every verdict probe, built from the probe's own declaration: its
 * parameters become options, its metrics the help's footer. The names a user sees here are the ones a
 * scenario's rules use.
 */
final class VerdictProbeCommand implements Callable<Integer> {
    private final Context ctx;
    private final VerdictProbe probe;
    private final ProbeTarget where = new ProbeTarget();
    private CommandSpec spec;

    private VerdictProbeCommand(Context ctx, VerdictProbe probe) {
        this.ctx = ctx;
        this.probe = probe;
    }

    /** Probe texts are plain; picocli formats usage text, where a lone % ("90% of") would break the line. */
    private static String usageText(String plain) {
        return plain.replace("%", "%%");
    }

    static CommandLine create(Context ctx, VerdictProbe probe) {
        VerdictProbeCommand command = new VerdictProbeCommand(ctx, probe);
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command);
        spec.name(probe.name()).mixinStandardHelpOptions(true);
        spec.usageMessage().sortOptions(false).description(summaryAndRest(usageText(String.join(" ", probe.description()))));
        spec.addMixin("where", CommandSpec.forAnnotatedObject(command.where));
        for (VerdictProbe.Param p : probe.params()) {
            spec.addOption(OptionSpec.builder("--" + p.name()).paramLabel(p.label()).type(String.class).defaultValue(p.defaultValue())
                    .description(usageText(p.description()) + " Default: ${DEFAULT-VALUE}").build());
        }
        List<String> footer = new ArrayList<>(List.of("", "Metrics (the names a scenario's rules use):"));
        for (VerdictProbe.Metric m : probe.metrics()) {
            footer.add(usageText(String.format(Locale.ROOT, "  %-24s %s", m.name(), m.description())));
        }
        footer.addAll(List.of("", "Examples:", "  scale probe " + probe.name() + " --on redis",
                "  scale probe " + probe.name() + " --on postgres --output json", "",
                "Everything the probe writes is removed afterwards."));
        spec.usageMessage().footer(footer.toArray(String[]::new));
        command.spec = spec;
        command.where.mixee = spec;
        return new CommandLine(spec);
    }

    /** The first sentence (what the command list shows), then the rest, each wrapped by picocli. */
    private static String[] summaryAndRest(String text) {
        var m = java.util.regex.Pattern.compile("[.?] ").matcher(text);
        if (!m.find()) {
            return new String[] {text};
        }
        return new String[] {text.substring(0, m.start() + 1), text.substring(m.end())};
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> given = new LinkedHashMap<>();
        for (VerdictProbe.Param p : probe.params()) {
            OptionSpec o = spec.findOption("--" + p.name());
            given.put(p.name(), o.getValue());
        }
        Params params = Params.of(probe, given, true); // bad values are refused before anything starts
        probe.check(params);
        // a kind this probe cannot measure is refused before a disposable instance of it starts
        // (an instance of that name is measured as it is: `up` names the first of a kind after it)
        ctx.kinds().all().stream().filter(k -> k.answersTo(where.on.split(":")[0])).findFirst()
                .filter(k -> ctx.instances().list().stream().noneMatch(i -> i.name().equals(where.on)))
                .ifPresent(k -> Datastores.requireMeasurable(probe, k, where.on));
        boolean json = where.json();
        ProgressLines progress = new ProgressLines(ctx);
        Target target = where.resolve(ctx);
        Instance instance = target.instance();
        Measurement m;
        try (OrderlyExit exit = new OrderlyExit(ctx, java.time.Duration.ofSeconds(20))) {
            Fit.Store store = null;
            try {
                store = Datastores.probed(instance.name(), instance, ctx);
                m = Fit.measure(probe, store, params, line -> progress.step(instance.name(), line));
            } finally {
                if (store != null) {
                    store.close();
                }
                exit.cleaningUp();
                ProbeTarget.release(ctx, target);
            }
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("probe", probe.name());
            out.put("target", Map.of("kind", instance.kind().name(), "name", instance.name(), "version", instance.version()));
            out.put("parameters", params.all());
            if (m.notApplicable() != null) {
                out.put("notApplicable", m.notApplicable());
            }
            out.put("metrics", m.metrics());
            out.put("rows", m.rows());
            ctx.out().println(Render.json(out));
        } else {
            print(ctx.out(), probe, instance, m);
        }
        ctx.out().flush();
        return Boolean.FALSE.equals(m.metrics().get("valid")) ? 1 : 0;
    }

    static void print(PrintWriter out, VerdictProbe probe, Instance instance, Measurement m) {
        out.printf(Locale.ROOT, "%s on %s (%s %s)%n%n", probe.name(), instance.name(), instance.kind().name(), instance.version());
        if (m.notApplicable() != null) {
            out.println("N/A: " + m.notApplicable());
            return;
        }
        if (!m.rows().isEmpty()) {
            table(out, m.rows());
            out.println();
        }
        Map<String, String> meaning = new LinkedHashMap<>();
        probe.metrics().forEach(d -> meaning.put(d.name(), d.description()));
        int width = m.metrics().keySet().stream().mapToInt(String::length).max().orElse(10);
        int valueWidth = m.metrics().values().stream().mapToInt(v -> Rule.format(v).length()).filter(n -> n <= 12).max().orElse(8);
        m.metrics().forEach((k, v) -> {
            String value = Rule.format(v);
            if (value.length() > 12) { // a sentence, not a number: on its own, without the column of meanings
                out.printf(Locale.ROOT, "%-" + width + "s  %s%n", k, value);
            } else {
                out.printf(Locale.ROOT, "%-" + width + "s  %" + valueWidth + "s   %s%n", k, value, meaning.getOrDefault(k, ""));
            }
        });
    }

    /** Rows as aligned columns: numbers to the right, text to the left. */
    static void table(PrintWriter out, List<Map<String, Object>> rows) {
        List<String> columns = new ArrayList<>(rows.get(0).keySet());
        // a cell a phase does not measure is "-", not "null"
        out.print(Table.aligned(columns, rows.stream().map(r -> columns.stream().map(c -> r.get(c) == null ? "-" : Rule.format(r.get(c))).toList()).toList()));
    }
}
