package dev.scale.probes;

import dev.scale.errors.ScaleException;
import java.lang.management.ManagementFactory;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** The kv probe's engine: load, warm up, measure, report. Drivers do the traffic; this does the clock and the numbers. */
public final class KvProbe {

    /** Live progress: every second while measuring (and while warming up, with {@code warmingUp}). */
    public interface Listener {
        void loaded(long keys, long total);

        void tick(double elapsedSeconds, boolean warmingUp, double opsPerSecond, double p99Micros);
    }

    private KvProbe() {
    }

    public static Result run(Driver driver, Workload w, Listener listener) {
        try {
            driver.load(w, written -> listener.loaded(written, w.keys()));
        } catch (ScaleException e) {
            throw e;
        } catch (Exception e) {
            throw ScaleException.failure("loading " + w.keys() + " keys failed: " + e.getMessage(), e);
        }
        Run run = new Run(w.keys());
        Thread traffic = new Thread(() -> {
            try {
                driver.run(w, run);
            } catch (Exception e) {
                run.fail(e.getMessage() == null ? e.toString() : e.getMessage());
            }
        }, "scale-probe-driver");
        traffic.setDaemon(true);

        Map<Op, Histogram> response = new EnumMap<>(Op.class);
        Map<Op, Histogram> service = new EnumMap<>(Op.class);
        for (Op op : Op.values()) {
            response.put(op, new Histogram(3));
            service.put(op, new Histogram(3));
        }
        long start = System.nanoTime();
        long measureFrom = start + w.warmup().toNanos();
        long end = measureFrom + w.duration().toNanos();
        traffic.start();
        // Ticks land exactly on the end of the warm-up, so an interval counts when it starts at or after it.
        long cpuAtStart = w.warmup().isZero() ? cpuTime() : -1;
        long errorsAtStart = 0;
        long maxBacklog = 0;
        long tick = start;
        while (true) {
            long now = System.nanoTime();
            long next = Math.min(tick + 1_000_000_000L, now < measureFrom ? measureFrom : end);
            boolean interrupted = sleepUntil(next);
            now = System.nanoTime();
            boolean warming = now < measureFrom;
            boolean measuring = tick >= measureFrom;
            long ops = 0;
            Histogram all = new Histogram(3);
            for (Op op : Op.values()) {
                Histogram r = run.response(op).getIntervalHistogram();
                Histogram s = run.service(op).getIntervalHistogram();
                if (measuring) {
                    response.get(op).add(r);
                    service.get(op).add(s);
                }
                ops += r.getTotalCount();
                all.add(r);
            }
            long backlog = run.takeBacklog();
            if (measuring) {
                maxBacklog = Math.max(maxBacklog, backlog);
            }
            if (!warming && cpuAtStart < 0) {
                // warm-up is over: what was recorded in it is dropped, measuring starts now
                cpuAtStart = cpuTime();
                errorsAtStart = run.errors();
            }
            double seconds = (now - tick) / 1e9;
            listener.tick((now - start) / 1e9, warming, ops / Math.max(seconds, 1e-9), all.getValueAtPercentile(99) / 1000.0);
            tick = now;
            if (interrupted || Thread.currentThread().isInterrupted()) {
                run.fail("interrupted"); // Ctrl-C: stop now, so that the caller's cleanup runs
            }
            if (run.failure() != null || now >= end) {
                break;
            }
        }
        long cpuUsed = cpuTime() - cpuAtStart;
        long errors = run.errors() - errorsAtStart;
        run.stop();
        Clients.joinUninterruptibly(traffic); // nothing may write once the caller starts removing the keys
        if (run.failure() != null) {
            throw ScaleException.failure("the probe stopped: " + run.failure(), null);
        }
        double measured = (end - measureFrom) / 1e9;
        long total = 0;
        Map<String, Long> byType = new LinkedHashMap<>();
        Map<String, Result.Latency> latency = new LinkedHashMap<>();
        Map<String, Result.Latency> serviceTime = new LinkedHashMap<>();
        Histogram allResponse = new Histogram(3);
        Histogram allService = new Histogram(3);
        for (Op op : Op.values()) {
            Histogram r = response.get(op);
            if (r.getTotalCount() == 0) {
                continue;
            }
            total += r.getTotalCount();
            byType.put(op.label(), r.getTotalCount());
            latency.put(op.label(), Result.Latency.of(r));
            serviceTime.put(op.label(), Result.Latency.of(service.get(op)));
            allResponse.add(r);
            allService.add(service.get(op));
        }
        if (total > 0) {
            latency.put("all", Result.Latency.of(allResponse));
            serviceTime.put("all", Result.Latency.of(allService));
        }
        // An open loop is valid only if every client kept to its schedule: a backlog means the
        // generator, not the server, set the pace, and the latencies would flatter the server.
        double backlogMs = maxBacklog / 1e6;
        double allowedMs = Math.max(100, w.duration().toMillis() * 0.02);
        boolean valid = !w.openLoop() || backlogMs <= allowedMs;
        String reason = valid ? null : String.format(java.util.Locale.ROOT,
                "the generator fell %.0f ms behind its schedule (allowed %.0f ms): lower --rate or add --clients", backlogMs, allowedMs);
        double cpu = cpuUsed / 1e9 / measured;
        return new Result(total / measured, total, measured, byType, latency, serviceTime, errors, cpu, valid, reason, backlogMs);
    }

    private static long cpuTime() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return 0;
    }

    /** @return whether the sleep was interrupted (Ctrl-C); the flag alone is not kept: HdrHistogram's phaser swallows it */
    private static boolean sleepUntil(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            try {
                Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
        }
        return Thread.currentThread().isInterrupted();
    }
}
