package dev.scale.probes.fit;

import dev.scale.probes.Restarter;
import dev.scale.probes.ObjectStore;
import dev.scale.probes.Measurement;

import dev.scale.probes.Params;
import dev.scale.probes.StoreAdapter;
import dev.scale.probes.VerdictProbe;
import dev.scale.probes.QueueStore;
import dev.scale.errors.ScaleException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a scenario on stores, one store at a time (two stores measured at once would share the
 * machine's cores and each would look slower than it is), and judges every requirement by its rules.
 * A probe runs once per store for a given set of parameters, even if several requirements read it.
 */
public final class Fit {

    public enum Verdict {
        PASS, FAIL, NA;

        /** As printed: PASS, FAIL, N/A. */
        public String label() {
            return this == NA ? "N/A" : name();
        }
    }

    /**
     * A store to judge, by the name the user knows it by, with what the probes can use of it: its key/value adapter,
     * its queue adapter and its object adapter, each null where the kind has none (a broker keeps no keys; memcached
     * carries no messages), and the way to restart its server for each, null where scale did not start it.
     */
    /**
     * @param replicated the instance as the failover probe drives it, or null for one server
     * @param single    why there is nothing to fail over to, where {@code replicated} is null
     */
    public record Store(String name, String kind, String version, StoreAdapter adapter, QueueStore queues, Restarter<QueueStore> restarter,
                        ObjectStore objects, Restarter<ObjectStore> objectsRestarter, dev.scale.probes.Replicated replicated, String single) {
        public Store(String name, String kind, String version, StoreAdapter adapter, QueueStore queues) {
            this(name, kind, version, adapter, queues, null, null, null, null, null);
        }

        public Store(String name, String kind, String version, StoreAdapter adapter, QueueStore queues, Restarter<QueueStore> restarter,
                     ObjectStore objects, Restarter<ObjectStore> objectsRestarter) {
            this(name, kind, version, adapter, queues, restarter, objects, objectsRestarter, null, null);
        }

        /** Closes the adapters. */
        public void close() {
            if (adapter != null) {
                adapter.close();
            }
            if (queues != null) {
                queues.close();
            }
            if (objects != null) {
                objects.close();
            }
            if (replicated != null) {
                replicated.close();
            }
        }
    }

    /** One requirement on one store. */
    public record Cell(String requirement, String store, Verdict verdict, String evidence, Map<String, Object> metrics) {
    }

    public record Outcome(Scenario scenario, List<Store> stores, List<Cell> cells, Map<String, List<Measurement>> measurements) {
        public Cell cell(String requirement, String store) {
            return cells.stream().filter(c -> c.requirement().equals(requirement) && c.store().equals(store)).findFirst().orElseThrow();
        }

        /** Whether no requirement FAILed on this store (N/A does not fail). */
        public boolean passes(String store) {
            return cells.stream().filter(c -> c.store().equals(store)).noneMatch(c -> c.verdict() == Verdict.FAIL);
        }
    }

    /** Where a run is: which store and requirement, then the probe's own lines. */
    public interface Listener {
        void requirement(Store store, int index, int total, Requirement requirement);

        void progress(Store store, String line);
    }

    private Fit() {
    }

    public static Outcome run(Scenario scenario, List<Store> stores, Listener listener) {
        List<Cell> cells = new ArrayList<>();
        Map<String, List<Measurement>> measured = new LinkedHashMap<>();
        for (Store store : stores) {
            Map<String, Measurement> cache = new HashMap<>();
            List<Requirement> reqs = scenario.requirements();
            for (int i = 0; i < reqs.size(); i++) {
                Requirement r = reqs.get(i);
                listener.requirement(store, i + 1, reqs.size(), r);
                if (r.notMeasured() != null) {
                    cells.add(new Cell(r.name(), store.name(), Verdict.NA, r.notMeasured(), Map.of()));
                    continue;
                }
                String key = r.probe().name() + r.params().all();
                Measurement m = cache.get(key);
                if (m == null) {
                    try {
                        m = measure(r.probe(), store, r.params(), line -> listener.progress(store, line));
                    } catch (Exception e) {
                        if (interrupted(e)) {
                            throw ScaleException.failure("interrupted", e); // Ctrl-C: stop the run, not judge the store
                        }
                        if (e instanceof ScaleException se && se.exitCode() == dev.scale.errors.ExitCode.USAGE) {
                            throw se;
                        }
                        m = failed(r, e instanceof ScaleException se ? se.oneLine() : e.getMessage() == null ? e.toString() : e.getMessage());
                    }
                    cache.put(key, m);
                    measured.computeIfAbsent(store.name(), s -> new ArrayList<>()).add(m);
                }
                cells.add(judge(r, store.name(), m));
            }
        }
        return new Outcome(scenario, stores, cells, measured);
    }

    /** Runs the probe on the adapter it needs; N/A, with the reason, where the store has none. */
    public static Measurement measure(VerdictProbe probe, Store store, Params params, java.util.function.Consumer<String> progress) throws Exception {
        if (probe.measuresFailover()) {
            return store.replicated() == null
                    ? Measurement.notApplicable(probe.name(), store.single() != null ? store.single() : store.kind() + " has no replica to fail over to", Map.of())
                    : probe.runOnReplicated(store.replicated(), params, progress);
        }
        if (probe.measuresObjects()) {
            return store.objects() == null ? Measurement.notApplicable(probe.name(), store.kind() + " keeps no objects", Map.of())
                    : probe.runOnObjects(store.objects(), store.objectsRestarter(), params, progress);
        }
        if (probe.measuresQueues()) {
            return store.queues() == null ? Measurement.notApplicable(probe.name(), store.kind() + " carries no messages", Map.of())
                    : probe.runOnQueues(store.queues(), store.restarter(), params, progress);
        }
        return store.adapter() == null ? Measurement.notApplicable(probe.name(), store.kind() + " is an event broker: it keeps no keys", Map.of())
                : probe.run(store.adapter(), params, progress);
    }

    /** Whether the thread was interrupted or the failure comes from an interruption. */
    private static boolean interrupted(Throwable e) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException || t instanceof java.nio.channels.ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }

    private static Measurement failed(Requirement r, String why) {
        return new Measurement(r.probe().name(), Map.of("probe_error", why), List.of(), null);
    }

    /** The verdict of one requirement from one measurement: N/A, PASS when every rule holds, FAIL with the rules that did not. */
    public static Cell judge(Requirement r, String store, Measurement m) {
        if (m.notApplicable() != null) {
            return new Cell(r.name(), store, Verdict.NA, m.notApplicable(), m.metrics());
        }
        if (m.metrics().containsKey("probe_error")) {
            return new Cell(r.name(), store, Verdict.FAIL, "the probe failed: " + m.metrics().get("probe_error"), m.metrics());
        }
        List<String> failed = new ArrayList<>();
        for (Rule rule : r.pass()) {
            if (!rule.holds(m.metrics())) {
                failed.add(rule.failure(m.metrics()));
            }
        }
        String evidence = r.evidence(m.metrics());
        if (failed.isEmpty()) {
            return new Cell(r.name(), store, Verdict.PASS, evidence.isEmpty() ? String.join(", ", r.pass().stream().map(Rule::toString).toList()) : evidence,
                    m.metrics());
        }
        String why = String.join("; ", failed);
        return new Cell(r.name(), store, Verdict.FAIL, evidence.isEmpty() ? why : why + " — " + evidence, m.metrics());
    }
}
