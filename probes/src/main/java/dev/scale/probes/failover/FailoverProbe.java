package dev.scale.probes.failover;

import dev.scale.probes.Replicated;
import dev.scale.probes.SetTest;
import dev.scale.probes.History;
import dev.scale.errors.ScaleException;
import dev.scale.probes.Measurement;
import dev.scale.probes.Params;
import dev.scale.probes.StoreAdapter;
import dev.scale.probes.VerdictProbe;
import dev.scale.providers.Topology;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * High availability? What a failover costs, measured the way Jepsen's "set" test does: writers add unique ids at a
 * fixed rate through a client that follows failovers; a third of the way through, the primary gets the fault (kill -9,
 * a pause of every process, or a cut from the network), undone at two thirds; once the topology is whole again every
 * id is read back. Repeated {@code --runs} times, each run against whichever member is primary then.
 */
public final class FailoverProbe implements VerdictProbe {
    static final List<String> FAULTS = List.of("kill", "pause", "cut");

    @Override
    public String name() {
        return "failover";
    }

    @Override
    public List<String> description() {
        return List.of("High availability? Writers add unique ids at a fixed rate through a client that follows failovers; the",
                "primary is killed (kill -9), paused or cut from the network a third of the way through and brought back at two",
                "thirds; every id is then read back. Repeated --runs times: the unavailability window (p50, max), acknowledged",
                "writes lost, writes in an unknown state and the time to promote. Needs a replicated instance:",
                "scale up redis --replicas 1 --sentinels 3.");
    }

    @Override
    public List<Param> params() {
        return List.of(
                Param.text("fault", "kill", "What happens to the primary: kill (kill -9, then started again), pause (every process frozen),"
                        + " cut (taken off the network)."),
                Param.number("runs", 3, 1, 20, "How many times: each run faults whichever member is primary then."),
                Param.duration("duration", "30s", 3_000, 600_000, "How long the writers run each time; the fault at a third, undone at two thirds."
                        + " Each third must outlast the store's failover (Sentinel's down-after and then some)."),
                Param.number("rate", 200, 1, 20_000, "Writes per second, all writers together, at a fixed schedule (a slow store does not slow it)."),
                Param.number("writers", 4, 1, 64, "Concurrent writers, each with its own connection."),
                Param.duration("timeout", "1s", 50, 60_000, "How long a write waits for its answer; after that its outcome is unknown."));
    }

    @Override
    public List<Metric> metrics() {
        return List.of(
                new Metric("runs", "runs made"),
                new Metric("writes", "writes sent, all runs"),
                new Metric("acknowledged", "writes the store acknowledged, all runs"),
                new Metric("acknowledged_lost", "acknowledged writes missing when read back, all runs (the failover lost them)"),
                new Metric("acknowledged_lost_max", "the most acknowledged writes one run lost"),
                new Metric("unknown", "writes whose answer never came (a timeout, a cut connection), all runs"),
                new Metric("unknown_present", "of those, the ones that happened"),
                new Metric("refused_present", "writes the store refused that are there anyway"),
                new Metric("window_p50_ms", "median unavailability window: the longest time without an acknowledged write, after the fault"),
                new Metric("window_max_ms", "the longest unavailability window of any run"),
                new Metric("promote_p50_ms", "median time from the fault to the store naming a new primary"),
                new Metric("promote_max_ms", "the longest time to promote"),
                new Metric("promoted_runs", "runs in which a new primary was named"),
                new Metric("recovered", "true when every run saw writes acknowledged again after the fault"));
    }

    @Override
    public void check(Params params) {
        if (!FAULTS.contains(params.text("fault"))) {
            throw ScaleException.usage("bad --fault '" + params.text("fault") + "'", "use one of " + String.join(", ", FAULTS));
        }
    }

    @Override
    public boolean measuresFailover() {
        return true;
    }

    @Override
    public Measurement run(StoreAdapter store, Params params, Consumer<String> progress) {
        throw new UnsupportedOperationException("failover measures a replicated instance, not keys");
    }

    @Override
    public Measurement runOnReplicated(Replicated store, Params params, Consumer<String> progress) throws Exception {
        check(params);
        Topology.Fault fault = switch (params.text("fault")) {
            case "pause" -> Topology.Fault.PAUSE;
            case "cut" -> Topology.Fault.CUT;
            default -> Topology.Fault.KILL;
        };
        Topology.Fault heal = switch (fault) {
            case PAUSE -> Topology.Fault.UNPAUSE;
            case CUT -> Topology.Fault.RECONNECT;
            default -> Topology.Fault.START;
        };
        int runs = (int) params.number("runs");
        double seconds = params.duration("duration").toMillis() / 1000.0;
        int rate = (int) params.number("rate");
        int writers = (int) params.number("writers");
        int timeout = (int) params.duration("timeout").toMillis();
        long settleBudget = java.util.concurrent.TimeUnit.SECONDS.toNanos(60) + (long) (seconds * 1e9);
        List<History.Analysis> analyses = new ArrayList<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        try {
            for (String undone : store.undoLeftovers()) { // a probe killed between a fault and its undoing
                progress.accept(undone);
            }
            for (int run = 1; run <= runs; run++) {
                awaitWhole(store, settleBudget);
                String victim = store.primary();
                progress.accept(String.format(Locale.ROOT, "run %d of %d: %d writes/s for %.0fs, %s of %s at %.0fs", run, runs, rate, seconds,
                        params.text("fault"), victim, seconds / 3));
                History.Analysis a;
                // 0: untouched, 1: faulted, 2: healed; an interrupted run (Ctrl-C) undoes its fault on the way out
                java.util.concurrent.atomic.AtomicInteger state = new java.util.concurrent.atomic.AtomicInteger();
                try (SetTest.Target target = store.target(timeout, () -> {
                    state.set(1);
                    act(store, victim, fault);
                }, () -> {
                    act(store, victim, heal);
                    state.set(2);
                })) {
                    a = SetTest.run(target, writers, rate, seconds, 2000).analyse();
                } finally {
                    if (state.get() == 1) {
                        act(store, victim, heal);
                    }
                }
                analyses.add(a);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("run", run);
                row.put("primary", victim);
                row.put("writes", a.writes());
                row.put("acknowledged", a.acknowledged());
                row.put("lost", a.acknowledgedLost());
                row.put("unknown", a.unknown());
                row.put("window_ms", a.windowMillis() == null ? null : Math.round(a.windowMillis()));
                row.put("promote_ms", a.promoteMillis() == null ? null : Math.round(a.promoteMillis()));
                rows.add(row);
                progress.accept(String.format(Locale.ROOT, "run %d: window %s ms, promoted after %s ms, %d acknowledged lost, %d unknown", run,
                        row.get("window_ms") == null ? "-" : row.get("window_ms"), row.get("promote_ms") == null ? "-" : row.get("promote_ms"),
                        a.acknowledgedLost(), a.unknown()));
            }
            awaitWhole(store, settleBudget);
        } finally {
            store.clean();
        }
        return Measurement.of(name(), metrics(analyses), rows);
    }

    /** Waits for the topology to be whole again; one line that says what is missing if it does not come back. */
    private static void awaitWhole(Replicated store, long budgetNanos) throws Exception {
        try {
            store.awaitWhole(System.nanoTime() + budgetNanos);
        } catch (IllegalStateException e) {
            throw ScaleException.failure(e.getMessage() + " within " + budgetNanos / 1_000_000_000 + " s",
                    "run the probe again once it has recovered, or scale down the instance and start another", e);
        }
    }

    /** A fault's step, unchecked: the set test's schedule calls it. */
    private static void act(Replicated store, String member, Topology.Fault f) {
        try {
            store.fault(member, f);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(f.name().toLowerCase(Locale.ROOT) + " of " + member + " failed: " + e.getMessage(), e);
        }
    }

    static Map<String, Object> metrics(List<History.Analysis> analyses) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runs", analyses.size());
        m.put("writes", analyses.stream().mapToInt(History.Analysis::writes).sum());
        m.put("acknowledged", analyses.stream().mapToInt(History.Analysis::acknowledged).sum());
        m.put("acknowledged_lost", analyses.stream().mapToInt(History.Analysis::acknowledgedLost).sum());
        m.put("acknowledged_lost_max", analyses.stream().mapToInt(History.Analysis::acknowledgedLost).max().orElse(0));
        m.put("unknown", analyses.stream().mapToInt(History.Analysis::unknown).sum());
        m.put("unknown_present", analyses.stream().mapToInt(History.Analysis::unknownPresent).sum());
        m.put("refused_present", analyses.stream().mapToInt(History.Analysis::refusedPresent).sum());
        List<Double> windows = analyses.stream().map(History.Analysis::windowMillis).filter(java.util.Objects::nonNull).sorted().toList();
        List<Double> promotes = analyses.stream().map(History.Analysis::promoteMillis).filter(java.util.Objects::nonNull).sorted().toList();
        m.put("window_p50_ms", median(windows));
        m.put("window_max_ms", windows.isEmpty() ? null : Math.round(windows.get(windows.size() - 1)));
        m.put("promote_p50_ms", median(promotes));
        m.put("promote_max_ms", promotes.isEmpty() ? null : Math.round(promotes.get(promotes.size() - 1)));
        m.put("promoted_runs", promotes.size());
        m.put("recovered", windows.size() == analyses.size());
        return m;
    }

    /** The median, the lower of the middle two for an even count (a value some run saw), rounded to a millisecond. */
    static Long median(List<Double> sorted) {
        return sorted.isEmpty() ? null : Math.round(sorted.get((sorted.size() - 1) / 2));
    }
}
