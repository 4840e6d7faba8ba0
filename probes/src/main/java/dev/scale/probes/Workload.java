package dev.scale.probes;

import dev.scale.errors.ScaleException;
import java.time.Duration;

/**
 * What a kv run does.
 *
 * @param rate total operations per second for an open loop; 0 for a closed loop at full speed
 */
public record Workload(Mix mix, long keys, int valueSize, String distribution, int clients, int pipeline,
                       long rate, Duration duration, Duration warmup, int threads) {

    /** A workload whose load generator picks its own thread count (0). */
    public Workload(Mix mix, long keys, int valueSize, String distribution, int clients, int pipeline,
                    long rate, Duration duration, Duration warmup) {
        this(mix, keys, valueSize, distribution, clients, pipeline, rate, duration, warmup, 0);
    }

    public Workload {
        if (keys < 1 || keys > 1_000_000_000L) {
            throw ScaleException.usage("--keys must be between 1 and 1000000000, not " + keys);
        }
        if (valueSize < 1 || valueSize > 16 * 1024 * 1024) {
            throw ScaleException.usage("--value-size must be between 1 and 16777216 bytes, not " + valueSize);
        }
        if (clients < 1 || clients > 4096) {
            throw ScaleException.usage("--clients must be between 1 and 4096, not " + clients);
        }
        if (pipeline < 1 || pipeline > 10_000) {
            throw ScaleException.usage("--pipeline must be between 1 and 10000, not " + pipeline);
        }
        if (rate < 0) {
            throw ScaleException.usage("--rate must be positive");
        }
        if (duration.isZero() || duration.isNegative()) {
            throw ScaleException.usage("--duration must be longer than zero");
        }
        if (threads < 0 || threads > 256) {
            throw ScaleException.usage("--threads must be between 1 and 256, or 0 to let the probe choose, not " + threads);
        }
        if (warmup.isNegative()) {
            throw ScaleException.usage("--warmup cannot be negative");
        }
        KeyChooser.of(distribution, 2); // checks the name
    }

    /** Event-loop threads: as asked, else {@code auto}. */
    public int threadsOr(int auto) {
        return threads > 0 ? threads : auto;
    }

    public boolean openLoop() {
        return rate > 0;
    }

    /** Nanoseconds between two batches of one client in an open loop. */
    public long batchIntervalNanos() {
        return (long) (1e9 * clients * pipeline / rate);
    }

    /** The value every write of the kv probe stores: {@link #valueSize} random bytes, the same in every run and driver. */
    public byte[] value() {
        byte[] v = new byte[valueSize];
        new java.util.SplittableRandom(42).nextBytes(v);
        return v;
    }
}
