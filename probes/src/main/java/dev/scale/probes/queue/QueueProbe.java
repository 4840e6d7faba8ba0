package dev.scale.probes.queue;

import dev.scale.probes.Restarter;
import dev.scale.errors.ScaleException;
import dev.scale.probes.Measurement;
import dev.scale.probes.Params;
import dev.scale.probes.Phases;
import dev.scale.probes.QueueStore;
import dev.scale.probes.StoreAdapter;
import dev.scale.probes.VerdictProbe;
import dev.scale.probes.QueueStore.Delivery;
import dev.scale.probes.QueueStore.Publisher;
import dev.scale.probes.QueueStore.Subscriber;
import dev.scale.probes.QueueStore.Variant;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * "Which broker for my jobs and events?" measured, one workload engine over every store's queue adapter. Each
 * message's body carries its id and the moment it was sent; every count below comes from the ids read back, never
 * from what the store says of itself. Four phases, each on a queue of its own, removed afterwards:
 * <ol>
 * <li><b>throughput</b>: one producer and one consumer at once; publish and consume rates, publish-to-consume
 * latency (HdrHistogram), lost and duplicated ids, and ids that arrived after a later one (order);</li>
 * <li><b>consumer crash</b>: a consumer takes messages, acknowledges some, and dies holding the rest; a second one
 * takes over; lost (never processed), duplicated (processed twice after an acknowledgement) and redelivered
 * (held by the dead one, then given to the other) ids;</li>
 * <li><b>consumer away</b>: the consumer leaves, messages are sent while it is away, it comes back after a while:
 * how many it still finds (a backlog kept, or dropped);</li>
 * <li><b>fan-out</b>: two consumer groups, each of which should receive every message;</li>
 * <li><b>restart</b>, only when asked for ({@code --phases restart}) and where scale started the server: messages
 * sent with nobody consuming, the server restarted (a clean stop, then a start on its own data), and how many are
 * still there.</li>
 * </ol>
 */
public final class QueueProbe implements VerdictProbe {
    /** Id and send time, then padding up to the message size. */
    static final int HEADER = 16;
    /** The most a consumer takes at once. */
    private static final int TAKE = 500;
    static final List<String> PHASES = List.of("throughput", "crash", "away", "fanout", "restart");

    @Override
    public String name() {
        return "queue";
    }

    @Override
    public List<String> description() {
        return List.of("Which broker for jobs and events? One producer and one consumer at once (publish and consume rates,",
                "publish-to-consume latency, lost, duplicated and out-of-order messages), a consumer killed holding messages",
                "it has not acknowledged, a consumer away while messages are sent, and two consumer groups (fan-out).",
                "Counts come from the message ids read back. Stores: rabbitmq (queue), redis (stream, pubsub), postgres",
                "(skip-locked, notify).");
    }

    @Override
    public List<Param> params() {
        return List.of(
                Param.text("variant", "", "How the store carries messages; empty for its first: rabbitmq queue; redis stream or pubsub; postgres skip-locked or notify."),
                Param.number("messages", 20_000, 10, 10_000_000, "Messages in the throughput phase."),
                Param.size("size", "256", HEADER, 64L << 20, "Bytes in each message body (at least 16: its id and send time)."),
                Param.number("batch", 100, 1, 10_000, "Messages sent before waiting for the store to take them (confirms, a pipeline, one INSERT); fewer where they would pass 64 MiB."),
                Param.number("fault-messages", 1_000, 10, 1_000_000, "Messages in each of the crash, away and fan-out phases."),
                Param.duration("away", "2s", 0, 600_000, "How long the consumer stays away while messages are sent."),
                Param.duration("drain", "5s", 100, 600_000, "How long a consumer waits for one more message before the rest count as lost."),
                Param.text("phases", "throughput,crash,away,fanout", "Which phases to run, of " + String.join(", ", PHASES)
                        + " (restart stops and starts the server: only where scale started it)."));
    }

    @Override
    public List<Metric> metrics() {
        return List.of(
                new Metric("variant", "how the store carried the messages"),
                new Metric("publish_per_s", "messages sent per second, each taken by the store (confirmed, committed)"),
                new Metric("consume_per_s", "messages received per second, from the first send to the last receipt"),
                new Metric("latency_p50_ms", "median time from send to receipt"),
                new Metric("latency_p99_ms", "p99 of the same"),
                new Metric("latency_p999_ms", "p99.9 of the same"),
                new Metric("latency_max_ms", "the worst of the same"),
                new Metric("lost", "throughput phase: ids sent and never received"),
                new Metric("duplicates", "throughput phase: ids received more than once"),
                new Metric("order_violations", "throughput phase: ids received after a later one (one producer, one consumer)"),
                new Metric("crash_held", "crash phase: messages the killed consumer held without acknowledging them"),
                new Metric("crash_lost", "crash phase: ids neither acknowledged by the killed consumer nor received by the next"),
                new Metric("crash_duplicates", "crash phase: ids acknowledged by the killed consumer and received again"),
                new Metric("crash_redelivered", "crash phase: ids the killed consumer held that the next one received"),
                new Metric("away_sent", "away phase: messages sent while the consumer was away"),
                new Metric("away_kept", "away phase: of those, the ones it found when it came back"),
                new Metric("away_dropped", "away phase: the ones it did not"),
                new Metric("fanout_groups", "fan-out phase: consumer groups, each meant to receive every message"),
                new Metric("fanout_lost", "fan-out phase: messages a group missed, summed over the groups"),
                new Metric("fanout_complete", "fan-out phase: every group received every message"),
                new Metric("restart_sent", "restart phase: messages sent, with nobody consuming, before the server restarted"),
                new Metric("restart_kept", "restart phase: of those, the ones a consumer found after the restart"),
                new Metric("restart_lost", "restart phase: the ones it did not"),
                new Metric("restart_seconds", "restart phase: from asking for the restart to the server answering again"),
                new Metric("persistence", "how the server keeps data over a restart, as it reports it"),
                new Metric("heap_peak_bytes", "scale's Java heap during the throughput phase: the sum of each heap pool's peak"),
                new Metric("rss_peak_bytes", "scale's whole process at its peak (resident memory, JVM included)"));
    }

    @Override
    public void check(Params params) {
        Phases.of(params.text("phases"), PHASES);
    }

    @Override
    public boolean measuresQueues() {
        return true;
    }

    @Override
    public Measurement run(StoreAdapter store, Params params, Consumer<String> progress) {
        return Measurement.notApplicable(name(), store.kind() + " carries no messages scale can measure", Map.of());
    }

    @Override
    public Measurement runOnQueues(QueueStore store, Restarter<QueueStore> restarter, Params params, Consumer<String> progress) throws Exception {
        try {
            return measure(store, restarter, params, progress);
        } catch (ScaleException | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            // the store closed a connection, refused a message, ran out of room: one line, exit 1, in the store's words
            throw ScaleException.failure("the queue probe failed on " + store.kind() + ": " + Phases.describe(e), e);
        }
    }


    private Measurement measure(QueueStore store, Restarter<QueueStore> restarter, Params params, Consumer<String> progress) throws Exception {
        Variant variant = variant(store, params.text("variant"));
        List<String> phases = Phases.of(params.text("phases"), PHASES);
        int messages = params.integer("messages");
        int size = Math.toIntExact(params.bytes("size"));
        // at most 64 MiB sent before waiting for the store: 100 messages of 40 MB would be 4 GB in flight
        int batch = (int) Math.max(1, Math.min(params.integer("batch"), (64L << 20) / size));
        int faults = params.integer("fault-messages");
        long away = params.duration("away").toMillis();
        long drain = params.duration("drain").toMillis();
        String prefix = "scale-probe-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Measurement.Metrics metrics = new Measurement.Metrics().put("variant", variant.name());
        List<Map<String, Object>> rows = new ArrayList<>();

        Long heapPeak = null;
        if (phases.contains("throughput")) {
            progress.accept(String.format(Locale.ROOT, "%s: %,d messages of %d bytes, one producer, one consumer", variant.name(), messages, size));
            Throughput t = throughput(variant, prefix + "-t", messages, size, batch, drain);
            metrics.put("publish_per_s", t.publishPerSecond).put("consume_per_s", t.consumePerSecond)
                    .put("latency_p50_ms", ms(t.latency, 50)).put("latency_p99_ms", ms(t.latency, 99)).put("latency_p999_ms", ms(t.latency, 99.9))
                    .put("latency_max_ms", t.latency.getTotalCount() == 0 ? null : t.latency.getMaxValue() / 1e6)
                    .put("lost", t.seen.lost()).put("duplicates", t.seen.duplicates).put("order_violations", t.seen.orderViolations);
            rows.add(row("throughput", messages, t.seen, t.seconds));
            heapPeak = t.heapPeak;
        }
        if (phases.contains("crash")) {
            crashPhase(variant, prefix, faults, size, batch, drain, metrics, rows, progress);
        }
        if (phases.contains("away")) {
            awayPhase(variant, prefix, faults, size, batch, away, drain, metrics, rows, progress);
        }
        if (phases.contains("fanout")) {
            fanOutPhase(variant, prefix, faults, size, batch, drain, metrics, rows, progress);
        }
        if (phases.contains("restart")) {
            if (restarter == null) {
                return Measurement.notApplicable(name(), "scale cannot restart this server: it did not start it, or it is one node of a replicated instance", metrics.build());
            }
            try {
                restartPhase(store, variant, restarter, prefix, faults, size, batch, drain, metrics, rows, progress);
            } catch (ScaleException cannot) {
                if (cannot.exitCode() != dev.scale.errors.ExitCode.USAGE) {
                    throw cannot;
                }
                return Measurement.notApplicable(name(), cannot.oneLine(), metrics.build());
            }
        }
        metrics.put("heap_peak_bytes", heapPeak).put("rss_peak_bytes", Phases.rssPeak());
        return Measurement.of(name(), metrics.build(), rows);
    }


    private static void crashPhase(Variant variant, String prefix, int faults, int size, int batch, long drain, Measurement.Metrics metrics,
                                   List<Map<String, Object>> rows, Consumer<String> progress) throws Exception {
        progress.accept(String.format(Locale.ROOT, "a consumer killed holding messages it has not acknowledged (%,d messages)", faults));
        Crash c = crash(variant, prefix + "-c", faults, size, batch, drain);
        metrics.put("crash_held", c.held).put("crash_lost", c.lost).put("crash_duplicates", c.duplicates).put("crash_redelivered", c.redelivered);
        rows.add(Measurement.row("phase", "consumer crash", "sent", faults, "received", c.processed, "lost", c.lost, "duplicates", c.duplicates,
                "redelivered", c.redelivered, "out_of_order", null, "seconds", c.seconds));
    }

    private static void awayPhase(Variant variant, String prefix, int faults, int size, int batch, long away, long drain, Measurement.Metrics metrics,
                                  List<Map<String, Object>> rows, Consumer<String> progress) throws Exception {
        progress.accept(String.format(Locale.ROOT, "the consumer away for %.1f s while %,d messages are sent", away / 1000.0, faults));
        Seen a = away(variant, prefix + "-a", faults, size, batch, away, drain);
        metrics.put("away_sent", (long) faults).put("away_kept", (long) a.distinct).put("away_dropped", a.lost());
        rows.add(row("consumer away", faults, a, (away + a.waitedMillis) / 1000.0));
    }

    private static void fanOutPhase(Variant variant, String prefix, int faults, int size, int batch, long drain, Measurement.Metrics metrics,
                                    List<Map<String, Object>> rows, Consumer<String> progress) throws Exception {
        progress.accept(String.format(Locale.ROOT, "two consumer groups, each meant to receive all %,d messages", faults));
        List<Seen> groups = fanOut(variant, prefix + "-f", 2, faults, size, batch, drain);
        long fanoutLost = 0;
        for (int g = 0; g < groups.size(); g++) {
            fanoutLost += groups.get(g).lost();
            rows.add(row("fan-out, group " + (g + 1), faults, groups.get(g), groups.get(g).waitedMillis / 1000.0));
        }
        metrics.put("fanout_groups", (long) groups.size()).put("fanout_lost", fanoutLost).put("fanout_complete", fanoutLost == 0);
    }

    /**
     * Messages sent with nobody consuming, the server restarted, and a consumer on the store as it now is takes what
     * is left. The consumer first subscribes and leaves, so that a store keeping messages for a known group (a Redis
     * stream's) has one to keep them for.
     */
    private static void restartPhase(QueueStore store, Variant variant, Restarter<QueueStore> restarter, String prefix, int faults, int size, int batch,
                                     long drain, Measurement.Metrics metrics, List<Map<String, Object>> rows, Consumer<String> progress) throws Exception {
        String queue = prefix + "-r";
        metrics.put("persistence", store.persistence());
        progress.accept(String.format(Locale.ROOT, "%,d messages sent with nobody consuming, then the server restarted", faults));
        variant.create(queue, 1);
        QueueStore after = null;
        try {
            variant.subscriber(queue, 0, "consumer-1").close();
            try (Publisher p = variant.publisher(queue)) {
                send(p, 0, faults, size, batch);
            }
            long start = System.nanoTime();
            after = restarter.restart(progress);
            double seconds = (System.nanoTime() - start) / 1e9;
            Variant again = variant(after, variant.name());
            Seen seen = new Seen(faults);
            try (Subscriber back = again.subscriber(queue, 0, "consumer-1")) {
                drain(back, seen, Math.min(drain, 3000), null);
            }
            metrics.put("restart_sent", (long) faults).put("restart_kept", (long) seen.distinct).put("restart_lost", seen.lost())
                    .put("restart_seconds", seconds);
            rows.add(row("server restart", faults, seen, seconds + seen.waitedMillis / 1000.0));
        } finally {
            // the queue on the server as it now is; before a restart (it failed), on the one there was
            Variant cleanup = after == null ? variant : variant(after, variant.name());
            try {
                cleanup.delete(queue, 1);
            } finally {
                if (after != null) {
                    after.close();
                }
            }
        }
    }

    private static Map<String, Object> row(String phase, long sent, Seen s, double seconds) {
        return Measurement.row("phase", phase, "sent", sent, "received", s.distinct, "lost", s.lost(), "duplicates", s.duplicates,
                "redelivered", null, "out_of_order", s.orderViolations, "seconds", seconds);
    }

    static Variant variant(QueueStore store, String name) {
        if (name == null || name.isBlank()) {
            return store.variants().get(0);
        }
        return store.variants().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow(() -> ScaleException.usage(
                "--variant " + name + " is not one of " + store.kind() + "'s", "give one of " + String.join(", ", store.variants().stream().map(Variant::name).toList())));
    }

    private static Double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? null : h.getValueAtPercentile(percentile) / 1e6;
    }

    // ---- messages ------------------------------------------------------------------------------------------

    static byte[] body(long id, int size) {
        byte[] b = new byte[size];
        ByteBuffer.wrap(b).putLong(id).putLong(System.nanoTime());
        return b;
    }

    static long id(byte[] body) {
        return ByteBuffer.wrap(body).getLong(0);
    }

    static long sentAt(byte[] body) {
        return ByteBuffer.wrap(body).getLong(8);
    }

    /** Sends ids {@code from} to {@code to - 1} in batches, and waits until the store has taken them all. */
    private static void send(Publisher p, long from, long to, int size, int batch) throws Exception {
        for (long i = from; i < to; ) {
            int n = (int) Math.min(batch, to - i);
            List<byte[]> bodies = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                bodies.add(body(i + k, size));
            }
            p.publish(bodies);
            i += n;
        }
        p.flush();
    }

    /** The ids one consumer (or group) received: each counted once in a bitmap, so a million cost 125 KB, not a map. */
    static final class Seen {
        final int expected;
        final BitSet ids = new BitSet();
        int distinct;
        long duplicates;
        long orderViolations;
        long highest = -1;
        long waitedMillis;

        Seen(int expected) {
            this.expected = expected;
        }

        /** Records a received id; false if it was not one this phase sent (a stray message is not counted). */
        boolean add(long id) {
            if (id < 0 || id >= expected) {
                return false;
            }
            if (ids.get((int) id)) {
                duplicates++;
            } else {
                ids.set((int) id);
                distinct++;
            }
            if (id < highest) {
                orderViolations++;
            }
            highest = Math.max(highest, id);
            return true;
        }

        long lost() {
            return expected - distinct;
        }
    }

    /**
     * Takes from {@code s} until {@code seen} holds every expected id or nothing came for {@code drainMillis};
     * acknowledges each batch after recording it.
     */
    private static void drain(Subscriber s, Seen seen, long drainMillis, Histogram latency) throws Exception {
        long start = System.nanoTime();
        long last = System.nanoTime();
        while (seen.distinct < seen.expected && System.nanoTime() - last < drainMillis * 1_000_000) {
            List<Delivery> got = s.take(TAKE, 50);
            if (got.isEmpty()) {
                continue;
            }
            long now = System.nanoTime();
            last = now;
            for (Delivery d : got) {
                if (seen.add(id(d.body())) && latency != null) {
                    latency.recordValue(Math.max(0, now - sentAt(d.body())));
                }
            }
            s.ack(got);
        }
        seen.waitedMillis = (System.nanoTime() - start) / 1_000_000;
    }

    // ---- phases --------------------------------------------------------------------------------------------

    private record Throughput(double publishPerSecond, double consumePerSecond, Histogram latency, Seen seen, double seconds, long heapPeak) {
    }

    private static Throughput throughput(Variant v, String queue, int messages, int size, int batch, long drainMillis) throws Exception {
        v.create(queue, 1);
        try (Subscriber s = v.subscriber(queue, 0, "consumer-1"); Publisher p = v.publisher(queue)) {
            Histogram latency = new Histogram(3_600_000_000_000L, 3);
            Seen seen = new Seen(messages);
            resetHeapPeak();
            AtomicReference<Exception> failed = new AtomicReference<>();
            long[] lastReceipt = new long[1];
            Thread consumer = new Thread(() -> {
                try {
                    drain(s, seen, drainMillis, latency);
                    lastReceipt[0] = System.nanoTime();
                } catch (Exception e) {
                    failed.set(e);
                }
            }, "scale-queue-consumer");
            consumer.setDaemon(true);
            long start = System.nanoTime();
            consumer.start();
            long published;
            try {
                send(p, 0, messages, size, batch);
                published = System.nanoTime();
            } finally {
                consumer.join(); // it ends once it has them all, or after drainMillis without one
            }
            if (failed.get() != null) {
                throw failed.get();
            }
            long heapPeak = heapPeak();
            // the consumer stops waiting drainMillis after its last message: that wait is not consuming
            long lastMessage = seen.distinct == messages ? lastReceipt[0] : lastReceipt[0] - drainMillis * 1_000_000;
            double publishSeconds = (published - start) / 1e9;
            double consumeSeconds = Math.max(1e-9, (lastMessage - start) / 1e9);
            return new Throughput(messages / publishSeconds, seen.distinct / consumeSeconds, latency, seen, (lastReceipt[0] - start) / 1e9, heapPeak);
        } finally {
            v.delete(queue, 1);
        }
    }

    private record Crash(long held, long processed, long lost, long duplicates, long redelivered, double seconds) {
    }

    /**
     * The first consumer takes twice a batch, acknowledges the first half, and dies holding the rest (and whatever
     * the store had already pushed to it). After the store's reclaim delay a second consumer in the same group takes
     * what is left.
     */
    private static Crash crash(Variant v, String queue, int messages, int size, int batch, long drainMillis) throws Exception {
        long start = System.nanoTime();
        v.create(queue, 1);
        try {
            BitSet ackedByFirst = new BitSet();
            BitSet heldByFirst = new BitSet();
            Subscriber first = v.subscriber(queue, 0, "consumer-1");
            try (Publisher p = v.publisher(queue)) {
                send(p, 0, messages, size, batch);
            }
            int want = Math.min(messages, Math.max(2, 2 * Math.min(batch, TAKE)));
            List<Delivery> taken = new ArrayList<>();
            long deadline = System.nanoTime() + drainMillis * 1_000_000;
            while (taken.size() < want && System.nanoTime() < deadline) {
                taken.addAll(first.take(want - taken.size(), 50));
            }
            List<Delivery> acked = taken.subList(0, taken.size() / 2);
            first.ack(acked);
            acked.forEach(d -> ackedByFirst.set((int) id(d.body())));
            taken.subList(taken.size() / 2, taken.size()).forEach(d -> heldByFirst.set((int) id(d.body())));
            first.crash();
            Thread.sleep(v.reclaimAfterMillis());
            Seen second = new Seen(messages);
            BitSet seenBySecond = new BitSet();
            try (Subscriber next = v.subscriber(queue, 0, "consumer-2")) {
                long last = System.nanoTime();
                // done when every id is either acknowledged by the first or received by the second
                while (System.nanoTime() - last < drainMillis * 1_000_000) {
                    BitSet done = (BitSet) seenBySecond.clone();
                    done.or(ackedByFirst);
                    if (done.cardinality() >= messages) {
                        break;
                    }
                    List<Delivery> got = next.take(TAKE, 50);
                    if (!got.isEmpty()) {
                        last = System.nanoTime();
                        got.forEach(d -> {
                            long id = id(d.body());
                            if (second.add(id)) {
                                seenBySecond.set((int) id);
                            }
                        });
                        next.ack(got);
                    }
                }
            }
            BitSet processed = (BitSet) seenBySecond.clone();
            processed.or(ackedByFirst);
            BitSet duplicated = (BitSet) seenBySecond.clone();
            duplicated.and(ackedByFirst);
            BitSet redelivered = (BitSet) seenBySecond.clone();
            redelivered.and(heldByFirst);
            return new Crash(heldByFirst.cardinality(), processed.cardinality(), messages - processed.cardinality(),
                    duplicated.cardinality() + second.duplicates, redelivered.cardinality(), (System.nanoTime() - start) / 1e9);
        } finally {
            v.delete(queue, 1);
        }
    }

    /** The consumer subscribes, leaves, messages are sent, it comes back after {@code awayMillis} and takes what is there. */
    private static Seen away(Variant v, String queue, int messages, int size, int batch, long awayMillis, long drainMillis) throws Exception {
        v.create(queue, 1);
        try {
            v.subscriber(queue, 0, "consumer-1").close();
            try (Publisher p = v.publisher(queue)) {
                send(p, 0, messages, size, batch);
            }
            Thread.sleep(awayMillis);
            Seen seen = new Seen(messages);
            try (Subscriber back = v.subscriber(queue, 0, "consumer-1")) {
                drain(back, seen, Math.min(drainMillis, 2000), null);
            }
            return seen;
        } finally {
            v.delete(queue, 1);
        }
    }

    /** One consumer per group, all subscribed before the messages are sent; each should get every one. */
    private static List<Seen> fanOut(Variant v, String queue, int groups, int messages, int size, int batch, long drainMillis) throws Exception {
        v.create(queue, groups);
        List<Subscriber> subscribers = new ArrayList<>();
        try {
            for (int g = 0; g < groups; g++) {
                subscribers.add(v.subscriber(queue, g, "consumer-1"));
            }
            try (Publisher p = v.publisher(queue)) {
                send(p, 0, messages, size, batch);
            }
            List<Seen> seen = new ArrayList<>();
            for (Subscriber s : subscribers) {
                Seen one = new Seen(messages);
                drain(s, one, drainMillis, null);
                seen.add(one);
            }
            return seen;
        } finally {
            for (Subscriber s : subscribers) {
                try {
                    s.close();
                } catch (Exception ignored) {
                    // the queue goes below
                }
            }
            v.delete(queue, groups);
        }
    }

    // ---- memory --------------------------------------------------------------------------------------------

    private static void resetHeapPeak() {
        ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP).forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    private static long heapPeak() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    /** VmHWM: the process's peak resident set, as the kernel counts it; null where /proc is not there. */
}
