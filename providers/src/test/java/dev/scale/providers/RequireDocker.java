package dev.scale.providers;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.scale.providers.docker.DockerEngine;

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
}
