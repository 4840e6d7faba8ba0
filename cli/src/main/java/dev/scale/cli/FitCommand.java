package dev.scale.cli;

import dev.scale.cli.context.Context;
import dev.scale.cli.context.OrderlyExit;
import dev.scale.cli.context.ProgressLines;

import dev.scale.cli.output.Format;
import dev.scale.cli.output.OutputOption;
import dev.scale.cli.output.Render;
import dev.scale.probes.fit.Fit;
import dev.scale.probes.fit.Requirement;
import dev.scale.probes.fit.Scenario;
import dev.scale.providers.Instance;
import dev.scale.errors.ScaleException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "fit", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Does a datastore fit a use? Runs a scenario's probes on each store and judges every requirement.",
                "A scenario (YAML) lists requirements, each measured by a probe and judged by rules on its metrics; "
                + "every verdict comes from this run's measurements. Stores are measured one after the other, "
                + "so that they do not share the machine while measured."},
        footer = {"", "Built-in scenarios: sessions (the talk's example), cache, job-queue, events, files. Copy one to start your own:",
                "  scale fit sessions --print > mine.yaml", "",
                "Examples:",
                "  scale fit sessions --on redis,postgres",
                "  scale fit ./mine.yaml --on redis --require redis           exit 1 if redis fails a requirement",
                "  scale fit cache --on redis,postgres --output json --report fit.html", "",
                "Exit codes: 0 done (and every --require store passed), 1 a required store failed, 2 bad input, 3 no engine."})
final class FitCommand implements Callable<Integer> {
    @ParentCommand
    ScaleCommand parent;

    @Parameters(index = "0", arity = "0..1", paramLabel = "SCENARIO", description = "A built-in scenario's name or a YAML file.")
    String scenario;

    @Option(names = "--on", split = ",", paramLabel = "TARGET", description = "Stores to judge: kinds (disposable), instance names or URLs, comma-separated.")
    List<String> on = new ArrayList<>();

    @Option(names = "--require", split = ",", paramLabel = "STORE", description = "Exit 1 if one of these (as named in --on) fails a requirement.")
    List<String> require = new ArrayList<>();

    @Option(names = "--provider", defaultValue = "auto", paramLabel = "P", completionCandidates = ProviderNames.class, description = "For disposable stores: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}")
    String provider;

    @picocli.CommandLine.Mixin
    OutputOption.TableOrJson output;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write a self-contained HTML report with charts.")
    Path report;

    @Option(names = "--list", description = "List the built-in scenarios.")
    boolean list;

    @Option(names = "--print", description = "Print the scenario's YAML (to copy and edit) instead of running it.")
    boolean print;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Context ctx = parent.context();
        if (list) {
            for (String name : Scenario.BUILT_IN) {
                Scenario s = Scenario.load(name);
                ctx.out().printf("%-10s %s%n", name, s.description() == null ? "" : s.description().replaceAll("\\s+", " ").strip());
            }
            ctx.out().flush();
            return 0;
        }
        if (scenario == null) {
            throw ScaleException.usage("which scenario?", "give one of " + String.join(", ", Scenario.BUILT_IN) + " or a YAML file; see scale fit --list");
        }
        Scenario s = Scenario.load(scenario); // checked whole before anything starts
        if (print) {
            ctx.out().print(Scenario.text(scenario));
            ctx.out().flush();
            return 0;
        }
        boolean json = output.format() == Format.JSON;
        if (on.isEmpty()) {
            throw ScaleException.usage("--on is missing", "name the stores to judge, e.g. --on redis,postgres");
        }
        if (new LinkedHashSet<>(on).size() != on.size()) {
            throw ScaleException.usage("--on names a store twice");
        }
        for (String r : require) {
            if (!on.contains(r)) {
                throw ScaleException.usage("--require " + r + " is not in --on", "--require names stores as --on gives them: " + String.join(", ", on));
            }
        }
        if (report != null && report.toAbsolutePath().getParent() != null && !Files.isDirectory(report.toAbsolutePath().getParent())) {
            throw ScaleException.usage("cannot write the report: no directory " + report.toAbsolutePath().getParent());
        }
        ProgressLines progress = new ProgressLines(ctx);
        boolean providerGiven = spec.commandLine().getParseResult().hasMatchedOption("--provider");
        List<Target> targets = Target.resolveAll(ctx, on, provider, progress, providerGiven);
        Fit.Outcome outcome;
        try (OrderlyExit exit = new OrderlyExit(ctx, java.time.Duration.ofSeconds(20))) {
            outcome = measure(ctx, s, targets, progress, exit);
        }
        if (json) {
            ctx.out().println(Render.json(FitRender.json(outcome)));
        } else {
            FitRender.table(ctx.out(), outcome);
        }
        if (report != null) {
            try {
                Files.writeString(report, FitReport.html(outcome, ctx.clock().instant()), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw ScaleException.failure("cannot write the report " + report + ": " + e.getMessage(), e);
            }
            ctx.info("report written to " + report);
        }
        ctx.out().flush();
        List<String> failed = require.stream().filter(r -> !outcome.passes(r)).toList();
        if (!failed.isEmpty()) {
            ctx.info("required store" + (failed.size() > 1 ? "s" : "") + " failed: " + String.join(", ", failed));
            return 1;
        }
        return 0;
    }

    /** Runs the scenario on the targets, then closes their connections and removes the disposable ones, whatever happens. */
    private Fit.Outcome measure(Context ctx, Scenario s, List<Target> targets, ProgressLines progress, OrderlyExit exit) {
        List<Fit.Store> stores = new ArrayList<>();
        try {
            for (int t = 0; t < targets.size(); t++) {
                Instance i = targets.get(t).instance();
                String label = on.get(t).contains("://") ? i.name() : on.get(t);
                stores.add(Datastores.probed(label, i, ctx));
            }
            return Fit.run(s, stores, new Fit.Listener() {
                @Override
                public void requirement(Fit.Store store, int index, int total, Requirement r) {
                    progress.step(store.name(), "(" + index + "/" + total + ") " + r.name());
                }

                @Override
                public void progress(Fit.Store store, String line) {
                    progress.step(store.name(), "    " + line);
                }
            });
        } finally {
            exit.cleaningUp();
            stores.forEach(Fit.Store::close);
            release(ctx, targets);
        }
    }

    private static void release(Context ctx, List<Target> targets) {
        List<String> disposable = targets.stream().filter(Target::disposable).map(t -> t.instance().name()).toList();
        if (!disposable.isEmpty()) {
            try {
                ctx.instances().down(disposable);
            } catch (ScaleException alreadyGone) {
                // removed by the other path (normal end or the shutdown hook)
            }
        }
    }
}
