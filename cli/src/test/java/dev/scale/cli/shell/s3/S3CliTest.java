package dev.scale.cli.shell.s3;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scale.cli.Run;
import dev.scale.cli.Tmux;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * S3's shell on real servers: S3Proxy in the CI image under Docker, and the embedded S3Proxy; its init files under
 * {@code scale run}, read back by another ecosystem's client (curl's own SigV4); completion and Ctrl-C in a real
 * terminal.
 */
class S3CliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How {@code aws s3 ls} prints a key: local time, the size right-aligned in 10, the name below the prefix. */
    private static final String WHEN = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d ";
    private static final String ODD_KEY = "日本/ü +%?#.txt";

    @TempDir
    Path home;


    @ParameterizedTest
    @ValueSource(strings = {"docker", "embedded"})
    void tryRunsEveryCommandOnARealServerInS3sWordsAndTheInstanceGoesWithIt(String provider) throws Exception {
        Map<String, String> env = Run.forProvider(home, provider);
        Path notes = Files.writeString(home.resolve("notes.txt"), "hello world\n");
        Path odd = Files.writeString(home.resolve("odd.txt"), "ünïcode, 日本語\nline two\n");
        Path binary = Files.write(home.resolve("image.bin"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, (byte) 0xff});
        Path down = Files.createDirectories(home.resolve("down"));
        String longKey = "k".repeat(1025);
        Run r = Run.withInput("""
                ls
                put %1$s
                put %1$s docs/
                put %2$s "%3$s"
                put %4$s s3://scale/data/image.bin
                ls
                ls docs/
                ls 日本
                ls 日本/
                cat notes.txt
                cat "%3$s"
                cat data/image.bin
                stat docs/notes.txt
                get "%3$s" %5$s/odd-back.txt
                get data/image.bin %5$s
                rm "%3$s"
                ls 日本/
                cat missing.txt
                rm notes.txt missing.txt
                stat missing.txt
                cat ""
                cat %6$s
                ls s3://nowhere/
                get s3://nowhere/x %5$s/x
                put %7$s/none.txt
                put %5$s
                get
                presign notes.txt 0
                frob
                mb logs
                put %1$s s3://logs/a/b.txt
                buckets
                ls s3://logs/a/
                rb logs
                use logs
                ls
                use nowhere
                rb logs --force
                use scale
                ls -r
                """.formatted(notes, odd, ODD_KEY, binary, down, longKey, home), env, "try", "s3");
        assertThat(r.code()).as(r.err()).isZero();
        String out = r.out();
        assertThat(out).contains(
                "stored " + notes + " as s3://scale/notes.txt (12 bytes)\n",
                "stored " + notes + " as s3://scale/docs/notes.txt (12 bytes)\n",
                "stored " + odd + " as s3://scale/" + ODD_KEY + " (30 bytes)\n",
                "stored " + binary + " as s3://scale/data/image.bin (8 bytes)\n",
                // prefixes first, as aws s3 ls prints them, then the keys at this level
                "                           PRE data/\n                           PRE docs/\n                           PRE 日本/\n",
                "hello world\n",
                "ünïcode, 日本語\nline two\n",
                "(8 bytes, not text)\n",
                "key:           s3://scale/docs/notes.txt\nsize:          12 bytes\netag:          \"6f5902ac237024bdd0c176cb93063dc4\"\n",
                "saved s3://scale/" + ODD_KEY + " to " + down + "/odd-back.txt (30 bytes)\n",
                "saved s3://scale/data/image.bin to " + down + "/image.bin (8 bytes)\n",
                "deleted s3://scale/" + ODD_KEY + "\n",
                // S3's own words, one line each, and the shell goes on
                "ERROR NoSuchKey: The specified key does not exist.\n",
                "deleted s3://scale/notes.txt\nERROR NoSuchKey: The specified key does not exist. (s3://scale/missing.txt)\n",
                "ERROR an empty key names no object\n",
                "ERROR KeyTooLongError: Your key is too long (1025 bytes of UTF-8; S3 takes up to 1024)\n",
                "ERROR NoSuchBucket: The specified bucket does not exist\n",
                "ERROR no file " + home + "/none.txt\n",
                "ERROR cannot read " + down + ": Is a directory\n",
                "ERROR wrong number of arguments; usage: get KEY [LOCAL-FILE | LOCAL-DIRECTORY]\n",
                "ERROR '0' is not a number of seconds from 1 to 604800 (7 days, S3's longest); usage: presign KEY [SECONDS]\n",
                "ERROR unknown command 'frob'; commands: buckets, cat, get, help, ls, mb, presign, put, rb, rm, stat, use\n",
                "made bucket s3://logs\n",
                "stored " + notes + " as s3://logs/a/b.txt (12 bytes)\n",
                "ERROR BucketNotEmpty: The bucket you tried to delete is not empty\n",
                "using bucket s3://logs\n",
                "(it was the current bucket: use BUCKET to choose another)\nusing bucket s3://scale\n");
        // S3Proxy's filesystem store lists its directories as keys too (a/ beside a/b.txt): what it deleted, it counts
        assertThat(out).containsPattern("\nremoved bucket s3://logs and its [12] keys?\n");
        assertThat(out).containsPattern("PRE 日本/\n" + WHEN + "        12 notes.txt\n") // the top: prefixes, then keys
                .containsPattern("\n" + WHEN + "        12 notes.txt\n                           PRE 日本/\n") // ls docs/, then ls 日本 names the prefix
                .containsPattern("\n                           PRE 日本/\n" + WHEN + "        30 ü \\+%\\?#\\.txt\n") // ls 日本, then ls 日本/: below the prefix
                .containsPattern("\n" + WHEN + "        12 b.txt\n")
                .containsPattern("\n" + WHEN + "logs\n" + WHEN + "scale\n")
                .containsPattern("\nusing bucket s3://logs\n                           PRE a/\n")
                // ls -r: whole keys, no grouping
                .containsPattern("\n" + WHEN + "         8 data/image.bin\n")
                .containsPattern("\n" + WHEN + "        12 docs/notes.txt\n");
        assertThat(out.lines().filter(l -> l.startsWith("ERROR"))).hasSize(14);
        assertThat(r.err()).contains("(no keys under s3://scale/)\n", "(no keys under s3://scale/日本/)\n");
        assertThat(Files.readString(down.resolve("odd-back.txt"))).isEqualTo(Files.readString(odd));
        assertThat(Files.readAllBytes(down.resolve("image.bin"))).isEqualTo(Files.readAllBytes(binary));
        try (var left = Files.list(down)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("no part file left by the failed get").containsExactlyInAnyOrder("odd-back.txt", "image.bin");
        }
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    /**
     * A file over the 8 MiB part size, put (three parts) and got back byte for byte; a presigned URL fetched by a
     * plain HTTP client with no key; a text object bigger than cat shows, cut and said so.
     */
    @ParameterizedTest
    @ValueSource(strings = {"docker", "embedded"})
    void aFileOverEightMibGoesUpInPartsAndComesBackWholeAndAPresignedUrlNeedsNoKey(String provider) throws Exception {
        Map<String, String> env = Run.forProvider(home, provider);
        byte[] bytes = new byte[20 * 1024 * 1024 + 123];
        new Random(17).nextBytes(bytes);
        Path big = Files.write(home.resolve("big.bin"), bytes);
        Path log = Files.writeString(home.resolve("app.log"), "a log line of text\n".repeat(20_000)); // 380,000 bytes
        assertThat(Run.of(env, "up", "s3", "--name", "files").code()).isZero();
        try {
            Run r = Run.withInput("put " + big + "\nget big.bin " + home.resolve("back.bin") + "\nstat big.bin\nput " + log + "\ncat app.log\npresign big.bin 120\n",
                    env, "shell", "files");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("stored " + big + " as s3://scale/big.bin (20971643 bytes, 3 parts)\n",
                    "saved s3://scale/big.bin to " + home.resolve("back.bin") + " (20971643 bytes)\n", "size:          20971643 bytes\n");
            // S3's ETag of a multipart upload names its parts ("…-3"); S3Proxy's filesystem-nio2 store gives the whole object's MD5
            assertThat(r.out()).containsPattern("etag:          \"[0-9a-f]{32}(-3)?\"\n");
            assertThat(Files.readAllBytes(home.resolve("back.bin"))).isEqualTo(bytes);
            // cat shows the first 256 KiB, whole lines of text, and says so on stderr
            assertThat(r.out()).contains("a log line of text\n".repeat(13_797));
            assertThat(r.err()).contains("(the first 262144 of 380000 bytes; get s3://scale/app.log LOCAL-FILE for all of it)");
            String url = r.out().lines().filter(l -> l.startsWith("http://127.0.0.1:")).findFirst().orElseThrow();
            assertThat(url).contains("/scale/big.bin?", "X-Amz-Expires=120");
            assertThat(r.err()).contains("(a GET of s3://scale/big.bin for anyone with the URL, for 120 s, until ");
            HttpResponse<byte[]> got = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(got.body()).isEqualTo(bytes);
            // the same URL with its signature altered is refused: it is the signature that lets it in
            HttpResponse<String> forged = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url.substring(0, url.length() - 1) + (url.endsWith("0") ? "1" : "0")))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(forged.statusCode()).isEqualTo(403);
        } finally {
            Run.of(env, "down", "files");
        }
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    /** A wrong secret, nothing listening: one line each, exit 3, the secret not shown. */
    @Test
    void aRefusedKeyOrNoServerIsOneLineWithExitThree() throws Exception {
        Map<String, String> env = Run.forProvider(home, "embedded");
        assertThat(Run.of(env, "up", "s3", "--name", "files").code()).isZero();
        try {
            int port = JSON.readTree(Run.of(env, "ls", "--output", "json").out()).get(0).get("port").asInt();
            Run shell = Run.withInput("ls\n", env, "shell", "s3://scale:wrong-secret@127.0.0.1:" + port + "/scale");
            Run.assertOneLine(shell, 3, "cannot connect to 127.0.0.1:" + port, "refused the key scale: SignatureDoesNotMatch", "check the access key and its secret");
            assertThat(shell.err()).doesNotContain("wrong-secret");
            assertThat(shell.out()).isEmpty();
            Run.assertOneLine(Run.withInput("ls\n", env, "shell", "s3://scale:pw@127.0.0.1:1/scale"), 3,
                    "cannot reach the S3 server at 127.0.0.1:1", "Connection refused");
        } finally {
            Run.of(env, "down", "files");
        }
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    /** An init file's paths are its own directory's; curl, with its own SigV4, reads what it stored; an error stops it by file and line. */
    @ParameterizedTest
    @ValueSource(strings = {"docker", "embedded"})
    void runLoadsTheInitFileAndCurlReadsTheObjects(String provider) throws Exception {
        Tmux.require("curl");
        Map<String, String> env = Run.forProvider(home, provider);
        Path seed = Files.createDirectories(home.resolve("seed/files"));
        Files.writeString(seed.resolve("hello.txt"), "seeded, ü\n");
        Path init = Files.writeString(home.resolve("seed/init.txt"), "# a bucket of greetings\n\nput files/hello.txt greetings/hello.txt\nmb archive\nput files/hello.txt s3://archive/\n");
        Path seen = home.resolve("seen.txt");
        // curl signs by itself (--aws-sigv4); S3Proxy wants the payload's hash header, which curl 7.88 does not send
        String curl = "curl -sS --fail-with-body --aws-sigv4 \"aws:amz:$AWS_REGION:s3\" --user \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\""
                + " -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD'";
        Run r = Run.of(env, "run", "--with", "s3", "--init", "s3=" + init, "--quiet", "--", "sh", "-c",
                curl + " \"$AWS_ENDPOINT_URL_S3/$S3_BUCKET/greetings/hello.txt\" \"$AWS_ENDPOINT_URL_S3/archive/hello.txt\" > '" + seen + "'");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(seen)).isEqualTo("seeded, ü\nseeded, ü\n");
        assertThat(Run.of(env, "ls").out()).contains("no instances");
        Path bad = Files.writeString(home.resolve("seed/bad.txt"), "put files/hello.txt\nput files/typo.txt\nput files/hello.txt again.txt\n");
        Run failed = Run.of(env, "run", "--with", "s3", "--init", "s3=" + bad, "--", "true");
        assertThat(failed.code()).isEqualTo(1);
        assertThat(failed.err()).contains("bad.txt:2: ERROR no file " + seed.resolve("typo.txt")).doesNotContain("\tat ");
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    @Test
    void tabCompletesCommandsKeysAndBucketsAndCtrlCStopsALongPut() throws Exception {
        Tmux.require("tmux");
        Path notes = Files.writeString(home.resolve("notes.txt"), "quarterly numbers\n");
        Path huge = home.resolve("huge.bin");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(4L << 30); // sparse: 4 GiB of zeros, nothing written here, minutes to send
        }
        try (Tmux tmux = new Tmux(home)) {
            tmux.start("scale try s3");
            tmux.waitFor("s3 [s3]>");
            tmux.type("put " + notes + " reports/2024-q1.csv");
            tmux.key("Enter");
            tmux.waitFor("as s3://scale/reports/2024-q1.csv (18 bytes)");
            tmux.type("pres");
            tmux.key("Tab");
            tmux.waitFor("> presign");
            tmux.key("C-u");
            tmux.type("put " + notes + " quarterly.csv");
            tmux.key("Enter");
            tmux.waitFor("as s3://scale/quarterly.csv (18 bytes)");
            tmux.type("cat qu");
            tmux.key("Tab");
            tmux.waitFor("> cat quarterly.csv");
            tmux.key("Enter");
            tmux.waitFor("cat quarterly.csv\nquarterly numbers\n");
            // the keys listed from the server: S3Proxy's filesystem store lists reports/ itself too, so Tab stops there
            tmux.type("stat reports/2");
            tmux.key("Tab");
            tmux.waitFor("> stat reports/2024-q1.csv");
            tmux.key("Enter");
            tmux.waitFor("size:          18 bytes");
            tmux.type("use sc");
            tmux.key("Tab");
            tmux.waitFor("> use scale");
            tmux.key("Enter");
            tmux.waitFor("using bucket s3://scale");
            // Ctrl-C in the middle of a multipart upload: it stops, the upload is aborted, the shell goes on
            tmux.type("put " + huge);
            tmux.key("Enter");
            Thread.sleep(1500);
            tmux.key("C-c");
            tmux.waitFor("(interrupted)\ns3 [s3]>");
            tmux.type("ls");
            tmux.key("Enter");
            tmux.waitFor("PRE reports/\n");
            tmux.waitFor(" quarterly.csv\ns3 [s3]>");
            String listed = tmux.screen();
            assertThat(listed.substring(listed.lastIndexOf("> ls"))).as("no huge.bin stored").doesNotContain("huge.bin");
            tmux.key("C-d");
            tmux.waitFor("scale: removed s3");
        }
        assertThat(Run.of(Run.withoutDocker(home), "ls").out()).contains("no instances");
    }
}
