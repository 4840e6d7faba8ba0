package dev.scale.cli;

import dev.scale.cli.output.Table;

import dev.scale.cli.context.Context;
import dev.scale.cli.context.OrderlyExit;
import dev.scale.cli.output.Render;

import dev.scale.probes.Driver;
import dev.scale.probes.KvProbe;
import dev.scale.probes.Mix;
import dev.scale.probes.Result;
import dev.scale.probes.Workload;
import dev.scale.probes.StoreAdapter;
import dev.scale.providers.Instance;
import dev.scale.providers.Names;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "kv", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Key/value throughput and latency, with YCSB's core workloads.",
                "A 50/50 read/update, B 95/5, C read-only, F read-modify-write. A load phase writes every key first. Latency per "
                + "operation type, in HdrHistogram; with --rate, an open loop measures from each operation's intended start, so "
                + "stalls cannot hide (coordinated omission), and reports service time too."},
        footer = {"", "Examples:",
                "  scale probe kv --on redis                        a disposable Redis, workload A, 30 s",
                "  scale probe kv --on db --mix c --clients 8       a running instance named db",
                "  scale probe kv --on redis://default:pw@staging:6379/0 --rate 5000 --output json",
                "", "Writes keys scale:kv:* (Redis) or table scale_kv_probe (PostgreSQL), and removes them afterwards."})
final class KvProbeCommand implements Callable<Integer> {
    @ParentCommand
    ProbeCommand parent;

    @picocli.CommandLine.Mixin
    ProbeTarget where;

    @Option(names = "--mix", defaultValue = "a", paramLabel = "MIX", description = "a, b, c, f, or read=95,update=5. Default: ${DEFAULT-VALUE}")
    String mix;

    @Option(names = "--keys", defaultValue = "100000", paramLabel = "N", description = "Keyspace size. Default: ${DEFAULT-VALUE}")
    long keys;

    @Option(names = "--value-size", defaultValue = "1024", paramLabel = "BYTES", description = "Default: ${DEFAULT-VALUE}")
    int valueSize;

    @Option(names = "--distribution", defaultValue = "zipfian", paramLabel = "D", description = "zipfian, uniform or latest. Default: ${DEFAULT-VALUE}")
    String distribution;

    @Option(names = "--clients", defaultValue = "50", paramLabel = "N", description = "Connections. Default: ${DEFAULT-VALUE}")
    int clients;

    @Option(names = "--pipeline", defaultValue = "1", paramLabel = "N", description = "Operations in flight per connection. Default: ${DEFAULT-VALUE}")
    int pipeline;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "Load-generator event loops (like pgbench -j). Default: 1 for Redis, one per core for PostgreSQL.")
    int threads;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "OPS", description = "Open loop at this many operations per second; 0: closed loop, full speed.")
    long rate;

    @Option(names = "--duration", defaultValue = "30s", paramLabel = "D", description = "Measured time. Default: ${DEFAULT-VALUE}")
    String duration;

    @Option(names = "--warmup", defaultValue = "5s", paramLabel = "D", description = "Unmeasured time first. Default: ${DEFAULT-VALUE}")
    String warmup;

    @Override
    public Integer call() {
        Context ctx = parent.context();
        boolean json = where.json();
        Workload w = new Workload(Mix.parse(mix), keys, valueSize, distribution.toLowerCase(Locale.ROOT), clients, pipeline, rate,
                Names.parseDuration("--duration", duration, false), Names.parseDuration("--warmup", warmup, true), threads);
        // a kind that keeps no keys is refused before a disposable instance of it starts
        ctx.kinds().all().stream().filter(k -> k.answersTo(where.on.split(":")[0])).findFirst().ifPresent(k -> Datastores.requireKeys(k, where.on));
        Target target = where.resolve(ctx);
        Instance instance = target.instance();
        StoreAdapter store;
        try {
            store = Datastores.store(instance);
        } catch (RuntimeException e) {
            ProbeTarget.release(ctx, target);
            throw e;
        }
        Driver driver = store.driver();
        Result result;
        try (OrderlyExit exit = new OrderlyExit(ctx, java.time.Duration.ofSeconds(20))) {
            try {
                result = KvProbe.run(driver, w, new LiveProgress(ctx));
            } finally {
                exit.cleaningUp();
                try {
                    driver.cleanUp(w);
                } catch (Exception e) {
                    ctx.info("could not remove the probe's keys: " + e.getMessage());
                }
                store.close();
                ProbeTarget.release(ctx, target);
            }
        }
        if (json) {
            ctx.out().println(Render.json(report(instance, w, result)));
        } else {
            table(ctx, instance, w, result);
        }
        ctx.out().flush();
        return result.valid() ? 0 : 1;
    }

    static Map<String, Object> report(Instance instance, Workload w, Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("probe", "kv");
        Map<String, Object> target = new LinkedHashMap<>();
        target.put("kind", instance.kind().name());
        target.put("name", instance.name());
        target.put("provider", instance.provider());
        target.put("version", instance.version());
        target.put("host", instance.endpoint().host());
        target.put("port", instance.endpoint().port());
        m.put("target", target);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("mix", w.mix().name());
        p.put("keys", w.keys());
        p.put("valueSize", w.valueSize());
        p.put("distribution", w.distribution());
        p.put("clients", w.clients());
        p.put("pipeline", w.pipeline());
        p.put("rate", w.rate());
        p.put("threads", w.threads());
        p.put("loop", w.openLoop() ? "open" : "closed");
        p.put("durationSeconds", w.duration().toMillis() / 1000.0);
        p.put("warmupSeconds", w.warmup().toMillis() / 1000.0);
        m.put("parameters", p);
        m.put("opsPerSecond", Math.round(r.opsPerSecond() * 10) / 10.0);
        m.put("operations", r.operations());
        m.put("operationsByType", r.operationsByType());
        m.put("latency", r.latency());
        m.put("serviceTime", r.serviceTime());
        m.put("errors", r.errors());
        m.put("generatorCpu", Math.round(r.generatorCpu() * 100) / 100.0);
        m.put("valid", r.valid());
        if (!r.valid()) {
            m.put("invalidReason", r.invalidReason());
        }
        return m;
    }

    private static void table(Context ctx, Instance instance, Workload w, Result r) {
        var out = ctx.out();
        out.printf(Locale.ROOT, "kv probe on %s (%s %s, %s): mix %s (%s), %,d keys x %d B, %s, %d clients, pipeline %d, %s%n",
                instance.name(), instance.kind().name(), instance.version(), instance.provider(), w.mix().name(), w.mix().describe(),
                w.keys(), w.valueSize(), w.distribution(), w.clients(), w.pipeline(),
                w.openLoop() ? String.format(Locale.ROOT, "open loop at %,d ops/s", w.rate()) : "closed loop");
        out.printf(Locale.ROOT, "measured %.0f s after %.0f s warm-up%n%n", r.seconds(), w.warmup().toMillis() / 1000.0);
        List<List<String>> rows = new ArrayList<>();
        r.latency().forEach((op, l) -> {
            long count = op.equals("all") ? r.operations() : r.operationsByType().get(op);
            rows.add(List.of(op, String.format(Locale.ROOT, "%,.0f", count / r.seconds()), ms(l.p50()), ms(l.p90()), ms(l.p99()), ms(l.p999()), ms(l.max())));
        });
        Result.Latency s = w.openLoop() ? r.serviceTime().get("all") : null;
        if (s != null) {
            // the time from each operation's actual start, beside the latency from its intended start
            rows.add(List.of("service", "", ms(s.p50()), ms(s.p90()), ms(s.p99()), ms(s.p999()), ms(s.max())));
        }
        out.print(Table.aligned(List.of("op", "ops/s", "p50", "p90", "p99", "p99.9", "max"), rows));
        out.printf(Locale.ROOT, "%nerrors %d · generator CPU %.2f cores%s%n", r.errors(), r.generatorCpu(),
                r.valid() ? "" : " · INVALID: " + r.invalidReason());
    }

    private static String ms(double micros) {
        return micros >= 1000 ? String.format(Locale.ROOT, "%.2fms", micros / 1000) : String.format(Locale.ROOT, "%.0fus", micros);
    }

    /** Progress on stderr: a line redrawn each second on a terminal, a plain line every 5 s otherwise. */
    private static final class LiveProgress implements KvProbe.Listener {
        private final Context ctx;
        private int ticks;

        LiveProgress(Context ctx) {
            this.ctx = ctx;
        }

        @Override
        public void loaded(long keys, long total) {
            if (ctx.terminal()) {
                ctx.err().printf(Locale.ROOT, "\rscale: loading %,d/%,d keys", keys, total);
                if (keys == total) {
                    ctx.err().println();
                }
                ctx.err().flush();
            } else if (keys == total) {
                ctx.info(String.format(Locale.ROOT, "loaded %,d keys", total));
            }
        }

        @Override
        public void tick(double elapsed, boolean warmingUp, double opsPerSecond, double p99Micros) {
            String line = String.format(Locale.ROOT, "%5.0fs %s %,10.0f ops/s  p99 %s", elapsed, warmingUp ? "warm-up " : "measuring",
                    opsPerSecond, ms(p99Micros));
            if (ctx.terminal()) {
                ctx.err().print("\rscale: " + line + "   ");
                ctx.err().flush();
            } else if (++ticks % 5 == 0) {
                ctx.info(line);
            }
        }
    }
}
