package dev.scale.providers.kinds.s3;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import dev.scale.providers.Config;
import dev.scale.providers.Dirs;
import dev.scale.providers.Instance;
import dev.scale.providers.Kinds;
import dev.scale.providers.Progress;
import dev.scale.providers.RequireDocker;
import dev.scale.providers.Secret;
import dev.scale.providers.TestKinds;
import dev.scale.providers.docker.DockerProvider;
import dev.scale.providers.lifecycle.Instances;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** S3Proxy in a container from SCALE_IMAGE_S3 (CI builds it from Debian's Java and S3Proxy's jars), configured as its official image is. */
class S3ContainerTest {
    @TempDir
    Path home;

    @Test
    void anInstanceHasItsBucketTakesTheContractsKeyOnlyAndDownLeavesNothing() throws Exception {
        DockerClient docker = RequireDocker.client();
        List<dev.scale.providers.Kind> kinds = new ArrayList<>(TestKinds.KINDS.all());
        kinds.add(new S3Kind());
        Kinds registry = new Kinds(kinds);
        Dirs dirs = new Dirs(home.resolve("state"), home.resolve("config"), home.resolve("cache"));
        Instances instances = new Instances(dirs, Config.load(dirs, System.getenv()), registry, System.getenv(), Clock.systemUTC(),
                dev.scale.providers.managed.Reaper.none(Clock.systemUTC()));
        DockerProvider provider = (DockerProvider) instances.choose("docker", note -> { });
        String name = "it-s3-" + Integer.toHexString((int) (System.nanoTime() & 0xffff));
        Instance s3 = instances.up(List.of(registry.parse("s3")), name, Duration.ofMinutes(5), null, provider, Progress.NONE).get(0);
        try {
            Map<String, String> env = s3.kind().env(s3.endpoint());
            assertThat(env.get("AWS_ENDPOINT_URL_S3")).isEqualTo("http://127.0.0.1:" + s3.endpoint().port());
            assertThat(env).containsEntry("S3_BUCKET", "scale").containsEntry("AWS_ACCESS_KEY_ID", "scale");
            // the bucket was made at the start, and a signed request with the contract's key lists it
            assertThat(SignedRequest.send(s3.endpoint(), "GET", "/scale", 5000).statusCode()).isEqualTo(200);
            // the image's default key (local-identity / local-credential) is not the one that works
            var official = new dev.scale.providers.Endpoint(s3.endpoint().host(), s3.endpoint().port(), "local-identity", Secret.of("local-credential"), "scale");
            assertThat(SignedRequest.send(official, "GET", "/", 5000).statusCode()).isEqualTo(403);
            var wrong = s3.endpoint().withPassword(Secret.of("not-the-secret"));
            assertThat(SignedRequest.send(wrong, "GET", "/", 5000).statusCode()).isEqualTo(403);
            // the secret never shows in the container's command line
            var containers = docker.listContainersCmd().withLabelFilter(Map.of("dev.scale.name", name)).exec();
            assertThat(containers).hasSize(1);
            assertThat(String.join(" ", docker.inspectContainerCmd(containers.get(0).getId()).exec().getArgs()))
                    .doesNotContain(s3.endpoint().password().reveal());
        } finally {
            instances.down(List.of(name));
        }
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of("dev.scale.name", name)).exec()).isEmpty();
    }
}
