package dev.scale.cli;

import dev.scale.probes.ttl.TtlProbe;
import dev.scale.probes.ttl.TtlStores;
import dev.scale.providers.Instance;
import dev.scale.providers.Names;
import dev.scale.providers.PostgresKind;
import dev.scale.providers.ScaleException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "ttl", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Can the store manage time to live? Writes keys with a short TTL, reads one in N until it is gone",
                "(lateness), leaves the rest untouched (how long until the store reclaims them), and counts early expiries.",
                "PostgreSQL has no native TTL: it is measured through an expires_at column plus a periodic DELETE."},
        footer = {"", "Examples:", "  scale probe ttl --on redis", "  scale probe ttl --on postgres --ttl 1s --output json",
                "", "Writes keys scale:ttl:* (Redis) or table scale_kv_session (PostgreSQL), and removes them afterwards."})
final class TtlProbeCommand implements Callable<Integer> {
    @ParentCommand
    ProbeCommand parent;

    @picocli.CommandLine.Mixin
    ProbeTarget where;

    @Option(names = "--keys", defaultValue = "2000", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}")
    int keys;

    @Option(names = "--ttl", defaultValue = "2s", paramLabel = "D", description = "The keys' time to live. Default: ${DEFAULT-VALUE}")
    String ttl;

    @Option(names = "--poll-every", defaultValue = "10", paramLabel = "N", description = "Read one key in N; leave the rest untouched. Default: ${DEFAULT-VALUE}")
    int pollEvery;

    @Option(names = "--sweep", defaultValue = "1s", paramLabel = "D", description = "PostgreSQL: how often the emulation deletes expired rows. Default: ${DEFAULT-VALUE}")
    String sweep;

    @Override
    public Integer call() throws Exception {
        Context ctx = parent.context();
        boolean json = where.json();
        Duration life = Names.parseDuration("--ttl", ttl, false);
        Duration sweepEvery = Names.parseDuration("--sweep", sweep, false);
        if (pollEvery < 1 || pollEvery > keys) {
            throw ScaleException.usage("--poll-every must be between 1 and --keys");
        }
        Target target = where.resolve(ctx);
        Instance instance = target.instance();
        TtlProbe.Result r;
        try {
            TtlProbe.Store store = instance.kind() instanceof PostgresKind ? TtlStores.postgres(instance.endpoint()) : TtlStores.redis(instance.endpoint());
            r = TtlProbe.run(store, keys, life, pollEvery, sweepEvery);
        } finally {
            ProbeTarget.release(ctx, target);
        }
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("probe", "ttl");
            m.put("target", Map.of("kind", instance.kind().name(), "name", instance.name(), "version", instance.version()));
            m.put("result", r);
            ctx.out().println(Render.json(m));
        } else {
            var out = ctx.out();
            out.printf(Locale.ROOT, "ttl on %s (%s %s): %,d keys with a %d ms TTL, %d of them read until gone%n%n",
                    instance.name(), instance.kind().name(), instance.version(), r.keys(), r.ttlMillis(), r.polled());
            out.printf(Locale.ROOT, "native TTL          %s%n", r.nativeTtl() ? "yes" : "no — emulated: " + r.emulation());
            out.printf(Locale.ROOT, "early expiries      %d%n", r.earlyExpiries());
            out.printf(Locale.ROOT, "lateness            p50 %.2f ms · p99 %.2f ms · max %.2f ms%n", r.latenessP50Millis(), r.latenessP99Millis(), r.latenessMaxMillis());
            out.printf(Locale.ROOT, "untouched reclaimed %s%n", r.allReclaimed()
                    ? String.format(Locale.ROOT, "%.0f ms after the last deadline", r.reclaimedAfterMillis()) : "not within 30 s");
            if (!r.nativeTtl()) {
                out.printf(Locale.ROOT, "emulation cost      %.2f ms per DELETE sweep%n", r.sweepMillisAverage());
            }
        }
        ctx.out().flush();
        return 0;
    }
}
