package dev.scale.probes.objects;

import dev.scale.errors.ScaleException;
import dev.scale.probes.Measurement;
import dev.scale.probes.ObjectStore;
import dev.scale.probes.ObjectStore.Variant;
import dev.scale.probes.Params;
import dev.scale.probes.Phases;
import dev.scale.probes.Restarter;
import dev.scale.probes.StoreAdapter;
import dev.scale.probes.VerdictProbe;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.HdrHistogram.Histogram;

/**
 * Where do files go? One workload over an object adapter per store (S3, PostgreSQL bytea or large objects, Redis
 * strings), in phases:
 * <ul>
 * <li><b>throughput</b>: objects of three sizes (4 KiB, 1 MiB, 64 MiB by default) stored one after another and read
 * back, each timed (MB/s, latency histograms) and each checked (length and CRC-32C);</li>
 * <li><b>consistency</b>: an object stored, then at once read (read-after-write) and listed by its prefix
 * (list-after-write), counted; and a listing by prefix that must give exactly the keys under it, not a neighbour's;</li>
 * <li><b>largest</b>: objects of growing size (64 MiB, ×4 each step) up to {@code --largest}, streamed up and down
 * and checked with SHA-256, until the store refuses one: the refusal, in its words, is the store's limit. The probe's
 * own Java heap is weighed halfway through each transfer, after a full collection: streaming means it stays far below
 * the object's size;</li>
 * <li><b>presign</b>: a URL the store signs, fetched by a plain HTTP client without credentials;</li>
 * <li><b>restart</b>, only when asked for and where scale started the server: objects stored, the server restarted,
 * and each read back and checked.</li>
 * </ul>
 * The bytes are pseudo-random (incompressible), generated as they are sent; nothing holds a whole large object.
 */
public final class ObjectProbe implements VerdictProbe {
    static final List<String> PHASES = List.of("throughput", "consistency", "largest", "presign", "restart");
    private static final List<String> SIZES = List.of("small", "medium", "large");
    private static final int BUFFER = 64 * 1024;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Override
    public String name() {
        return "objects";
    }

    @Override
    public List<String> description() {
        return List.of("Where do files go? Objects of three sizes stored and read back one after another (MB/s, latency",
                "histograms, each checked), read-after-write and list-after-write counted, objects of growing size streamed up",
                "to --largest and checked with SHA-256 until the store refuses one (its limit, in its words), scale's own heap",
                "watched meanwhile, and a presigned URL fetched without credentials. Stores: s3 (objects), postgres (bytea,",
                "large-object), redis (string).");
    }

    @Override
    public List<Param> params() {
        return List.of(
                Param.text("variant", "", "How the store keeps objects; empty for its first: s3 objects; postgres bytea or large-object; redis string."),
                Param.size("small", "4KB", 1, 64L << 20, "The small objects' size."),
                Param.size("medium", "1MB", 1, 256L << 20, "The medium objects' size."),
                Param.size("large", "64MB", 1, 1L << 30, "The large objects' size."),
                Param.size("bytes", "64MB", 1, 16L << 30, "Bytes stored (and read) per size in the throughput phase: at least 2 objects, at most 1,000."),
                Param.number("checks", 100, 1, 100_000, "Objects in the consistency phase, each read and listed at once after it is stored."),
                Param.size("largest", "256MB", 1, 16L << 30, "The largest object tried: 64 MiB, then ×4 each step up to this."),
                Param.text("phases", "throughput,consistency,largest,presign", "Which phases to run, of " + String.join(", ", PHASES)
                        + " (restart stops and starts the server: only where scale started it)."));
    }

    @Override
    public List<Metric> metrics() {
        List<Metric> m = new ArrayList<>(List.of(new Metric("variant", "how the store kept the objects")));
        for (String s : SIZES) {
            m.add(new Metric(s + "_put_mb_per_s", s + " objects: MB stored per second, one after another"));
            m.add(new Metric(s + "_get_mb_per_s", s + " objects: MB read back per second"));
            m.add(new Metric(s + "_put_p99_ms", s + " objects: p99 of one store"));
            m.add(new Metric(s + "_get_p99_ms", s + " objects: p99 of one read, to its last byte"));
        }
        m.addAll(List.of(
                new Metric("corrupt", "throughput phase: objects read back with another length or content"),
                new Metric("read_after_write_misses", "consistency phase: objects not readable, or not as stored, at once after being stored"),
                new Metric("list_after_write_misses", "consistency phase: objects missing from a listing of their prefix at once after"),
                new Metric("list_exact", "consistency phase: a listing by prefix gave every key under it and no other"),
                new Metric("largest_tried_bytes", "largest phase: the largest object tried"),
                new Metric("largest_intact_bytes", "largest phase: the largest object stored and read back with the same SHA-256"),
                new Metric("largest_intact_mib", "the same, in MiB"),
                new Metric("largest_refused_bytes", "largest phase: the first size the store refused (0: none)"),
                new Metric("largest_refusal", "largest phase: the store's refusal, in its words (none: it took them all)"),
                new Metric("documented_limit_bytes", "the largest object the store documents for this variant (0: none named)"),
                new Metric("largest_put_mb_per_s", "largest phase: MB/s storing the largest intact object"),
                new Metric("largest_get_mb_per_s", "largest phase: MB/s reading it back"),
                new Metric("first_byte_ms", "largest phase: from asking for the largest intact object to its first byte"),
                new Metric("heap_live_peak_bytes", "largest phase: scale's Java heap in use (after a full collection) halfway through storing and reading each object"),
                new Metric("heap_live_grown_bytes", "largest phase: the same, less what the heap held before the phase"),
                new Metric("streams", "largest phase: scale's live heap grew by less than a quarter of the largest object it moved"),
                new Metric("presigned_get", "presign phase: a URL the store signed gave the object to an HTTP client without credentials"),
                new Metric("restart_written", "restart phase: objects stored before the server restarted"),
                new Metric("restart_kept", "restart phase: of those, the ones read back intact after"),
                new Metric("restart_lost", "restart phase: the ones that were not"),
                new Metric("restart_seconds", "restart phase: from asking for the restart to the server answering again"),
                new Metric("persistence", "how the server keeps data over a restart, as it reports it"),
                new Metric("rss_peak_bytes", "scale's whole process at its peak (resident memory, JVM included)")));
        return m;
    }

    @Override
    public void check(Params params) {
        Phases.of(params.text("phases"), PHASES);
    }

    @Override
    public boolean measuresObjects() {
        return true;
    }

    @Override
    public Measurement run(StoreAdapter store, Params params, Consumer<String> progress) {
        return Measurement.notApplicable(name(), store.kind() + " keeps no objects scale can measure", Map.of());
    }

    @Override
    public Measurement runOnObjects(ObjectStore store, Restarter<ObjectStore> restarter, Params params, Consumer<String> progress) throws Exception {
        Variant variant = variant(store, params.text("variant"));
        String space = "scale_probe_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        ObjectStore[] current = {store};
        try {
            variant.create(space);
            return measure(current, variant, space, restarter, params, progress);
        } catch (ScaleException | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw ScaleException.failure("the objects probe failed on " + store.kind() + ": " + Phases.describe(e), e);
        } finally {
            try {
                variant(current[0], variant.name()).drop(space);
            } catch (Exception ignored) {
                // the server is gone or refuses: nothing more to remove from it
            }
            if (current[0] != store) {
                current[0].close();
            }
        }
    }


    private Measurement measure(ObjectStore[] store, Variant variant, String space, Restarter<ObjectStore> restarter, Params params,
                                Consumer<String> progress) throws Exception {
        List<String> phases = Phases.of(params.text("phases"), PHASES);
        Measurement.Metrics metrics = new Measurement.Metrics().put("variant", variant.name())
                .put("documented_limit_bytes", variant.documentedLimitBytes());
        List<Map<String, Object>> rows = new ArrayList<>();
        if (phases.contains("throughput")) {
            long corrupt = 0;
            for (String size : SIZES) {
                long bytes = params.bytes(size);
                int count = (int) Math.max(2, Math.min(1000, params.bytes("bytes") / bytes));
                progress.accept(String.format(Locale.ROOT, "%s: %,d objects of %s stored, then read back", variant.name(), count, human(bytes)));
                Throughput t = throughput(variant, space, size, bytes, count);
                corrupt += t.corrupt;
                metrics.put(size + "_put_mb_per_s", t.putMbPerSecond()).put(size + "_get_mb_per_s", t.getMbPerSecond())
                        .put(size + "_put_p99_ms", ms(t.put, 99)).put(size + "_get_p99_ms", ms(t.get, 99));
                rows.add(row("throughput", bytes, count, t.putMbPerSecond(), t.getMbPerSecond(), ms(t.put, 50), ms(t.put, 99), ms(t.get, 50),
                        ms(t.get, 99), t.corrupt == 0 ? "each as stored" : t.corrupt + " corrupt"));
            }
            metrics.put("corrupt", corrupt);
        }
        if (phases.contains("consistency")) {
            consistency(variant, space, params.integer("checks"), params.bytes("small"), metrics, rows, progress);
        }
        if (phases.contains("largest")) {
            largest(variant, space, params.bytes("largest"), metrics, rows, progress);
        }
        if (phases.contains("presign")) {
            presign(variant, space, params.bytes("medium"), metrics, rows, progress);
        }
        if (phases.contains("restart")) {
            if (restarter == null) {
                return Measurement.notApplicable(name(), "scale cannot restart this server: it did not start it, or it is one node of a replicated instance", metrics.build());
            }
            try {
                restart(store, variant, space, restarter, params.bytes("medium"), metrics, rows, progress);
            } catch (ScaleException cannot) {
                if (cannot.exitCode() != dev.scale.errors.ExitCode.USAGE) {
                    throw cannot;
                }
                return Measurement.notApplicable(name(), cannot.oneLine(), metrics.build());
            }
        }
        metrics.put("rss_peak_bytes", Phases.rssPeak());
        return Measurement.of(name(), metrics.build(), rows);
    }


    static Variant variant(ObjectStore store, String name) {
        if (name == null || name.isBlank()) {
            return store.variants().get(0);
        }
        return store.variants().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow(() -> ScaleException.usage(
                "--variant " + name + " is not one of " + store.kind() + "'s", "give one of " + String.join(", ", store.variants().stream().map(Variant::name).toList())));
    }

    // ---- throughput ----------------------------------------------------------------------------------------

    private record Throughput(Histogram put, Histogram get, long bytes, long putNanos, long getNanos, long corrupt) {
        double putMbPerSecond() {
            return Measurement.round(bytes / 1e6 / (putNanos / 1e9));
        }

        double getMbPerSecond() {
            return Measurement.round(bytes / 1e6 / (getNanos / 1e9));
        }
    }

    private static Throughput throughput(Variant variant, String space, String label, long size, int count) throws Exception {
        Histogram put = new Histogram(3);
        Histogram get = new Histogram(3);
        long[] crcs = new long[count];
        long putNanos = 0;
        for (int i = 0; i < count; i++) {
            Content content = new Content(seed(label, i), size);
            long start = System.nanoTime();
            variant.put(space, label + "/" + i, content, size);
            long took = System.nanoTime() - start;
            putNanos += took;
            put.recordValue(Math.max(1, took / 1000));
            crcs[i] = content.crc();
        }
        long getNanos = 0;
        long corrupt = 0;
        byte[] buffer = new byte[BUFFER];
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            long read = 0;
            CRC32C crc = new CRC32C();
            try (InputStream in = variant.get(space, label + "/" + i)) {
                if (in != null) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        crc.update(buffer, 0, n);
                        read += n;
                    }
                }
            }
            long took = System.nanoTime() - start;
            getNanos += took;
            get.recordValue(Math.max(1, took / 1000));
            if (read != size || crc.getValue() != crcs[i]) {
                corrupt++;
            }
        }
        return new Throughput(put, get, size * count, putNanos, getNanos, corrupt);
    }

    /** Every phase's row has the same columns: the table prints them under one header. */
    private static Map<String, Object> row(String phase, long size, int objects, Double putMb, Double getMb, Double putP50, Double putP99,
                                           Double getP50, Double getP99, String result) {
        return Measurement.row("phase", phase, "size", human(size), "objects", objects, "put_mb_per_s", putMb, "get_mb_per_s", getMb,
                "put_p50_ms", putP50, "put_p99_ms", putP99, "get_p50_ms", getP50, "get_p99_ms", getP99, "result", result);
    }

    private static Double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? null : Measurement.round(h.getValueAtPercentile(percentile) / 1000.0);
    }

    // ---- consistency ---------------------------------------------------------------------------------------

    private static void consistency(Variant variant, String space, int checks, long size, Measurement.Metrics metrics,
                                    List<Map<String, Object>> rows, Consumer<String> progress) throws Exception {
        progress.accept(String.format(Locale.ROOT, "%,d objects each read and listed at once after being stored", checks));
        long readMisses = 0;
        long listMisses = 0;
        long start = System.nanoTime();
        for (int i = 0; i < checks; i++) {
            String key = "c/" + i + "/object";
            Content content = new Content(seed("c", i), size);
            variant.put(space, key, content, size);
            if (!Content.matches(variant.get(space, key), size, content.crc())) {
                readMisses++;
            }
            if (!variant.list(space, "c/" + i + "/").contains(key)) {
                listMisses++;
            }
        }
        // a neighbour whose name starts like the prefix without being under it: a listing by "c/" must leave it out
        variant.put(space, "c-neighbour", new Content(1, 1), 1);
        List<String> listed = variant.list(space, "c/");
        boolean exact = listed.size() == checks && listed.stream().allMatch(k -> k.startsWith("c/"));
        double seconds = (System.nanoTime() - start) / 1e9;
        metrics.put("read_after_write_misses", readMisses).put("list_after_write_misses", listMisses).put("list_exact", exact);
        rows.add(row("consistency", size, checks, null, null, null, null, null, null, String.format(Locale.ROOT,
                "%d read and %d list misses; prefix listed %d of %d%s, in %.1f s", readMisses, listMisses, listed.size(), checks,
                exact ? "" : " (not exact)", seconds)));
    }

    // ---- largest -------------------------------------------------------------------------------------------

    /** 64 MiB, then ×4 each step, the last step the largest asked for. */
    static List<Long> ladder(long largest) {
        List<Long> steps = new ArrayList<>();
        for (long s = 64L << 20; s < largest; s *= 4) {
            steps.add(s);
        }
        steps.add(largest);
        return steps;
    }

    private static void largest(Variant variant, String space, long largest, Measurement.Metrics metrics, List<Map<String, Object>> rows,
                                Consumer<String> progress) throws Exception {
        long intact = 0;
        long refused = 0;
        String refusal = null;
        Double putMb = null;
        Double getMb = null;
        Double firstByte = null;
        long tried = 0;
        long live = 0;
        long before = liveHeap(); // what the JVM held before: a probe run inside a bigger program counts only its own
        for (long size : ladder(largest)) {
            tried = size;
            progress.accept("an object of " + human(size) + " streamed up and down, checked with SHA-256");
            String key = "largest/" + size;
            long[] sampled = {0};
            Content content = new Content(seed("largest", size), size).withSha256().atHalf(() -> sampled[0] = liveHeap());
            long start = System.nanoTime();
            try {
                variant.put(space, key, content, size);
            } catch (Exception e) {
                refused = size;
                refusal = Phases.describe(e);
                break;
            }
            double putSeconds = (System.nanoTime() - start) / 1e9;
            MessageDigest sha = sha256();
            long read = 0;
            long askedAt = System.nanoTime();
            long firstAt = 0;
            try (InputStream in = variant.get(space, key)) {
                byte[] buffer = new byte[BUFFER];
                for (int n; in != null && (n = in.read(buffer)) > 0; ) {
                    if (firstAt == 0) {
                        firstAt = System.nanoTime();
                    }
                    sha.update(buffer, 0, n);
                    if (read < size / 2 && read + n >= size / 2) {
                        sampled[0] = Math.max(sampled[0], liveHeap());
                    }
                    read += n;
                }
            } catch (Exception e) {
                refused = size;
                refusal = "stored, but not read back: " + Phases.describe(e);
                break;
            }
            double getSeconds = (System.nanoTime() - askedAt) / 1e9;
            byte[] digest = sha.digest();
            boolean same = read == size && MessageDigest.isEqual(digest, content.sha256());
            rows.add(row("largest", size, 1, Measurement.round(size / 1e6 / putSeconds), Measurement.round(size / 1e6 / getSeconds), null, null,
                    null, null, (same ? "SHA-256 as stored" : "SHA-256 DIFFERENT (" + read + " bytes)")
                            + (firstAt == 0 ? "" : String.format(Locale.ROOT, ", first byte in %.1f ms", (firstAt - askedAt) / 1e6))));
            variant.drop(space); // one large object on the server at a time
            variant.create(space);
            if (!same) {
                refused = size;
                refusal = "read back " + read + " bytes with another SHA-256";
                break;
            }
            intact = size;
            live = Math.max(live, sampled[0]);
            putMb = Measurement.round(size / 1e6 / putSeconds);
            getMb = Measurement.round(size / 1e6 / getSeconds);
            firstByte = firstAt == 0 ? null : Measurement.round((firstAt - askedAt) / 1e6);
        }
        metrics.put("largest_tried_bytes", tried).put("largest_intact_bytes", intact).put("largest_intact_mib", intact >> 20)
                .put("largest_refused_bytes", refused).put("largest_refusal", refusal == null ? "none" : refusal)
                .put("largest_put_mb_per_s", putMb).put("largest_get_mb_per_s", getMb).put("first_byte_ms", firstByte)
                .put("heap_live_peak_bytes", live).put("heap_live_grown_bytes", Math.max(0, live - before))
                .put("streams", intact >= (64L << 20) ? live - before < intact / 4 : null);
        if (refusal != null) {
            rows.add(row("largest", refused, 1, null, null, null, null, null, null, "refused: " + refusal));
        }
    }

    // ---- presign -------------------------------------------------------------------------------------------

    private static void presign(Variant variant, String space, long size, Measurement.Metrics metrics, List<Map<String, Object>> rows,
                                Consumer<String> progress) throws Exception {
        Content content = new Content(seed("presign", size), size).withSha256();
        variant.put(space, "presigned", content, size);
        String url = variant.presign(space, "presigned", Duration.ofMinutes(5));
        if (url == null) {
            metrics.put("presigned_get", false);
            rows.add(row("presign", size, 1, null, null, null, null, null, null, "the store signs no URLs"));
            return;
        }
        progress.accept("a presigned URL fetched without credentials");
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(1)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        MessageDigest sha = sha256();
        long read = 0;
        try (InputStream in = r.body()) {
            byte[] buffer = new byte[BUFFER];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
                read += n;
            }
        }
        boolean same = r.statusCode() == 200 && read == size && MessageDigest.isEqual(sha.digest(), content.sha256());
        metrics.put("presigned_get", same);
        rows.add(row("presign", size, 1, null, null, null, null, null, null, "HTTP " + r.statusCode() + (same ? ", SHA-256 as stored" : ", SHA-256 DIFFERENT")));
    }

    // ---- restart -------------------------------------------------------------------------------------------

    private static void restart(ObjectStore[] store, Variant variant, String space, Restarter<ObjectStore> restarter, long size,
                                Measurement.Metrics metrics, List<Map<String, Object>> rows, Consumer<String> progress) throws Exception {
        int count = 20;
        metrics.put("persistence", store[0].persistence());
        progress.accept(String.format(Locale.ROOT, "%d objects of %s stored, then the server restarted", count, human(size)));
        long[] crcs = new long[count];
        for (int i = 0; i < count; i++) {
            Content content = new Content(seed("r", i), size);
            variant.put(space, "r/" + i, content, size);
            crcs[i] = content.crc();
        }
        long start = System.nanoTime();
        store[0] = restarter.restart(progress);
        double seconds = (System.nanoTime() - start) / 1e9;
        Variant again = variant(store[0], variant.name());
        long kept = 0;
        for (int i = 0; i < count; i++) {
            try {
                if (Content.matches(again.get(space, "r/" + i), size, crcs[i])) {
                    kept++;
                }
            } catch (Exception gone) {
                // a table or key the restart lost: not kept
            }
        }
        metrics.put("restart_written", (long) count).put("restart_kept", kept).put("restart_lost", count - kept)
                .put("restart_seconds", Measurement.round(seconds));
        rows.add(row("server restart", size, count, null, null, null, null, null, null,
                String.format(Locale.ROOT, "%d kept, %d lost; restarted in %.1f s", kept, count - kept, seconds)));
    }

    // ---- content -------------------------------------------------------------------------------------------

    private static long seed(String label, long i) {
        return label.hashCode() * 1_000_003L + i;
    }

    /** 4 KiB, 1 MiB, 64 MiB, 1 GiB: sizes as people write them. */
    static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        double v = bytes;
        while (v >= 1024 && u < units.length - 1 && (u == 0 || v % 1024 == 0 || v >= 10 * 1024)) {
            v /= 1024;
            u++;
        }
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%d %s", (long) v, units[u]) : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /**
     * The Java heap the probe holds now: what is in use after a full collection, so garbage a streaming loop leaves
     * behind does not count, and an object held whole would.
     */
    private static long liveHeap() {
        System.gc();
        return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * An object's bytes, made as they are read: a 1 MiB block of random bytes, read from an offset that depends on
     * the seed and wrapping around, so objects differ and nothing compresses; its CRC-32C (and SHA-256 if asked for)
     * computed on the way out.
     */
    static final class Content extends InputStream {
        private static final byte[] BLOCK = new byte[1 << 20];

        static {
            new java.util.Random(20131).nextBytes(BLOCK);
        }

        private final long length;
        private long position;
        private int at;
        private final CRC32C crc = new CRC32C();
        private MessageDigest sha;
        private byte[] digest;
        private Runnable half;

        Content(long seed, long length) {
            this.length = length;
            this.at = (int) Math.floorMod(seed * 0x9E3779B97F4A7C15L >>> 20, (long) BLOCK.length);
        }

        /** Runs {@code sample} once, when half the bytes have been read. */
        Content atHalf(Runnable sample) {
            this.half = sample;
            return this;
        }

        Content withSha256() {
            sha = ObjectProbe.sha256();
            return this;
        }

        long crc() {
            return crc.getValue();
        }

        byte[] sha256() {
            if (digest == null) {
                digest = sha.digest();
            }
            return digest;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= length) {
                return -1;
            }
            int n = (int) Math.min(Math.min(len, length - position), BLOCK.length - at);
            System.arraycopy(BLOCK, at, b, off, n);
            crc.update(b, off, n);
            if (sha != null) {
                sha.update(b, off, n);
            }
            if (half != null && position < length / 2 && position + n >= length / 2) {
                half.run();
            }
            position += n;
            at = (at + n) % BLOCK.length;
            return n;
        }

        /** Whether {@code in} gives exactly {@code length} bytes with that CRC-32C; closes it. */
        static boolean matches(InputStream in, long length, long crc) throws IOException {
            if (in == null) {
                return false;
            }
            try (in) {
                CRC32C c = new CRC32C();
                byte[] buffer = new byte[BUFFER];
                long read = 0;
                for (int n; (n = in.read(buffer)) > 0; ) {
                    c.update(buffer, 0, n);
                    read += n;
                }
                return read == length && c.getValue() == crc;
            }
        }
    }

}
