package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scale.providers.kubernetes.KubernetesDouble;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scale up --provider kubernetes} from OUTSIDE the cluster, through the CLI, on {@link KubernetesDouble}: a
 * TEST DOUBLE of a cluster (fabric8's mock API server answering port-forwards as the real one does, relaying to a real
 * redis-server per pod). The instance outlives the command through its detached forwarder; a real client
 * (redis-cli) reaches it with what {@code scale env} prints; {@code down} leaves no forwarder, record or object.
 */
class KubernetesUpCliTest {
    @TempDir
    Path home;

    @Test
    void upFromOutsideTheClusterIsReachableAfterTheCommandAndDownLeavesNothing() throws Exception {
        try (KubernetesDouble cluster = KubernetesDouble.start(home)) {
            Map<String, String> env = Run.withoutDocker(home);
            env.put("KUBECONFIG", cluster.kubeconfig().toString());
            Run up = Run.of(env, "up", "redis", "--name", "shared", "--provider", "kubernetes", "--ttl", "10m");
            assertThat(up.code()).as(up.err()).isZero();
            assertThat(up.err()).contains("in namespace team-b", "port-forward that ends with the instance");
            assertThat(up.out()).contains("shared", "kubernetes", "127.0.0.1:");

            Run env1 = Run.of(env, "env", "shared");
            assertThat(env1.code()).as(env1.err()).isZero();
            String url = env1.out().lines().filter(l -> l.contains("REDIS_URL=")).findFirst().orElseThrow()
                    .replaceFirst("^(export )?REDIS_URL=", "").replace("'", "").replace("\"", "");
            assertThat(url).startsWith("redis://").contains("@127.0.0.1:");
            Process cli = new ProcessBuilder("redis-cli", "-u", url, "--no-auth-warning", "SET", "k", "from-outside").redirectErrorStream(true).start();
            assertThat(cli.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(cli.getInputStream().readAllBytes()).strip()).isEqualTo("OK");
            Process get = new ProcessBuilder("redis-cli", "-u", url, "--no-auth-warning", "GET", "k").redirectErrorStream(true).start();
            assertThat(get.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(get.getInputStream().readAllBytes()).strip()).isEqualTo("from-outside");

            Run ls = Run.of(env, "ls", "-o", "json");
            assertThat(ls.code()).as(ls.err()).isZero();
            JsonNode listed = new ObjectMapper().readTree(ls.out());
            assertThat(listed.findValuesAsText("name")).contains("shared");
            assertThat(listed.findValuesAsText("host")).containsExactly("127.0.0.1"); // the forwarder's side, not the cluster's DNS name
            Run table = Run.of(env, "ls");
            assertThat(table.out()).contains("shared").doesNotContain(url.replaceFirst("^redis://[^:]*:([^@]*)@.*$", "$1"));
            assertThat(table.err()).contains("kubernetes: the cluster itself ends instances at their TIME LEFT",
                    "namespace team-b forwarded to 127.0.0.1 here: 1 instance by one forwarder (pid ");

            Path records = home.resolve("state/tunnels/kubernetes");
            List<Path> recorded;
            try (var walk = Files.walk(records)) {
                recorded = walk.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().matches("server.*|\\..*")).toList();
            }
            assertThat(recorded).singleElement().satisfies(f -> assertThat(f.getFileName().toString()).isEqualTo("shared"));
            long pid = Long.parseLong(Files.readString(recorded.get(0).resolveSibling("server")).strip().split(" ")[0]);
            assertThat(ProcessHandle.of(pid)).isPresent();

            Run down = Run.of(env, "down", "shared");
            assertThat(down.code()).as(down.err()).isZero();
            assertThat(recorded.get(0)).doesNotExist();
            Process cli2 = new ProcessBuilder("redis-cli", "-u", url, "--no-auth-warning", "PING").redirectErrorStream(true).start();
            assertThat(cli2.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(cli2.getInputStream().readAllBytes())).as("its port closed with down").doesNotContain("PONG");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("the forwarder ends with no instance left").isEmpty();
            assertThat(cluster.client().batch().v1().jobs().inAnyNamespace().list().getItems()).isEmpty();
            assertThat(cluster.client().services().inAnyNamespace().list().getItems()).isEmpty();
            assertThat(Run.of(env, "ls").out()).contains("no instances");
        }
    }
}
