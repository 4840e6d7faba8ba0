package dev.scale.cli.shell.s3;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scale.cli.Run;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Secret;
import dev.scale.providers.kinds.redis.Resp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code scale probe objects} and {@code scale fit files} through the command line on real servers (the CI images of
 * S3Proxy, PostgreSQL and Redis under Docker; the embedded ones), an AWS SDK for Java program that reads the contract
 * with its default configuration under {@code scale run}, and the errors a user meets, one line each.
 */
class ObjectsCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;


    @ParameterizedTest
    @ValueSource(strings = {"docker", "embedded"})
    void fitFilesJudgesS3PostgresAndRedisFromTheirOwnMeasurements(String provider) throws Exception {
        Map<String, String> env = Run.forProvider(home, provider);
        Path report = home.resolve("files.html");
        Run r = Run.of(env, "fit", "files", "--on", "s3,postgres,redis", "--output", "json", "--report", report.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode json = JSON.readTree(r.out());
        assertThat(json.get("scenario").asText()).isEqualTo("files");
        Map<String, JsonNode> cells = new HashMap<>();
        json.get("results").forEach(c -> cells.put(c.get("requirement").asText() + "/" + c.get("store").asText(), c));
        for (String store : List.of("s3", "postgres", "redis")) {
            // each verdict follows what this run measured on that store
            JsonNode big = cells.get("objects up to 1 GiB/" + store);
            assertThat(big.get("verdict").asText()).as(store).isEqualTo(big.get("metrics").get("largest_intact_bytes").asLong() >= (1L << 30) ? "PASS" : "FAIL");
            JsonNode rate = cells.get("25 MB/s or more for 1 MiB files/" + store);
            boolean fast = rate.get("metrics").get("medium_put_mb_per_s").asDouble() >= 25 && rate.get("metrics").get("medium_get_mb_per_s").asDouble() >= 25;
            assertThat(rate.get("verdict").asText()).as(store).isEqualTo(fast ? "PASS" : "FAIL");
            // every store gives back at once what it was given, and lists a prefix exactly
            assertThat(cells.get("listing by prefix, at once after writing/" + store).get("verdict").asText()).as(store).isEqualTo("PASS");
            assertThat(cells.get("listing by prefix, at once after writing/" + store).get("metrics").get("corrupt").asLong()).isZero();
            // scale streamed 256 MiB or more through a heap far smaller
            JsonNode streaming = cells.get("streaming reads/" + store);
            assertThat(streaming.get("verdict").asText()).as(store + ": " + streaming.get("evidence").asText()).isEqualTo("PASS");
            assertThat(streaming.get("metrics").get("largest_intact_bytes").asLong()).isGreaterThanOrEqualTo(256L << 20);
            JsonNode restart = cells.get("files survive a restart/" + store);
            assertThat(restart.get("metrics").get("restart_written").asLong()).isEqualTo(20);
            assertThat(restart.get("verdict").asText()).isEqualTo(restart.get("metrics").get("restart_lost").asLong() == 0 ? "PASS" : "FAIL");
        }
        // S3 keeps 1 GiB and signs URLs; a bytea is refused by the protocol and a Redis string by Redis, each in its words
        assertThat(cells.get("objects up to 1 GiB/s3").get("verdict").asText()).isEqualTo("PASS");
        assertThat(cells.get("objects up to 1 GiB/postgres").get("evidence").asText())
                .contains("256 MiB stored and read back with the same SHA-256", "does not fit the protocol's largest message");
        assertThat(cells.get("objects up to 1 GiB/redis").get("evidence").asText())
                .contains("256 MiB stored and read back with the same SHA-256", "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        assertThat(cells.get("presigned URLs for direct download/s3").get("verdict").asText()).isEqualTo("PASS");
        assertThat(cells.get("presigned URLs for direct download/postgres").get("verdict").asText()).isEqualTo("FAIL");
        assertThat(cells.get("files survive a restart/s3").get("verdict").asText()).isEqualTo("PASS");
        assertThat(cells.get("files survive a restart/postgres").get("verdict").asText()).isEqualTo("PASS");
        assertThat(cells.get("files survive a restart/redis").get("evidence").asText()).contains("0 of 20 intact after the restart", "RDB off, AOF off");
        assertThat(Files.readString(report)).contains("Storing objects, one after another", "Reading them back",
                "Largest object kept intact, and scale&#39;s live heap meanwhile", "s3 (objects)", "postgres (bytea)", "redis (string)", "4 KiB", "64 MiB");
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    /**
     * A Java program with the AWS SDK's default configuration ({@code S3Client.create()}: no endpoint, key, region or
     * path style in its code) under {@code scale run}: it stores, reads, lists and batch-deletes a key with odd
     * characters, on both providers.
     */
    @ParameterizedTest
    @ValueSource(strings = {"docker", "embedded"})
    void theAwsSdkForJavaWithItsDefaultConfigurationReadsTheContract(String provider) throws Exception {
        Map<String, String> env = Run.forProvider(home, provider);
        Path program = home.resolve("Sdk.java");
        Files.writeString(program, """
                import software.amazon.awssdk.core.sync.RequestBody;
                import software.amazon.awssdk.services.s3.S3Client;
                import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
                public class Sdk {
                    public static void main(String[] args) throws Exception {
                        String bucket = System.getenv("S3_BUCKET");
                        String key = "日本/ü +%?#.txt";
                        StringBuilder out = new StringBuilder();
                        try (S3Client s3 = S3Client.create()) {
                            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("héllo"));
                            out.append(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String()).append((char) 10);
                            s3.listObjectsV2(b -> b.bucket(bucket).prefix("日本/")).contents().forEach(o -> out.append(o.key() + " " + o.size()).append((char) 10));
                            s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(ObjectIdentifier.builder().key(key).build())));
                            out.append("left " + s3.listObjectsV2(b -> b.bucket(bucket)).keyCount()).append((char) 10);
                        }
                        java.nio.file.Files.writeString(java.nio.file.Path.of(args[0]), out);
                    }
                }
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString(); // its source read as UTF-8, whatever the locale
        Path out = home.resolve("out.txt");
        Run r = Run.of(env, "run", "--with", "s3", "--", java, "-Dfile.encoding=UTF-8", "-cp", System.getProperty("java.class.path"), program.toString(), out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(out)).isEqualTo("héllo\n日本/ü +%?#.txt 6\nleft 0\n");
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    /**
     * The probe streams: scale in a JVM allowed 96 MiB of heap stores a 1 GiB object and reads it back intact, and says
     * how little of that heap it held halfway through each way.
     */
    @Test
    void aGibibyteObjectGoesUpAndDownThroughANinetySixMebibyteHeap() throws Exception {
        Map<String, String> env = Run.forProvider(home, "embedded");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx96m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), "dev.scale.cli.Main",
                "probe", "objects", "--on", "s3", "--phases", "largest", "--largest", "1GB", "--output", "json");
        Process p = Run.process(env, command).redirectOutput(home.resolve("out.json").toFile()).redirectError(home.resolve("err.txt").toFile()).start();
        assertThat(p.waitFor(10, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(home.resolve("err.txt"))).isZero();
        JsonNode m = JSON.readTree(home.resolve("out.json").toFile()).get("metrics");
        assertThat(m.get("largest_intact_bytes").asLong()).isEqualTo(1L << 30);
        assertThat(m.get("largest_refusal").asText()).isEqualTo("none");
        assertThat(m.get("heap_live_peak_bytes").asLong()).isPositive().isLessThan(96L << 20);
        assertThat(m.get("streams").asBoolean()).isTrue();
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    /**
     * A {@code scale run --with s3} killed with kill -9: the S3 server shows as orphaned and gc removes it, container or
     * S3Proxy JVM and its directory; one stopped with Ctrl-C (SIGINT) leaves nothing.
     */
    @ParameterizedTest
    @ValueSource(strings = {"docker", "embedded"})
    void aRunKilledLeavesAnOrphanThatGcRemovesAndAnInterruptedOneLeavesNothing(String provider) throws Exception {
        dev.scale.cli.Orphans.killedThenInterrupted(Run.forProvider(home, provider), home, "s3");
    }

    /**
     * An S3 server whose disk is full (the embedded one, its instance directory on a 40 MiB tmpfs: needs root, as CI
     * has): a 60 MB put, and every command after it, is one ERROR line and the shell goes on (before, the SDK's retry
     * of a small put failed on a spent stream and ended the shell with an internal error); once the instance is gone,
     * nothing of it is left on that disk.
     */
    @Test
    void aFullServerIsOneLineAndTheShellGoesOn() throws Exception {
        Map<String, String> env = new HashMap<>(Run.forProvider(home, "embedded"));
        Path state = Files.createDirectories(home.resolve("full"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", state.toString()).redirectErrorStream(true).start();
        String why = new String(mount.getInputStream().readAllBytes());
        if (!mount.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || mount.exitValue() != 0) {
            if ("true".equals(System.getenv("CI"))) {
                org.junit.jupiter.api.Assertions.fail("CI=true but this machine cannot mount a tmpfs: " + why);
            }
            org.junit.jupiter.api.Assumptions.abort("cannot mount a tmpfs here (needs root): " + why);
        }
        try {
            env.put("SCALE_STATE_DIR", state.toString());
            byte[] bytes = new byte[60_000_000];
            new java.util.Random(3).nextBytes(bytes);
            Path big = Files.write(home.resolve("big.bin"), bytes);
            Path small = Files.writeString(home.resolve("small.txt"), "still room for this\n");
            Run r = Run.withInput("put " + big + "\nls\nput " + small + "\ncat small.txt\n", env, "try", "s3");
            assertThat(r.code()).as(r.err()).isZero();
            // S3Proxy answers 500 with no words to everything once its disk is full, listings too: each is one line,
            // and the shell reads the next (the small put is retried once by the SDK, its body sent again)
            String full = "ERROR 500 Internal Server Error: the server gave no reason (a full disk is one)\n";
            assertThat(r.out()).isEqualTo(full + full + full + "ERROR NoSuchKey: The specified key does not exist.\n");
            assertThat(r.err()).doesNotContain("internal error", "Exception");
            assertThat(Run.of(env, "ls").out()).contains("no instances");
            try (var left = Files.walk(state)) {
                assertThat(left.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().equals(".lock")).toList())
                        .as("nothing left on the full disk once the instance is gone").isEmpty();
            }
        } finally {
            new ProcessBuilder("umount", state.toString()).inheritIO().start().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** Wrong key, nothing listening, a kind with no keys, a bad phase or variant, a server out of room: one line, the right code. */
    @Test
    void probeErrorsAreOneLineWithTheRightExitCodeAndNoInstanceIsLost() throws Exception {
        Map<String, String> env = Run.forProvider(home, "embedded");
        assertThat(Run.of(env, "up", "s3", "--name", "files").code()).isZero();
        assertThat(Run.of(env, "up", "redis", "--name", "cache").code()).isZero();
        try {
            JsonNode ls = JSON.readTree(Run.of(env, "ls", "--output", "json").out());
            int s3 = 0;
            int redis = 0;
            String redisPassword = null;
            for (JsonNode i : ls) {
                if (i.get("kind").asText().equals("s3")) {
                    s3 = i.get("port").asInt();
                } else {
                    redis = i.get("port").asInt();
                    redisPassword = i.get("password").asText();
                }
            }
            Run.assertOneLine(Run.of(env, "probe", "objects", "--on", "s3://scale:wrong@127.0.0.1:" + s3 + "/scale"), 3,
                    "the S3 server at 127.0.0.1:" + s3 + " refused the key scale", "check the access key and its secret");
            Run.assertOneLine(Run.of(env, "probe", "objects", "--on", "s3://scale:pw@127.0.0.1:1/scale"), 3, "cannot reach the S3 server at 127.0.0.1:1");
            Run.assertOneLine(Run.of(env, "probe", "kv", "--on", "s3"), 2, "s3 keeps no keys", "scale probe objects --on s3");
            // a kind a probe cannot measure is refused before a disposable instance of it starts, naming the probe that can
            Run.assertOneLine(Run.of(env, "probe", "ttl", "--on", "s3"), 2, "s3 keeps no keys", "scale probe objects --on s3");
            Run.assertOneLine(Run.of(env, "probe", "objects", "--on", "rabbitmq"), 2, "rabbitmq keeps no objects: the objects probe measures redis, postgres, s3",
                    "scale probe queue --on rabbitmq");
            Run.assertOneLine(Run.of(env, "probe", "queue", "--on", "memcached"), 2, "memcached carries no messages", "scale probe kv --on memcached");
            Run.assertOneLine(Run.of(env, "probe", "objects", "--on", "files", "--phases", "throughput,reboot"), 2, "--phases: no phase 'reboot'");
            Run.assertOneLine(Run.of(env, "probe", "objects", "--on", "files", "--variant", "bytea"), 2, "--variant bytea is not one of s3's",
                    "give one of objects");
            // a Redis with no room left: its refusal, in its words, ends the probe with exit 1, and what it wrote is gone
            try (Resp r = Resp.connect(new Endpoint("127.0.0.1", redis, "default", Secret.of(redisPassword), "0"))) {
                r.call(List.of("CONFIG", "SET", "maxmemory", "8mb"));
                Run full = Run.of(env, "probe", "objects", "--on", "cache");
                Run.assertOneLine(full, 1, "the objects probe failed on redis", "OOM command not allowed when used memory > 'maxmemory'");
                r.call(List.of("CONFIG", "SET", "maxmemory", "0"));
                assertThat(r.call(List.of("DBSIZE"))).isEqualTo(new Resp.Int(0));
            }
            assertThat(Run.of(env, "ls").out()).as("nothing started for the refused ones, nothing lost").contains("files ", "cache ")
                    .doesNotContain("s3-", "rabbitmq", "memcached");
        } finally {
            Run.of(env, "down", "files", "cache");
        }
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }
}
