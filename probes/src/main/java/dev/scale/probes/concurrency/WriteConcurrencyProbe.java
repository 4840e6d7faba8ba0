package dev.scale.probes.concurrency;

import dev.scale.probes.Clients;
import dev.scale.probes.StoreAdapter;
import dev.scale.probes.Measurement;
import dev.scale.probes.Params;
import dev.scale.probes.VerdictProbe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * "Multiple writes at the same time?" measured: 1, 2, 4 … N writers, each with its own connection, write
 * for a fixed time, first each to its own keys, then all to one hot key. The curve shows whether more
 * writers get more done (speedup), what contention on one key costs, and any errors or aborts.
 */
public final class WriteConcurrencyProbe implements VerdictProbe {

    @Override
    public String name() {
        return "write-concurrency";
    }

    @Override
    public List<String> description() {
        return List.of("Can several clients write at the same time? 1, 2, 4 … N writers, each on its own connection,",
                "write for a fixed time to distinct keys, then all to one hot key. Reports the throughput curve,",
                "speedup and scaling efficiency against one writer, p99 latency, and errors.");
    }

    @Override
    public List<Param> params() {
        return List.of(
                Param.number("max-writers", 8, 1, 256, "The last step's writers (steps double from 1)."),
                Param.duration("step", "2s", 200, 300_000, "How long each step writes."),
                Param.number("keys", 10_000, 1, 10_000_000, "Distinct keys per writer in the distinct-keys steps."),
                Param.size("value-size", "256", 1, 1 << 20, "Bytes per value."));
    }

    @Override
    public List<Metric> metrics() {
        return List.of(
                new Metric("single_writer_ops_per_s", "writes per second with one writer"),
                new Metric("max_ops_per_s", "the best step's writes per second, distinct keys"),
                new Metric("speedup", "max_ops_per_s / single_writer_ops_per_s"),
                new Metric("scaling_efficiency", "speedup / writers of the best step (1.0: linear)"),
                new Metric("p99_ms", "p99 write latency at max-writers, distinct keys"),
                new Metric("hot_key_ops_per_s", "writes per second with max-writers on one key"),
                new Metric("hot_key_p99_ms", "p99 write latency with max-writers on one key"),
                new Metric("hot_key_ratio", "hot_key_ops_per_s / distinct-keys writes per second at max-writers"),
                new Metric("errors", "failed writes over all steps"));
    }

    @Override
    public Measurement run(StoreAdapter store, Params params, Consumer<String> progress) throws Exception {
        int max = params.integer("max-writers");
        Duration step = params.duration("step");
        int keys = params.integer("keys");
        byte[] value = new byte[(int) params.bytes("value-size")];
        java.util.Arrays.fill(value, (byte) 'w');
        String prefix = "scale:wc:" + Long.toHexString(System.nanoTime()) + ":";
        List<Map<String, Object>> rows = new ArrayList<>();
        long errors = 0;
        double single = 0;
        double best = 0;
        int bestWriters = 1;
        Clients.Outcome last = null;
        Clients.Outcome hot = null;
        try {
            for (String mode : List.of("distinct", "hot")) {
                for (int writers = 1; writers <= max; writers = writers == max ? max + 1 : Math.min(max, writers * 2)) {
                    progress.accept(String.format(Locale.ROOT, "%d writer%s on %s", writers, writers == 1 ? "" : "s",
                            mode.equals("hot") ? "one hot key" : "distinct keys"));
                    boolean distinct = mode.equals("distinct");
                    Clients.Outcome o = Clients.run(store, writers, step, (s, client, i) ->
                            s.put(distinct ? prefix + client + ":" + (i % keys) : prefix + "hot", value));
                    errors += o.errors();
                    rows.add(Measurement.row("mode", mode, "writers", writers, "ops_per_s", o.opsPerSecond(),
                            "p50_ms", o.percentileMillis(50), "p99_ms", o.percentileMillis(99), "errors", o.errors()));
                    if (distinct) {
                        if (writers == 1) {
                            single = o.opsPerSecond();
                        }
                        if (o.opsPerSecond() > best) {
                            best = o.opsPerSecond();
                            bestWriters = writers;
                        }
                        last = o;
                    } else if (writers == max) {
                        hot = o;
                    }
                }
            }
        } finally {
            store.deleteByPrefix(prefix);
        }
        double speedup = single == 0 ? 0 : best / single;
        return Measurement.of(name(), new Measurement.Metrics()
                .put("single_writer_ops_per_s", single)
                .put("max_ops_per_s", best)
                .put("speedup", speedup)
                .put("scaling_efficiency", speedup / bestWriters)
                .put("p99_ms", last.percentileMillis(99))
                .put("hot_key_ops_per_s", hot.opsPerSecond())
                .put("hot_key_p99_ms", hot.percentileMillis(99))
                .put("hot_key_ratio", last.opsPerSecond() == 0 ? 0.0 : hot.opsPerSecond() / last.opsPerSecond())
                .put("errors", errors)
                .build(), rows);
    }
}
