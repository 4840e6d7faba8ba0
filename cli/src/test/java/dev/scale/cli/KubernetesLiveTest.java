package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubernetes provider on a real cluster, from outside it, with the current kubeconfig context (kind, k3s, any),
 * through the API server's port-forwards (this command's for run, a detached forwarder's for up):
 * never in CI (no cluster here). {@code SCALE_LIVE=kubernetes mvn verify -Plive} runs it; SCALE_KUBERNETES_NAMESPACE
 * picks the namespace, and the cluster's nodes must be able to pull the official images (or set SCALE_IMAGE_<KIND>).
 */
@Tag("live")
class KubernetesLiveTest {
    private static long forwarders() {
        return ProcessHandle.allProcesses().filter(p -> {
            try {
                return Files.readString(Path.of("/proc/" + p.pid() + "/cmdline")).contains("kubernetes.PortForwarder");
            } catch (java.io.IOException e) {
                return false;
            }
        }).count();
    }

    @TempDir
    Path home;

    @Test
    void runReachesRedisAndPostgresThroughPortForwardsAndTheClusterKeepsNothingAfter() throws Exception {
        Assumptions.assumeTrue(System.getenv().getOrDefault("SCALE_LIVE", "").contains("kubernetes"), "SCALE_LIVE does not name kubernetes");
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(Run.env(home));
        env.put("HOME", System.getProperty("user.home")); // the user's ~/.kube/config
        Path answer = home.resolve("answer");
        env.put("ANSWER", answer.toString());
        Run run = Run.of(env, "run", "--provider", "kubernetes", "--with", "redis,postgres", "--", "sh", "-c",
                "{ redis-cli -u \"$REDIS_URL\" --no-auth-warning PING; psql \"$DATABASE_URL\" -tAc 'SELECT 40 + 2'; } > \"$ANSWER\"");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(Files.readString(answer)).contains("PONG", "42");
        // up from outside: the instance outlives the command through its detached port-forward, until down
        Run up = Run.of(env, "up", "redis", "--name", "live-kept", "--provider", "kubernetes", "--ttl", "10m");
        assertThat(up.code()).as(up.err()).isZero();
        Run contract = Run.of(env, "env", "live-kept");
        String url = contract.out().lines().filter(l -> l.startsWith("export REDIS_URL=")).findFirst().orElseThrow()
                .substring("export REDIS_URL=".length()).replaceAll("^'|'$", "");
        Process ping = new ProcessBuilder("redis-cli", "-u", url, "--no-auth-warning", "PING").redirectErrorStream(true).start();
        assertThat(new String(ping.getInputStream().readAllBytes()).strip()).isEqualTo("PONG");
        assertThat(Run.of(env, "down", "live-kept").code()).isZero();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15); // it ends 5 s after its last instance
        while (System.nanoTime() < deadline && forwarders() > 0) {
            Thread.sleep(200);
        }
        assertThat(forwarders()).as("the detached forwarder ends after down").isZero();
        try (KubernetesClient k8s = new KubernetesClientBuilder().build()) {
            String ns = env.getOrDefault("SCALE_KUBERNETES_NAMESPACE", k8s.getNamespace() == null ? "default" : k8s.getNamespace());
            assertThat(k8s.batch().v1().jobs().inNamespace(ns).withLabel("dev.scale/managed", "true").list().getItems()).isEmpty();
            assertThat(k8s.secrets().inNamespace(ns).withLabel("dev.scale/managed", "true").list().getItems()).isEmpty();
            assertThat(k8s.services().inNamespace(ns).withLabel("dev.scale/managed", "true").list().getItems()).isEmpty();
        }
    }
}
