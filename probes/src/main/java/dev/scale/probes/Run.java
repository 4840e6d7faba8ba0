package dev.scale.probes;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * What drivers share with the engine while a workload runs: where to record, when to stop, the newest
 * key. Latencies are in nanoseconds: response time from the intended start (open loop) and service time
 * from the actual start; in a closed loop the two are the same.
 */
public final class Run {
    private final Map<Op, Recorder> response = new EnumMap<>(Op.class);
    private final Map<Op, Recorder> service = new EnumMap<>(Op.class);
    private final LongAdder errors = new LongAdder();
    private final AtomicLong newest;
    private final AtomicLong backlogNanos = new AtomicLong();
    private volatile boolean stopped;
    private volatile String failure;

    Run(long keys) {
        for (Op op : Op.values()) {
            response.put(op, new Recorder(3));
            service.put(op, new Recorder(3));
        }
        newest = new AtomicLong(keys - 1);
    }

    /** Records one operation. Called from the drivers' hot loops: no allocation. */
    public void record(Op op, long intendedNanos, long startNanos, long endNanos) {
        response.get(op).recordValue(Math.max(1, endNanos - intendedNanos));
        service.get(op).recordValue(Math.max(1, endNanos - startNanos));
    }

    public void error() {
        errors.increment();
    }

    public boolean stopped() {
        return stopped;
    }

    void stop() {
        stopped = true;
    }

    /** A driver that cannot go on says why; the engine stops the run and reports it. */
    public void fail(String why) {
        failure = why;
        stopped = true;
    }

    String failure() {
        return failure;
    }

    public long newestKey() {
        return newest.get();
    }

    public long insertKey() {
        return newest.incrementAndGet();
    }

    /** How far behind its schedule an open-loop client is, reported by drivers as they go. */
    public void backlog(long nanos) {
        backlogNanos.accumulateAndGet(nanos, Math::max);
    }

    long takeBacklog() {
        return backlogNanos.getAndSet(0);
    }

    Recorder response(Op op) {
        return response.get(op);
    }

    Recorder service(Op op) {
        return service.get(op);
    }

    long errors() {
        return errors.sum();
    }
}
