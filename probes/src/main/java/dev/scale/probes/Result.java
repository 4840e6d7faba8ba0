package dev.scale.probes;

import java.util.Map;

/**
 * A kv run's measurements.
 *
 * @param latency      per operation, response time in microseconds (from the intended start in an open loop)
 * @param serviceTime  per operation, service time in microseconds (from the actual start)
 * @param generatorCpu cores the generator (this JVM) used while measuring
 * @param valid        false when the open-loop generator fell behind its schedule
 */
public record Result(double opsPerSecond, long operations, double seconds, Map<String, Long> operationsByType,
                     Map<String, Latency> latency, Map<String, Latency> serviceTime, long errors,
                     double generatorCpu, boolean valid, String invalidReason, double maxBacklogMillis) {

    /** Percentiles in microseconds. */
    public record Latency(double p50, double p90, double p99, double p999, double max) {
        static Latency of(org.HdrHistogram.Histogram h) {
            return new Latency(us(h.getValueAtPercentile(50)), us(h.getValueAtPercentile(90)), us(h.getValueAtPercentile(99)),
                    us(h.getValueAtPercentile(99.9)), us(h.getMaxValue()));
        }

        private static double us(long nanos) {
            return Math.round(nanos / 100.0) / 10.0;
        }
    }
}
