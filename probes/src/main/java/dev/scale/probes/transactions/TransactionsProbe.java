package dev.scale.probes.transactions;

import dev.scale.probes.Clients;
import dev.scale.probes.KvSession;
import dev.scale.probes.StoreAdapter;
import dev.scale.probes.Measurement;
import dev.scale.probes.Params;
import dev.scale.probes.VerdictProbe;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * "Do I need atomicity across keys?" measured with the bank invariant: writers move money between
 * accounts while readers add up every balance; the total must never change. Run once without
 * transactions (the control, which shows the probe catches a broken invariant) and once with the
 * store's multi-key transactions, whose violations, throughput and aborts are the answer.
 */
public final class TransactionsProbe implements VerdictProbe {
    private static final long OPENING_BALANCE = 1000;

    @Override
    public String name() {
        return "transactions";
    }

    @Override
    public List<String> description() {
        return List.of("Does a multi-key change stay atomic under concurrency? Writers transfer between accounts while",
                "readers sum all balances, first without transactions (the control), then with the store's",
                "multi-key transactions. Reports totals that were ever wrong, the final total, transfers/s and aborts.");
    }

    @Override
    public List<Param> params() {
        return List.of(
                Param.number("accounts", 10, 2, 10_000, "Accounts (fewer: more conflicts)."),
                Param.number("writers", 4, 1, 128, "Clients making transfers."),
                Param.number("readers", 2, 1, 128, "Clients summing all balances."),
                Param.duration("duration", "3s", 200, 300_000, "How long each of the two runs lasts."));
    }

    @Override
    public List<Metric> metrics() {
        return List.of(
                new Metric("multi_key_transactions", "whether the store has them (N/A otherwise)"),
                new Metric("transactions", "what the store's transactions are, with their durability"),
                new Metric("violations", "sums that saw a wrong total, with transactions"),
                new Metric("final_total_ok", "the total after the run with transactions is the opening total"),
                new Metric("transfers_per_s", "committed transfers per second, with transactions"),
                new Metric("aborts_per_transfer", "attempts the store aborted per committed transfer"),
                new Metric("reads_checked", "sums taken with transactions"),
                new Metric("control_violations", "sums that saw a wrong total without transactions"),
                new Metric("control_final_total_ok", "the total after the run without transactions is the opening total"));
    }

    private record Outcome(long violations, boolean finalOk, double transfersPerSecond, long transfers, long aborts, long reads, long errors) {
    }

    @Override
    public Measurement run(StoreAdapter store, Params params, Consumer<String> progress) throws Exception {
        int accounts = params.integer("accounts");
        int writers = params.integer("writers");
        int readers = params.integer("readers");
        Duration duration = params.duration("duration");
        String prefix = "scale:txn:" + Long.toHexString(System.nanoTime()) + ":";
        boolean supported;
        String how;
        try (KvSession s = store.session()) {
            supported = s.multiKeyTransactions();
            how = s.transactionKind();
        }
        if (!supported) {
            return Measurement.notApplicable(name(), store.kind() + " has no multi-key transactions",
                    new Measurement.Metrics().put("multi_key_transactions", false).build());
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        Outcome control;
        Outcome txn;
        try {
            progress.accept("transfers without transactions (the control)");
            control = run(store, prefix + "control:", accounts, writers, readers, duration, false);
            rows.add(row("none (control)", control));
            progress.accept("transfers in multi-key transactions");
            txn = run(store, prefix + "txn:", accounts, writers, readers, duration, true);
            rows.add(row("transaction", txn));
        } finally {
            store.deleteByPrefix(prefix);
        }
        return Measurement.of(name(), new Measurement.Metrics()
                .put("multi_key_transactions", true)
                .put("transactions", how)
                .put("violations", txn.violations())
                .put("final_total_ok", txn.finalOk())
                .put("transfers_per_s", txn.transfersPerSecond())
                .put("aborts_per_transfer", txn.transfers() == 0 ? 0.0 : txn.aborts() / (double) txn.transfers())
                .put("reads_checked", txn.reads())
                .put("control_violations", control.violations())
                .put("control_final_total_ok", control.finalOk())
                .build(), rows);
    }

    private static Map<String, Object> row(String method, Outcome o) {
        return Measurement.row("method", method, "transfers_per_s", o.transfersPerSecond(), "aborts", o.aborts(),
                "reads", o.reads(), "violations", o.violations(), "final_total_ok", o.finalOk(), "errors", o.errors());
    }

    private static byte[] number(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    private static long number(Optional<byte[]> v) {
        return v.map(b -> Long.parseLong(new String(b, StandardCharsets.US_ASCII))).orElse(0L);
    }

    private static Outcome run(StoreAdapter store, String prefix, int accounts, int writers, int readers, Duration duration,
                               boolean transactions) throws Exception {
        List<String> keys = new ArrayList<>();
        try (KvSession s = store.session()) {
            for (int a = 0; a < accounts; a++) {
                keys.add(prefix + a);
                s.put(prefix + a, number(OPENING_BALANCE));
            }
        }
        long expected = OPENING_BALANCE * accounts;
        AtomicLong violations = new AtomicLong();
        AtomicLong transfers = new AtomicLong();
        AtomicLong aborts = new AtomicLong();
        AtomicLong reads = new AtomicLong();
        SplittableRandom[] random = new SplittableRandom[writers];
        for (int w = 0; w < writers; w++) {
            random[w] = new SplittableRandom(w);
        }
        Clients.Outcome o = Clients.run(store, writers + readers, duration, (s, client, i) -> {
            if (client < writers) {
                int from = random[client].nextInt(accounts);
                int to = (from + 1 + random[client].nextInt(accounts - 1)) % accounts;
                long amount = 1 + random[client].nextInt(10);
                String a = keys.get(from);
                String b = keys.get(to);
                if (transactions) {
                    aborts.addAndGet(s.transaction(List.of(a, b), cur -> {
                        Map<String, Optional<byte[]>> next = new LinkedHashMap<>();
                        next.put(a, Optional.of(number(number(cur.get(a)) - amount)));
                        next.put(b, Optional.of(number(number(cur.get(b)) + amount)));
                        return next;
                    }));
                } else {
                    long balanceA = number(s.get(a));
                    long balanceB = number(s.get(b));
                    s.put(a, number(balanceA - amount));
                    s.put(b, number(balanceB + amount));
                }
                transfers.incrementAndGet();
            } else {
                long total = 0;
                if (transactions) {
                    long[] sum = {0};
                    s.transaction(keys, cur -> {
                        sum[0] = cur.values().stream().mapToLong(TransactionsProbe::number).sum();
                        return Map.of(); // a read: nothing written
                    });
                    total = sum[0];
                } else {
                    for (String k : keys) {
                        total += number(s.get(k));
                    }
                }
                reads.incrementAndGet();
                if (total != expected) {
                    violations.incrementAndGet();
                }
            }
        });
        long finalTotal = 0;
        try (KvSession s = store.session()) {
            for (String k : keys) {
                finalTotal += number(s.get(k));
            }
        }
        return new Outcome(violations.get(), finalTotal == expected, transfers.get() / o.seconds(), transfers.get(), aborts.get(),
                reads.get(), o.errors());
    }
}
