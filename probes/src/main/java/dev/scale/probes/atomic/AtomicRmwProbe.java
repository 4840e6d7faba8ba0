package dev.scale.probes.atomic;

import dev.scale.probes.Method;

import dev.scale.probes.StoreAdapter;
import dev.scale.probes.Measurement;
import dev.scale.probes.Params;
import dev.scale.probes.VerdictProbe;
import dev.scale.errors.ScaleException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * "Do I need atomicity of requests?" measured: {@code clients} connections increment one hot counter
 * {@code increments} times each, with each method in turn. A method that loses updates shows it in the
 * final count; one that retries shows what its safety costs in aborts and throughput.
 */
public final class AtomicRmwProbe implements VerdictProbe {

    /** One method's outcome. Lost updates are expected minus final; never negative for a correct store. */
    public record Row(String method, boolean atomic, long expected, long finalCount, long lostUpdates, long aborts,
                      double abortsPerSuccess, double opsPerSecond, double seconds) {
    }

    @Override
    public String name() {
        return "atomic-rmw";
    }

    @Override
    public List<String> description() {
        return List.of("Do concurrent increments lose updates? Clients increment one hot counter naively (read, then write) and with each",
                "store's own primitives (Redis: INCR, WATCH/MULTI; PostgreSQL: UPDATE v = v + 1, SELECT FOR UPDATE,",
                "REPEATABLE READ and SERIALIZABLE with retry). Reports expected vs final count, lost updates,",
                "aborts per success and throughput.");
    }

    @Override
    public List<Param> params() {
        return List.of(
                Param.number("clients", 8, 2, 256, "Concurrent clients (contention needs at least two)."),
                Param.number("increments", 500, 1, 1_000_000, "Increments per client."));
    }

    @Override
    public List<Metric> metrics() {
        return List.of(
                new Metric("naive_lost_updates", "updates the naive read-then-write lost (the control)"),
                new Metric("lossless_methods", "the store's atomic methods that lost no update"),
                new Metric("lossy_atomic_methods", "atomic methods that lost updates anyway"),
                new Metric("best_ops_per_s", "increments per second of the fastest lossless method"),
                new Metric("best_aborts_per_success", "its aborted attempts per increment"),
                new Metric("best_method", "the fastest lossless method"));
    }

    @Override
    public Measurement run(StoreAdapter store, Params params, Consumer<String> progress) throws Exception {
        List<Row> rows = rows(store, params.integer("clients"), params.integer("increments"), progress);
        Row best = null;
        long lossless = 0;
        long lossy = 0;
        long naiveLost = 0;
        for (Row r : rows) {
            if (!r.atomic()) {
                naiveLost += r.lostUpdates();
            } else if (r.lostUpdates() == 0) {
                lossless++;
                if (best == null || r.opsPerSecond() > best.opsPerSecond()) {
                    best = r;
                }
            } else {
                lossy++;
            }
        }
        List<java.util.Map<String, Object>> table = new ArrayList<>();
        for (Row r : rows) {
            table.add(Measurement.row("method", r.method(), "atomic", r.atomic(), "expected", r.expected(), "final", r.finalCount(),
                    "lost", r.lostUpdates(), "aborts_per_success", r.abortsPerSuccess(), "ops_per_s", r.opsPerSecond()));
        }
        return Measurement.of(name(), new Measurement.Metrics()
                .put("naive_lost_updates", naiveLost)
                .put("lossless_methods", lossless)
                .put("lossy_atomic_methods", lossy)
                .put("best_method", best == null ? null : best.method())
                .put("best_ops_per_s", best == null ? null : best.opsPerSecond())
                .put("best_aborts_per_success", best == null ? null : best.abortsPerSuccess())
                .build(), table);
    }


    /** Each of the store's methods in turn, with its counter removed afterwards (bounds are the params', checked by {@link Params#of}). */
    static List<Row> rows(StoreAdapter store, int clients, int increments, Consumer<String> progress) throws Exception {
        List<Row> rows = new ArrayList<>();
        store.prepareRmw();
        try {
            for (String method : store.rmwMethods()) {
                progress.accept(clients + " clients incrementing with " + method);
                rows.add(runOne(store, method, clients, increments));
            }
        } finally {
            store.cleanUpRmw();
        }
        return rows;
    }

    private static Row runOne(StoreAdapter store, String name, int clients, int increments) {
        String key = Method.key(name);
        List<Method> connections = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            for (int i = 0; i < clients; i++) {
                connections.add(store.openRmw(name));
            }
            connections.get(0).reset(key);
            AtomicLong aborts = new AtomicLong();
            List<Future<Void>> done = new ArrayList<>();
            long start = System.nanoTime();
            for (Method m : connections) {
                Callable<Void> client = () -> {
                    for (int i = 0; i < increments && !Thread.currentThread().isInterrupted(); i++) {
                        aborts.addAndGet(m.increment(key));
                    }
                    return null;
                };
                done.add(pool.submit(client));
            }
            for (Future<Void> f : done) {
                f.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long expected = (long) clients * increments;
            long actual = connections.get(0).read(key);
            return new Row(name, connections.get(0).atomic(), expected, actual, expected - actual, aborts.get(),
                    aborts.get() / (double) expected, expected / seconds, seconds);
        } catch (ScaleException e) {
            throw e;
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw ScaleException.failure("atomic-rmw " + name + " failed: " + (cause instanceof InterruptedException ? "interrupted" : cause.getMessage()), cause);
        } finally {
            pool.shutdownNow(); // Ctrl-C: the clients stop after their current increment; wait before cleaning up
            boolean interrupted = Thread.interrupted();
            try {
                pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            connections.forEach(Method::close);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
