package dev.scale.providers;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import dev.scale.providers.docker.DockerEngine;
import java.net.URI;
import org.testcontainers.shaded.com.github.dockerjava.core.DefaultDockerClientConfig;
import org.testcontainers.shaded.com.github.dockerjava.core.DockerClientImpl;

/**
 * Docker-backed tests run wherever an engine answers. In CI (CI=true) a missing engine is a failure,
 * never a skip: .ci/run installs and starts one.
 */
public final class RequireDocker {
    private RequireDocker() {
    }

    public static DockerEngine engine() {
        DockerEngine engine = new DockerEngine(System.getenv());
        boolean reachable = engine.reachable();
        if (!reachable && "true".equals(System.getenv("CI"))) {
            fail("CI=true but no Docker engine is reachable; .ci/run must start one");
        }
        assumeTrue(reachable, "no Docker engine reachable");
        return engine;
    }

    /**
     * docker-java's client on the engine scale found: tests look at what scale did through a client other than
     * scale's own, so that a fault in scale's Docker API calls cannot hide itself.
     */
    public static DockerClient client() {
        String where = engine().api().where();
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(where).build();
        return DockerClientImpl.getInstance(config, new ZerodepDockerHttpClient.Builder().dockerHost(URI.create(where)).build());
    }
}
