package dev.scale.probes;

import dev.scale.probes.Measurement;
import dev.scale.probes.Params;
import dev.scale.probes.VerdictProbe;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * "Mostly reads or writes?" as a verdict: the kv probe's engine runs a mix (YCSB's, or percentages)
 * for a short time, by default at a fixed rate (an open loop, so stalls count), and its latency
 * percentiles are what a scenario's SLO rule judges.
 */
public final class RwMixProbe implements VerdictProbe {

    @Override
    public String name() {
        return "rw-mix";
    }

    @Override
    public List<String> description() {
        return List.of("How fast are reads and writes at a steady rate? The kv probe's engine, short, for a latency objective: a read/write mix at a fixed rate",
                "(open loop: latency from each operation's intended start) or flat out (rate 0). Reports",
                "throughput and p50/p99/p99.9/max, overall and for reads and writes.");
    }

    @Override
    public List<Param> params() {
        return List.of(
                Param.text("mix", "b", "a (50/50), b (95/5 reads), c (reads), f (read-modify-write), or read=90,update=10."),
                Param.number("rate", 2000, 0, 10_000_000, "Operations per second (open loop); 0: closed loop, flat out."),
                Param.number("clients", 8, 1, 4096, "Connections."),
                Param.number("keys", 10_000, 1, 100_000_000, "Keyspace, loaded first."),
                Param.size("value-size", "1024", 1, 16 << 20, "Bytes per value."),
                Param.text("distribution", "zipfian", "zipfian, uniform or latest."),
                Param.duration("duration", "5s", 500, 3_600_000, "Measured time."),
                Param.duration("warmup", "1s", 0, 600_000, "Unmeasured time first."));
    }

    @Override
    public List<Metric> metrics() {
        return List.of(
                new Metric("ops_per_s", "operations per second"),
                new Metric("p50_ms", "median latency, all operations"),
                new Metric("p99_ms", "p99 latency, all operations"),
                new Metric("p999_ms", "p99.9 latency, all operations"),
                new Metric("max_ms", "worst latency"),
                new Metric("read_p99_ms", "p99 of reads"),
                new Metric("write_p99_ms", "p99 of writes (update, insert, read-modify-write)"),
                new Metric("errors", "failed operations"),
                new Metric("valid", "the generator kept its schedule (open loop), so the latencies are the store's"),
                new Metric("invalid_reason", "why the run is not valid, when it is not"));
    }

    @Override
    public Measurement run(StoreAdapter store, Params params, Consumer<String> progress) {
        Workload w = new Workload(Mix.parse(params.text("mix")), params.number("keys"), (int) params.bytes("value-size"),
                params.text("distribution").toLowerCase(Locale.ROOT), params.integer("clients"), 1, params.number("rate"),
                params.duration("duration"), params.duration("warmup"));
        Result r;
        try (Driver driver = store.driver()) {
            try {
                progress.accept("loading " + w.keys() + " keys");
                r = KvProbe.run(driver, w, new KvProbe.Listener() {
                    @Override
                    public void loaded(long keys, long total) {
                    }

                    @Override
                    public void tick(double elapsed, boolean warmingUp, double opsPerSecond, double p99Micros) {
                        progress.accept(String.format(Locale.ROOT, "mix %s %s: %,.0f ops/s, p99 %.2f ms", w.mix().name(),
                                warmingUp ? "warming up" : "measuring", opsPerSecond, p99Micros / 1000));
                    }
                });
            } finally {
                try {
                    driver.cleanUp(w);
                } catch (Exception e) {
                    progress.accept("could not remove the probe's keys: " + e.getMessage());
                }
            }
        }
        Result.Latency all = r.latency().get("all");
        Result.Latency read = r.latency().get("read");
        // writes: every operation type but reads (update, insert, read-modify-write); absent from a read-only mix
        Double writeP99 = r.latency().entrySet().stream().filter(e -> !e.getKey().equals("read") && !e.getKey().equals("all"))
                .map(e -> e.getValue().p99() / 1000).max(Double::compare).orElse(null);
        List<Map<String, Object>> rows = new ArrayList<>();
        r.latency().forEach((op, l) -> rows.add(Measurement.row("op", op,
                "ops_per_s", (op.equals("all") ? r.operations() : r.operationsByType().get(op)) / r.seconds(),
                "p50_ms", l.p50() / 1000, "p90_ms", l.p90() / 1000, "p99_ms", l.p99() / 1000, "p999_ms", l.p999() / 1000,
                "max_ms", l.max() / 1000)));
        return Measurement.of(name(), new Measurement.Metrics()
                .put("ops_per_s", r.opsPerSecond())
                .put("p50_ms", all == null ? null : all.p50() / 1000)
                .put("p99_ms", all == null ? null : all.p99() / 1000)
                .put("p999_ms", all == null ? null : all.p999() / 1000)
                .put("max_ms", all == null ? null : all.max() / 1000)
                .put("read_p99_ms", read == null ? null : read.p99() / 1000)
                .put("write_p99_ms", writeP99)
                .put("errors", r.errors())
                .put("valid", r.valid())
                .put("invalid_reason", r.invalidReason())
                .build(), rows);
    }
}
