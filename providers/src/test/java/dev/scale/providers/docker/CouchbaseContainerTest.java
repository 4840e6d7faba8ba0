package dev.scale.providers.docker;

import dev.scale.providers.TestKinds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.ClusterOptions;
import com.couchbase.client.java.Collection;
import com.couchbase.client.java.kv.UpsertOptions;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.scale.providers.Config;
import dev.scale.providers.Dirs;
import dev.scale.errors.ExitCode;
import dev.scale.providers.Instance;
import dev.scale.providers.lifecycle.Instances;
import dev.scale.providers.Progress;
import dev.scale.providers.RequireDocker;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Spec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Couchbase in Docker. The set-up test needs Couchbase Server's image on the engine: no registry is
 * reachable on the machine this was written on, so there it is reported as skipped; wherever an engine
 * has the image (SCALE_IMAGE_COUCHBASE, or the default couchbase:community-7.6.2), it runs.
 */
class CouchbaseContainerTest {
    @TempDir
    Path home;
    DockerClient docker;
    Instances instances;
    DockerProvider provider;
    Config config;

    @BeforeEach
    void setUp() {
        docker = RequireDocker.client();
        Dirs dirs = new Dirs(home.resolve("state"), home.resolve("config"), home.resolve("cache"));
        config = Config.load(dirs, System.getenv());
        instances = new Instances(dirs, config, TestKinds.KINDS, System.getenv(), Clock.systemUTC(), dev.scale.providers.managed.Reaper.none(Clock.systemUTC()));
        provider = (DockerProvider) instances.choose("docker", note -> { });
    }

    private List<?> containersNamed(String name) {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of("dev.scale.managed", "true", "dev.scale.name", name)).exec();
    }

    @Test
    void anEngineWithoutTheImageAndNoRegistryGetsOneLineNamingTheImageAndTheOverride() {
        String image = "scale-test/couchbase-absent:0";
        assertThatThrownBy(() -> instances.up(List.of(TestKinds.KINDS.parse("couchbase")), "cb-noimage", Duration.ofMinutes(1), image, provider, Progress.NONE))
                .isInstanceOfSatisfying(ScaleException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.ENVIRONMENT);
                    assertThat(e.oneLine()).contains(image, "--image", "SCALE_IMAGE_COUCHBASE").doesNotContain("\n");
                });
        assertThat(containersNamed("cb-noimage")).isEmpty();
    }

    @Test
    void upSetsUpTheClusterAndBucketAndTheContractReachesItFromTheHost() {
        String image = config.image(new Spec("cb", TestKinds.KINDS.byName("couchbase"), null, null, Duration.ofMinutes(10)));
        try {
            docker.inspectImageCmd(image).exec();
        } catch (NotFoundException absent) {
            Assumptions.abort("no Couchbase Server image " + image + " on this engine (set SCALE_IMAGE_COUCHBASE to run this test)");
        }
        Instance cb = instances.up(List.of(TestKinds.KINDS.parse("couchbase")), "cb-it", Duration.ofMinutes(10), null, provider, Progress.NONE).get(0);
        try {
            Map<String, String> env = cb.kind().env(cb.endpoint());
            assertThat(env).containsKeys("COUCHBASE_CONNECTION_STRING", "COUCHBASE_USERNAME", "COUCHBASE_PASSWORD", "COUCHBASE_BUCKET");
            assertThat(cb.endpoint().ports()).containsKeys("mgmt", "n1ql");
            Cluster cluster = Cluster.connect(env.get("COUCHBASE_CONNECTION_STRING"),
                    ClusterOptions.clusterOptions(env.get("COUCHBASE_USERNAME"), env.get("COUCHBASE_PASSWORD")));
            try {
                Collection c = cluster.bucket(env.get("COUCHBASE_BUCKET")).defaultCollection();
                // replicas 0 on one node: a durable write succeeds
                c.upsert("k", "v", UpsertOptions.upsertOptions().durability(com.couchbase.client.core.msg.kv.DurabilityLevel.MAJORITY));
                assertThat(c.get("k").contentAs(String.class)).isEqualTo("v");
                assertThat(cluster.query("SELECT COUNT(*) AS n FROM `" + env.get("COUCHBASE_BUCKET") + "`").rowsAsObject()).hasSize(1);
            } finally {
                cluster.disconnect();
            }
            assertThat(instances.list()).anySatisfy(i -> assertThat(i.endpoint().ports()).isEqualTo(cb.endpoint().ports()));
        } finally {
            instances.down(List.of("cb-it"));
        }
        assertThat(containersNamed("cb-it")).isEmpty();
    }
}
