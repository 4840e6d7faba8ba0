package dev.scale.providers.kinds.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scale.providers.Dirs;
import dev.scale.providers.Instance;
import dev.scale.providers.Kinds;
import dev.scale.providers.Progress;
import dev.scale.providers.Secret;
import dev.scale.providers.Spec;
import dev.scale.providers.embedded.EmbeddedProvider;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded S3 server (S3Proxy on a directory, a JVM of its own) answering signed requests, and what down leaves. */
class S3EmbeddedTest {
    private static final Path CACHE = Path.of("target/scale-test-cache").toAbsolutePath();

    @TempDir
    Path state;

    @Test
    void theEmbeddedServerTakesTheContractsKeyHasTheBucketListensOnLoopbackOnlyAndDownLeavesNothing() throws Exception {
        Kinds kinds = new Kinds(List.of(new S3Kind()));
        EmbeddedProvider provider = new EmbeddedProvider(new Dirs(state, state.resolve("config"), CACHE), kinds, Clock.systemUTC());
        Instance s3 = provider.start(new Spec("files", kinds.byName("s3"), null, null, Duration.ofMinutes(5)), Progress.NONE);
        long port = s3.endpoint().port();
        try {
            assertThat(s3.version()).isEqualTo("2.6.0");
            Map<String, String> env = s3.kind().env(s3.endpoint());
            assertThat(env).containsEntry("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:" + port).containsEntry("AWS_ENDPOINT_URL", "http://127.0.0.1:" + port)
                    .containsEntry("AWS_ACCESS_KEY_ID", "scale").containsEntry("AWS_REGION", "us-east-1").containsEntry("S3_BUCKET", "scale")
                    .containsEntry("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required");
            assertThat(env.get("AWS_SECRET_ACCESS_KEY")).hasSizeGreaterThanOrEqualTo(20);
            assertThat(env.get("S3_URL")).isEqualTo("s3://scale:" + env.get("AWS_SECRET_ACCESS_KEY") + "@127.0.0.1:" + port + "/scale");
            // the bucket is there, and a signed listing of it answers
            assertThat(SignedRequest.send(s3.endpoint(), "GET", "/scale", 5000).statusCode()).isEqualTo(200);
            // another secret is refused by the signature check
            var wrong = SignedRequest.send(s3.endpoint().withPassword(Secret.of("not-the-secret")), "GET", "/", 5000);
            assertThat(wrong.statusCode()).isEqualTo(403);
            assertThat(wrong.body()).contains("SignatureDoesNotMatch");
            // 127.0.0.1 only: the machine's other address does not answer
            InetAddress other = InetAddress.getLocalHost();
            if (!other.isLoopbackAddress()) {
                assertThat(connects(other, (int) port)).isFalse();
            }
            // the secret is in a 0600 file, never in the server's arguments
            assertThat(ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse("")).filter(c -> c.contains("S3ProxyLauncher")))
                    .singleElement().asString().doesNotContain(env.get("AWS_SECRET_ACCESS_KEY"));
            assertThat(Files.getPosixFilePermissions(state.resolve("embedded/files/s3proxy.properties"))).hasSize(2);
        } finally {
            provider.remove("files");
        }
        assertThat(state.resolve("embedded/files")).doesNotExist();
        assertThat(ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse("")).filter(c -> c.contains(state.toString()))).isEmpty();
    }

    private static boolean connects(InetAddress address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new java.net.InetSocketAddress(address, port), 1000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
