package dev.scale.probes.model;

import dev.scale.probes.KvSession;
import dev.scale.probes.StoreAdapter;
import dev.scale.probes.Measurement;
import dev.scale.probes.Params;
import dev.scale.probes.VerdictProbe;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * "Does a key/value model fit?" checked by using it: values of every byte, empty and up to a size
 * limit must come back exactly; overwrite, delete and a missing key must behave as a map does; and a
 * thousand gets and puts say what one access costs.
 */
public final class KvModelProbe implements VerdictProbe {

    @Override
    public String name() {
        return "kv-model";
    }

    @Override
    public List<String> description() {
        return List.of("Does the store work as a key/value map? Round-trips empty, binary (all 256 byte values) and",
                "growing values up to max-value, checks overwrite, delete and a missing key, and times single gets and puts.");
    }

    @Override
    public List<Param> params() {
        return List.of(
                Param.size("max-value", "1MB", 1, 512L << 20, "The largest value to round-trip (sizes grow x64 from 1 byte)."),
                Param.number("ops", 1000, 10, 1_000_000, "Gets and puts timed, each."));
    }

    @Override
    public List<Metric> metrics() {
        return List.of(
                new Metric("all_checks_pass", "every check below passed"),
                new Metric("binary_safe", "a value holding all 256 byte values came back exactly"),
                new Metric("empty_value_ok", "an empty value came back empty, not missing"),
                new Metric("largest_value_bytes", "the largest value that came back exactly"),
                new Metric("overwrite_ok", "a second put replaced the value"),
                new Metric("delete_ok", "a deleted key reads as missing, and a second delete finds nothing"),
                new Metric("missing_is_empty", "a key never written reads as missing"),
                new Metric("get_p50_ms", "median get of a 100-byte value"),
                new Metric("get_p99_ms", "p99 get"),
                new Metric("put_p50_ms", "median put of a 100-byte value"),
                new Metric("put_p99_ms", "p99 put"),
                new Metric("model", "how keys and values are kept: native, or the table that emulates them"));
    }

    @Override
    public Measurement run(StoreAdapter store, Params params, Consumer<String> progress) throws Exception {
        long maxValue = params.bytes("max-value");
        int ops = params.integer("ops");
        String prefix = "scale:kvm:" + Long.toHexString(System.nanoTime()) + ":";
        List<Map<String, Object>> rows = new ArrayList<>();
        Histogram gets = new Histogram(3_600_000_000_000L, 3);
        Histogram puts = new Histogram(3_600_000_000_000L, 3);
        boolean binary;
        boolean empty;
        boolean overwrite;
        boolean delete;
        boolean missing;
        long largest = 0;
        boolean sizesOk = true;
        try (KvSession s = store.session()) {
            progress.accept("round trips");
            byte[] all = new byte[256];
            for (int i = 0; i < 256; i++) {
                all[i] = (byte) i;
            }
            binary = roundTrip(s, prefix + "binary", all);
            rows.add(Measurement.row("check", "binary value (all 256 bytes)", "ok", binary));
            empty = roundTrip(s, prefix + "empty", new byte[0]);
            rows.add(Measurement.row("check", "empty value", "ok", empty));
            for (long size = 1; size <= maxValue; size = size == maxValue ? maxValue + 1 : Math.min(maxValue, size * 64)) {
                byte[] v = new byte[(int) size];
                new java.util.SplittableRandom(size).nextBytes(v);
                boolean ok;
                try {
                    ok = roundTrip(s, prefix + "size:" + size, v);
                } catch (Exception refused) {
                    ok = false;
                }
                rows.add(Measurement.row("check", size + "-byte value", "ok", ok));
                if (!ok) {
                    sizesOk = false;
                    break;
                }
                largest = size;
            }
            s.put(prefix + "over", new byte[] {1});
            s.put(prefix + "over", new byte[] {2});
            overwrite = s.get(prefix + "over").map(v -> Arrays.equals(v, new byte[] {2})).orElse(false);
            rows.add(Measurement.row("check", "overwrite", "ok", overwrite));
            boolean existed = s.delete(prefix + "over");
            delete = existed && s.get(prefix + "over").isEmpty() && !s.delete(prefix + "over");
            rows.add(Measurement.row("check", "delete", "ok", delete));
            missing = s.get(prefix + "never-written").isEmpty();
            rows.add(Measurement.row("check", "missing key", "ok", missing));
            progress.accept(ops + " puts and gets");
            byte[] v = new byte[100];
            Arrays.fill(v, (byte) 'v');
            for (int i = 0; i < ops; i++) {
                long t0 = System.nanoTime();
                s.put(prefix + "op:" + i, v);
                puts.recordValue(Math.max(1, System.nanoTime() - t0));
            }
            for (int i = 0; i < ops; i++) {
                long t0 = System.nanoTime();
                s.get(prefix + "op:" + i);
                gets.recordValue(Math.max(1, System.nanoTime() - t0));
            }
        } finally {
            store.deleteByPrefix(prefix);
            store.cleanUpSessions();
        }
        return Measurement.of(name(), new Measurement.Metrics()
                .put("all_checks_pass", binary && empty && sizesOk && overwrite && delete && missing)
                .put("binary_safe", binary)
                .put("empty_value_ok", empty)
                .put("largest_value_bytes", largest)
                .put("overwrite_ok", overwrite)
                .put("delete_ok", delete)
                .put("missing_is_empty", missing)
                .put("get_p50_ms", gets.getValueAtPercentile(50) / 1e6)
                .put("get_p99_ms", gets.getValueAtPercentile(99) / 1e6)
                .put("put_p50_ms", puts.getValueAtPercentile(50) / 1e6)
                .put("put_p99_ms", puts.getValueAtPercentile(99) / 1e6)
                .put("model", store.kvModel())
                .build(), rows);
    }

    private static boolean roundTrip(KvSession s, String key, byte[] value) throws Exception {
        s.put(key, value);
        Optional<byte[]> back = s.get(key);
        return back.isPresent() && Arrays.equals(back.get(), value);
    }
}
