package dev.scale.cli;

import dev.scale.probes.atomic.AtomicRmwProbe;
import dev.scale.probes.atomic.PostgresMethods;
import dev.scale.probes.atomic.RedisMethods;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Instance;
import dev.scale.providers.PostgresKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "atomic-rmw", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Concurrent read-modify-write of one hot counter: naively (read, then write) and with each",
                "store's own primitives (Redis: INCR, WATCH/MULTI; PostgreSQL: UPDATE v = v + 1, SELECT FOR UPDATE,",
                "REPEATABLE READ and SERIALIZABLE with retry). Reports expected vs final count, lost updates,",
                "aborts per success and throughput."},
        footer = {"", "Examples:", "  scale probe atomic-rmw --on redis", "  scale probe atomic-rmw --on postgres --clients 16 --output json",
                "", "Writes keys scale:rmw:* (Redis) or table scale_rmw_probe (PostgreSQL), and removes them afterwards."})
final class AtomicRmwProbeCommand implements Callable<Integer> {
    @ParentCommand
    ProbeCommand parent;

    @picocli.CommandLine.Mixin
    ProbeTarget where;

    @Option(names = "--clients", defaultValue = "8", paramLabel = "N", description = "Concurrent clients. Default: ${DEFAULT-VALUE}")
    int clients;

    @Option(names = "--increments", defaultValue = "500", paramLabel = "N", description = "Increments per client. Default: ${DEFAULT-VALUE}")
    int increments;

    @Override
    public Integer call() throws Exception {
        Context ctx = parent.context();
        boolean json = where.json();
        AtomicRmwProbe.checkBounds(clients, increments);
        Target target = where.resolve(ctx);
        Instance instance = target.instance();
        Endpoint e = instance.endpoint();
        boolean pg = instance.kind() instanceof PostgresKind;
        List<AtomicRmwProbe.Row> rows;
        try {
            if (pg) {
                PostgresMethods.createTable(e);
                rows = AtomicRmwProbe.run(name -> PostgresMethods.open(name, e), PostgresMethods.names(), clients, increments);
            } else {
                rows = AtomicRmwProbe.run(name -> RedisMethods.open(name, e), RedisMethods.names(), clients, increments);
            }
        } finally {
            try {
                if (pg) {
                    PostgresMethods.dropTable(e);
                } else {
                    RedisMethods.cleanUp(e);
                }
            } catch (Exception cleanup) {
                ctx.info("could not remove the probe's data: " + cleanup.getMessage());
            }
            ProbeTarget.release(ctx, target);
        }
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("probe", "atomic-rmw");
            m.put("target", Map.of("kind", instance.kind().name(), "name", instance.name(), "version", instance.version()));
            m.put("parameters", Map.of("clients", clients, "increments", increments));
            m.put("results", rows);
            ctx.out().println(Render.json(m));
        } else {
            var out = ctx.out();
            out.printf(Locale.ROOT, "atomic-rmw on %s (%s %s): %d clients x %d increments of one counter%n%n",
                    instance.name(), instance.kind().name(), instance.version(), clients, increments);
            out.printf(Locale.ROOT, "%-18s %9s %9s %9s %14s %10s%n", "method", "expected", "final", "lost", "aborts/success", "ops/s");
            for (AtomicRmwProbe.Row r : rows) {
                out.printf(Locale.ROOT, "%-18s %9d %9d %9d %14.3f %,10.0f%s%n", r.method(), r.expected(), r.finalCount(), r.lostUpdates(),
                        r.abortsPerSuccess(), r.opsPerSecond(), r.lostUpdates() > 0 ? "   loses updates" : "");
            }
        }
        ctx.out().flush();
        return 0;
    }
}
