package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubernetes provider through the CLI where no cluster is configured (none can run here: its objects and lifecycle
 * are tested against fabric8's mock server in KubernetesProviderTest): it is named, refused in one line with the way out,
 * and an ls never asks a cluster scale has not used.
 */
class KubernetesCliTest {
    @Test
    void withNoClusterConfiguredTheProviderIsRefusedInOneLineAndLsAsksNoCluster(@TempDir Path home) {
        Map<String, String> env = Run.withoutDocker(home);
        env.remove("KUBECONFIG");
        Run up = Run.of(env, "up", "redis", "--provider", "kubernetes");
        Run.assertOneLine(up, 3, "no Kubernetes cluster is configured here", "KUBECONFIG");
        assertThat(Files.exists(home.resolve("state/kubernetes-used"))).isFalse();
        Run ls = Run.of(env, "ls");
        assertThat(ls.code()).as(ls.err()).isZero();
        assertThat(ls.err()).doesNotContain("Kubernetes");
        assertThat(Run.of(env, "up", "--help").out()).contains("kubernetes", "--memory");
        Run.assertOneLine(Run.of(env, "up", "redis", "--memory", "1Gi"), 2, "--memory sizes a Kubernetes pod", "--provider kubernetes");
        Run.assertOneLine(Run.of(env, "run", "--with", "redis", "--cpu", "2", "--", "true"), 2, "--cpu sizes a Kubernetes pod");
        Run.assertOneLine(Run.of(env, "up", "redis", "--expose", "nodeport"), 2, "--expose makes a Kubernetes Service", "--provider kubernetes");
        assertThat(Run.of(env, "ls").out()).contains("no instances"); // refused before anything started
    }
}
