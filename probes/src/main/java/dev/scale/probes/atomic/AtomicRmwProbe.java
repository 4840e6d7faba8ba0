package dev.scale.probes.atomic;

import dev.scale.providers.ScaleException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * "Do I need atomicity of requests?" measured: {@code clients} connections increment one hot counter
 * {@code increments} times each, with each method in turn. A method that loses updates shows it in the
 * final count; one that retries shows what its safety costs in aborts and throughput.
 */
public final class AtomicRmwProbe {

    /** Opens one connection of a method (so each client has its own). */
    public interface Opener {
        Method open(String method) throws Exception;
    }

    /** One method's outcome. Lost updates are expected minus final; never negative for a correct store. */
    public record Row(String method, boolean atomic, long expected, long finalCount, long lostUpdates, long aborts,
                      double abortsPerSuccess, double opsPerSecond, double seconds) {
    }

    private AtomicRmwProbe() {
    }

    /** The bounds of a run, checked before anything starts. */
    public static void checkBounds(int clients, int increments) {
        if (clients < 2 || clients > 256) {
            throw ScaleException.usage("--clients must be between 2 and 256 (contention needs at least two)");
        }
        if (increments < 1 || increments > 1_000_000) {
            throw ScaleException.usage("--increments must be between 1 and 1000000");
        }
    }

    /** The counter a method increments. */
    static String key(String method) {
        return "scale:rmw:" + method;
    }

    public static List<Row> run(Opener opener, List<String> methods, int clients, int increments) {
        checkBounds(clients, increments);
        List<Row> rows = new ArrayList<>();
        for (String name : methods) {
            rows.add(runOne(opener, name, clients, increments));
        }
        return rows;
    }

    private static Row runOne(Opener opener, String name, int clients, int increments) {
        String key = key(name);
        List<Method> connections = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            for (int i = 0; i < clients; i++) {
                connections.add(opener.open(name));
            }
            connections.get(0).reset(key);
            AtomicLong aborts = new AtomicLong();
            List<Future<Void>> done = new ArrayList<>();
            long start = System.nanoTime();
            for (Method m : connections) {
                Callable<Void> client = () -> {
                    for (int i = 0; i < increments; i++) {
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
            throw ScaleException.failure("atomic-rmw " + name + " failed: " + cause.getMessage(), cause);
        } finally {
            pool.shutdownNow();
            connections.forEach(Method::close);
        }
    }
}
