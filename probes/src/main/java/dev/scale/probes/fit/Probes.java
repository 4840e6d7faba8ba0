package dev.scale.probes.fit;

import dev.scale.probes.VerdictProbe;
import dev.scale.probes.atomic.AtomicRmwProbe;

import dev.scale.probes.RwMixProbe;
import dev.scale.probes.capacity.CapacityProbe;
import dev.scale.probes.concurrency.WriteConcurrencyProbe;
import dev.scale.probes.model.KvModelProbe;
import dev.scale.probes.model.RelationalProbe;
import dev.scale.probes.objects.ObjectProbe;
import dev.scale.probes.queue.QueueProbe;
import dev.scale.probes.transactions.TransactionsProbe;
import dev.scale.probes.ttl.TtlProbe;
import java.util.List;
import java.util.Optional;

/** The verdict probes, by name: what scenarios and {@code scale probe} can run. */
public final class Probes {
    private static final List<VerdictProbe> ALL = List.of(new TtlProbe(), new WriteConcurrencyProbe(), new AtomicRmwProbe(),
            new TransactionsProbe(), new CapacityProbe(), new KvModelProbe(), new RelationalProbe(), new RwMixProbe(), new QueueProbe(),
            new ObjectProbe(), new dev.scale.probes.failover.FailoverProbe());

    private Probes() {
    }

    public static List<VerdictProbe> all() {
        return ALL;
    }

    public static Optional<VerdictProbe> byName(String name) {
        return ALL.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    public static String names() {
        return String.join(", ", ALL.stream().map(VerdictProbe::name).toList());
    }
}
