package dev.scale.probes.objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scale.errors.ScaleException;
import dev.scale.probes.EmbeddedServers;
import dev.scale.probes.Measurement;
import dev.scale.probes.ObjectStore;
import dev.scale.probes.Params;
import dev.scale.probes.stores.postgres.PostgresObjects;
import dev.scale.probes.stores.redis.RedisObjects;
import dev.scale.probes.stores.s3.S3Objects;
import dev.scale.providers.Instance;
import dev.scale.providers.kinds.redis.Resp;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The objects probe on real servers (embedded S3Proxy, PostgreSQL and Redis): every store gives back what it was given,
 * byte for byte, at once and in listings; the largest object goes up and down as a stream; a store's limit is reported
 * in its own words as a limit; a restart keeps what the server persists and loses what it does not.
 */
class ObjectProbeTest {
    @RegisterExtension
    static final EmbeddedServers servers = new EmbeddedServers("objects").withS3();

    private static final ObjectProbe PROBE = new ObjectProbe();

    private static ObjectStore store(String kind) {
        return store(kind, switch (kind) {
            case "s3" -> servers.s3();
            case "postgres" -> servers.postgres();
            default -> servers.redis();
        });
    }

    private static ObjectStore store(String kind, Instance instance) {
        return switch (kind) {
            case "s3" -> new S3Objects(instance.endpoint());
            case "postgres" -> new PostgresObjects(instance.endpoint());
            default -> new RedisObjects(instance.endpoint());
        };
    }

    /** Small sizes, so that four stores run in seconds; the large ones still go up in parts (S3 above 8 MiB). */
    private static Params params(String variant, String phases, String largest) {
        return Params.of(PROBE, Map.of("variant", variant, "small", "4KB", "medium", "256KB", "large", "20MB", "bytes", "8MB", "checks", "40",
                "largest", largest, "phases", phases), false);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"s3, objects", "postgres, bytea", "postgres, large-object", "redis, string"})
    void everyStoreGivesBackWhatItWasGivenAtOnceAndTheLargestAsAStream(String kind, String variant) throws Exception {
        List<String> progress = new ArrayList<>();
        Measurement m;
        try (ObjectStore store = store(kind)) {
            m = PROBE.runOnObjects(store, null, params(variant, "throughput,consistency,largest,presign", "80MB"), progress::add);
        }
        Map<String, Object> x = m.metrics();
        assertThat(x.get("variant")).isEqualTo(variant);
        assertThat(m.rows()).extracting(r -> r.get("phase")).containsExactly("throughput", "throughput", "throughput", "consistency", "largest", "largest", "presign");
        assertThat(m.rows()).extracting(r -> r.get("size")).startsWith("4 KiB", "256 KiB", "20 MiB");
        assertThat(m.rows().get(0).get("objects")).isEqualTo(1000); // 8 MB / 4 KiB, at most 1,000
        assertThat(m.rows().get(2).get("objects")).isEqualTo(2); // at least 2
        assertThat(x).containsEntry("corrupt", 0L).containsEntry("read_after_write_misses", 0L).containsEntry("list_after_write_misses", 0L)
                .containsEntry("list_exact", true);
        for (String size : List.of("small", "medium", "large")) {
            assertThat((Double) x.get(size + "_put_mb_per_s")).as(size).isPositive();
            assertThat((Double) x.get(size + "_get_mb_per_s")).as(size).isPositive();
            assertThat((Double) x.get(size + "_put_p99_ms")).as(size).isPositive();
        }
        // 64 MiB, then 80 MiB: both back with the SHA-256 they went up with
        assertThat(x).containsEntry("largest_tried_bytes", 80L << 20).containsEntry("largest_intact_bytes", 80L << 20)
                .containsEntry("largest_refused_bytes", 0L).containsEntry("largest_refusal", "none");
        assertThat(m.rows().get(4).get("result").toString()).startsWith("SHA-256 as stored, first byte in ");
        assertThat((Double) x.get("first_byte_ms")).isPositive();
        // halfway through moving 80 MiB, the test's own heap (JUnit, the clients) holds far less than the object
        assertThat((Long) x.get("heap_live_peak_bytes")).isPositive().isLessThan(80L << 20);
        // only S3 signs URLs; the URL gave the object to a client with no key
        assertThat(x).containsEntry("presigned_get", kind.equals("s3"));
        assertThat(m.rows().get(6).get("result")).isEqualTo(kind.equals("s3") ? "HTTP 200, SHA-256 as stored" : "the store signs no URLs");
        assertThat(progress).anyMatch(p -> p.contains("an object of 64 MiB streamed up and down"));
        assertNothingLeft(kind);
    }

    /**
     * Redis refuses a string over proto-max-bulk-len (lowered here to 100 MB, from 512 MB, to keep the test short):
     * the probe reports the largest size it kept and the refusal in Redis's words, and goes on to its next phase.
     */
    @Test
    void redisRefusesAStringOverItsLimitInItsOwnWordsAsALimitNotACrash() throws Exception {
        try (Resp r = Resp.connect(servers.redis().endpoint())) {
            r.call(List.of("CONFIG", "SET", "proto-max-bulk-len", "100mb"));
            try (ObjectStore store = store("redis")) {
                Measurement m = PROBE.runOnObjects(store, null, params("", "largest,presign", "256MB"), p -> { });
                assertThat(m.metrics()).containsEntry("largest_intact_bytes", 64L << 20).containsEntry("largest_refused_bytes", 256L << 20)
                        .containsEntry("largest_intact_mib", 64L).containsEntry("documented_limit_bytes", 512L << 20)
                        .containsEntry("largest_refusal", "Redis: ERR string exceeds maximum allowed size (proto-max-bulk-len)")
                        .containsEntry("presigned_get", false);
                assertThat(m.rows()).extracting(r2 -> r2.get("result")).contains("refused: Redis: ERR string exceeds maximum allowed size (proto-max-bulk-len)");
            }
        } finally {
            try (Resp r = Resp.connect(servers.redis().endpoint())) {
                r.call(List.of("CONFIG", "SET", "proto-max-bulk-len", "512mb"));
            }
        }
        assertNothingLeft("redis");
    }

    /** S3Proxy keeps files on disk and PostgreSQL its WAL; scale's Redis runs without persistence and loses them all. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"s3, 20", "postgres, 20", "redis, 0"})
    void aRestartKeepsWhatTheServerPersistsAndTheProbeSaysWhatWasLost(String kind, long kept) throws Exception {
        Instance instance = switch (kind) {
            case "s3" -> servers.s3();
            case "postgres" -> servers.postgres();
            default -> servers.redis();
        };
        List<String> progress = new ArrayList<>();
        try (ObjectStore store = store(kind, instance)) {
            Measurement m = PROBE.runOnObjects(store, lines -> store(kind, servers.restart(instance)), params("", "restart", "64MB"), progress::add);
            assertThat(m.metrics()).containsEntry("restart_written", 20L).containsEntry("restart_kept", kept).containsEntry("restart_lost", 20 - kept);
            assertThat((Double) m.metrics().get("restart_seconds")).isPositive();
            assertThat(m.metrics().get("persistence").toString()).isNotBlank();
            if (kind.equals("redis")) {
                assertThat(m.metrics()).containsEntry("persistence", "RDB off, AOF off");
            }
        }
        assertThat(progress).contains("20 objects of 256 KiB stored, then the server restarted");
        assertNothingLeft(kind);
    }

    @Test
    void aBadVariantOrPhaseIsAUsageErrorBeforeAnythingIsWritten() {
        assertThatThrownBy(() -> PROBE.check(Params.of(PROBE, Map.of("phases", "throughput,reboot"), false)))
                .isInstanceOf(ScaleException.class).hasMessageContaining("--phases: no phase 'reboot'");
        assertThatThrownBy(() -> {
            try (ObjectStore store = store("postgres")) {
                PROBE.runOnObjects(store, null, params("blob", "throughput", "64MB"), p -> { });
            }
        }).isInstanceOf(ScaleException.class).hasMessageContaining("--variant blob is not one of postgres's").satisfies(e ->
                assertThat(((ScaleException) e).oneLine()).contains("give one of bytea, large-object"));
    }

    /** The content the probe sends: the same bytes for the same seed, other bytes for another, never compressible runs. */
    @Test
    void contentIsRepeatableAndDiffersPerObject() throws Exception {
        byte[] a = new ObjectProbe.Content(1, 3_000_000).readAllBytes();
        byte[] again = new ObjectProbe.Content(1, 3_000_000).readAllBytes();
        byte[] b = new ObjectProbe.Content(2, 3_000_000).readAllBytes();
        assertThat(a).hasSize(3_000_000).isEqualTo(again).isNotEqualTo(b);
        java.util.zip.Deflater d = new java.util.zip.Deflater();
        d.setInput(a);
        d.finish();
        byte[] out = new byte[4_000_000];
        assertThat(d.deflate(out)).as("compressed size").isGreaterThan(2_900_000);
        assertThat(ObjectProbe.Content.matches(new ByteArrayInputStream(a), a.length, crc(a))).isTrue();
        assertThat(ObjectProbe.Content.matches(new ByteArrayInputStream(b), b.length, crc(a))).isFalse();
        assertThat(ObjectProbe.ladder(1L << 30)).containsExactly(64L << 20, 256L << 20, 1L << 30);
        assertThat(ObjectProbe.ladder(10_000_000)).containsExactly(10_000_000L);
        assertThat(ObjectProbe.human(4096)).isEqualTo("4 KiB");
        assertThat(ObjectProbe.human(80_000_000)).isEqualTo("76.3 MiB");
    }

    private static long crc(byte[] b) {
        java.util.zip.CRC32C c = new java.util.zip.CRC32C();
        c.update(b);
        return c.getValue();
    }

    /** Everything a probe run wrote is gone from the server: no scale_probe_ table, large object, key or object. */
    private static void assertNothingLeft(String kind) throws Exception {
        switch (kind) {
            case "s3" -> {
                try (var s3 = dev.scale.providers.kinds.s3.S3Clients.client(servers.s3().endpoint())) {
                    assertThat(s3.listObjectsV2(b -> b.bucket("scale")).contents()).isEmpty();
                }
            }
            case "redis" -> {
                try (Resp r = Resp.connect(servers.redis().endpoint())) {
                    assertThat(r.call(List.of("DBSIZE"))).isEqualTo(new Resp.Int(0));
                }
            }
            default -> {
                try (var c = java.sql.DriverManager.getConnection("jdbc:postgresql://" + servers.postgres().endpoint().host() + ":"
                        + servers.postgres().endpoint().port() + "/" + servers.postgres().endpoint().database(), servers.postgres().endpoint().username(),
                        servers.postgres().endpoint().password().reveal());
                     var rs = c.createStatement().executeQuery("SELECT (SELECT count(*) FROM pg_tables WHERE tablename LIKE 'scale_probe_%'), (SELECT count(*) FROM pg_largeobject_metadata)")) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("tables").isZero();
                    assertThat(rs.getLong(2)).as("large objects").isZero();
                }
            }
        }
    }
}
