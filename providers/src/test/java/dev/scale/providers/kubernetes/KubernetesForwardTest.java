package dev.scale.providers.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scale.providers.Config;
import dev.scale.providers.Dirs;
import dev.scale.providers.Instance;
import dev.scale.providers.Spec;
import dev.scale.providers.TestKinds;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubernetes provider from OUTSIDE the cluster, through the API server's port-forward, against
 * {@link KubernetesDouble}, a TEST DOUBLE of the cluster whose API server speaks the real port-forward protocol and
 * relays to a real redis-server per pod. fabric8's own client forwards, in scale's process for {@code try} and in the
 * detached {@link PortForwarder} JVM for {@code up}; a real Redis answers at the other end.
 */
class KubernetesForwardTest {
    @TempDir
    Path home;
    KubernetesDouble cluster;
    KubernetesClient client;
    final List<KubernetesProvider> providers = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        cluster = KubernetesDouble.start(home);
        client = cluster.client();
    }

    @AfterEach
    void stop() throws InterruptedException {
        providers.forEach(KubernetesProvider::close);
        try (var walk = Files.walk(home)) { // whatever forwarder a failed assertion left
            walk.filter(f -> f.getFileName().toString().equals("server")).forEach(f -> record(f).ifPresent(ProcessHandle::destroyForcibly));
        } catch (IOException e) {
            // nothing recorded
        }
        cluster.close();
    }

    private Map<String, String> env() {
        return Map.of("KUBECONFIG", cluster.kubeconfig().toString(), "HOME", home.toString(), "SCALE_KUBERNETES_NAMESPACE", "team-b");
    }

    /** A scale command's provider outside the cluster, as {@code onCluster} makes it, on the double. */
    private KubernetesProvider command() {
        Dirs dirs = new Dirs(home.resolve("state"), home.resolve("config"), home.resolve("cache"));
        KubernetesProvider k8s = new KubernetesProvider(cluster::newClient, Reaches.factory(env(), dirs.state(), false), env(),
                Config.load(dirs, Map.of()), TestKinds.KINDS, Clock.systemUTC());
        providers.add(k8s);
        return k8s;
    }

    private static Spec redis(String name, Duration ttl) {
        return new Spec(name, TestKinds.KINDS.byName("redis"), null, "redis:7.4", ttl);
    }

    /** A real Redis conversation: AUTH and PING, as any client would send them, through whatever forwards the port. */
    private static String ping(Instance i) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(i.endpoint().host(), i.endpoint().port()), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(("AUTH " + i.endpoint().password().reveal() + "\r\nPING\r\n").getBytes(StandardCharsets.UTF_8));
            byte[] buf = new byte[64];
            StringBuilder got = new StringBuilder();
            while (!got.toString().contains("PONG") && !got.toString().contains("ERR")) {
                int n = s.getInputStream().read(buf);
                if (n < 0) {
                    break;
                }
                got.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
            }
            return got.toString().replace("\r\n", " ").strip();
        } catch (IOException e) {
            return "unreachable: " + e.getMessage();
        }
    }

    private Path records() throws IOException {
        try (var dirs = Files.list(home.resolve("state/tunnels/kubernetes"))) {
            return dirs.findFirst().orElseThrow();
        }
    }

    /** The process a record names (the forwarder's {@code server} file), if it runs. */
    private static Optional<ProcessHandle> record(Path f) {
        try {
            String[] line = Files.readString(f).strip().split(" ");
            return ProcessHandle.of(Long.parseLong(line[0])).filter(ProcessHandle::isAlive);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String cmdline(ProcessHandle p) {
        try {
            return Files.readString(Path.of("/proc/" + p.pid() + "/cmdline")).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    private interface Check {
        boolean holds() throws IOException;
    }

    private static void eventually(Duration within, Check done, String what) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (!done.holds()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @Test
    void tryForwardsForAsLongAsTheCommandRuns() {
        KubernetesProvider k8s = command();
        Instance tried = k8s.start(redis("tried", Duration.ofMinutes(5)), (n, s) -> { });
        assertThat(tried.endpoint().host()).isEqualTo("127.0.0.1");
        assertThat(tried.endpoint().port()).isNotEqualTo(cluster.podPort("scale-tried-x1"));
        assertThat(ping(tried)).isEqualTo("+OK +PONG");
        assertThat(home.resolve("state/tunnels")).as("no forwarder for an instance of this command").doesNotExist();
        k8s.close(); // the command ends
        assertThat(ping(tried)).startsWith("unreachable");
    }

    @Test
    void upFromOutsideHandsOverADetachedForwarderThatLsRestartsAndDownStops() throws Exception {
        KubernetesProvider up = command();
        up.requireLasting();
        List<String> steps = new ArrayList<>();
        Instance kept = up.start(redis("kept", Duration.ofMinutes(10)), (n, s) -> steps.add(s));
        up.handOver("kept");
        Instance other = up.start(redis("other", Duration.ofMinutes(10)), (n, s) -> { });
        up.handOver("other");
        assertThat(steps).anyMatch(s -> s.contains("port-forward that ends with the instance"));
        assertThat(kept.endpoint().host()).isEqualTo("127.0.0.1");
        up.close(); // the command has ended: the instances stay reachable
        assertThat(ping(kept)).isEqualTo("+OK +PONG");
        assertThat(ping(other)).isEqualTo("+OK +PONG");

        Path dir = records();
        Path record = dir.resolve("kept");
        assertThat(Files.getPosixFilePermissions(record)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        ProcessHandle forwarder = record(dir.resolve("server")).orElseThrow();
        assertThat(ProcessHandle.allProcesses().filter(p -> cmdline(p).contains(PortForwarder.class.getName())))
                .as("one forwarder for the namespace, however many instances").containsExactly(forwarder);
        assertThat(cmdline(forwarder)).contains(PortForwarder.class.getName() + " team-b " + dir)
                .doesNotContain(kept.endpoint().password().reveal());

        // another command's ls reads it at the forwarder's port
        Instance listed = command().list().stream().filter(i -> i.name().equals("kept")).findFirst().orElseThrow();
        assertThat(listed.endpoint().port()).isEqualTo(kept.endpoint().port());
        assertThat(listed.endpoint().host()).isEqualTo("127.0.0.1");

        // the forwarder gone (a reboot of this machine): ls starts it again, on the same local port
        forwarder.destroyForcibly();
        forwarder.onExit().get();
        assertThat(ping(kept)).startsWith("unreachable");
        Instance again = command().list().stream().filter(i -> i.name().equals("kept")).findFirst().orElseThrow();
        assertThat(again.endpoint().port()).isEqualTo(kept.endpoint().port());
        assertThat(ping(kept)).isEqualTo("+OK +PONG");
        assertThat(ping(other)).as("the other instance's too").isEqualTo("+OK +PONG");
        ProcessHandle second = record(dir.resolve("server")).orElseThrow();
        assertThat(second.pid()).isNotEqualTo(forwarder.pid());

        // down: the instance's ports close at once, the other's stay; the forwarder ends with the last
        assertThat(command().remove("kept")).isTrue();
        assertThat(record).doesNotExist();
        assertThat(ping(kept)).startsWith("unreachable");
        assertThat(ping(other)).isEqualTo("+OK +PONG");
        assertThat(command().remove("other")).isTrue();
        assertThat(ping(other)).startsWith("unreachable");
        eventually(Duration.ofSeconds(15), () -> !second.isAlive(), "the forwarder ends with no instance left");
        assertThat(client.batch().v1().jobs().inNamespace("team-b").list().getItems()).isEmpty();
    }

    @Test
    void theForwarderEndsByItselfWhenTheClusterNoLongerRunsTheInstanceOrAtItsTimeToLive() throws Exception {
        KubernetesProvider up = command();
        up.requireLasting();
        up.start(redis("deleted", Duration.ofMinutes(10)), (n, s) -> { });
        up.start(redis("brief", Duration.ofSeconds(6)), (n, s) -> { });
        up.close();
        ProcessHandle forwarder = record(records().resolve("server")).orElseThrow();
        int deletedPort = Integer.parseInt(Files.readString(records().resolve("deleted")).strip().split(" ")[1].split(":")[0]);
        int briefPort = Integer.parseInt(Files.readString(records().resolve("brief")).strip().split(" ")[1].split(":")[0]);

        // removed outside scale (kubectl delete job): the forwarder sees the Job gone and closes its ports
        client.batch().v1().jobs().inNamespace("team-b").withName("scale-deleted").delete();
        eventually(Duration.ofSeconds(20), () -> !Files.exists(records().resolve("deleted")) && dev.scale.providers.Forwarders.free(deletedPort),
                "the ports of a deleted Job close");
        // at its time to live, whatever the cluster says; then, with nothing left, the forwarder ends
        eventually(Duration.ofSeconds(20), () -> dev.scale.providers.Forwarders.free(briefPort), "the ports close at the time to live");
        eventually(Duration.ofSeconds(15), () -> !forwarder.isAlive(), "the forwarder ends with no instance left");
        assertThat(command().list()).extracting(Instance::name).doesNotContain("deleted");
    }
}
