package dev.scale.providers.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scale.errors.ScaleException;
import dev.scale.providers.Config;
import dev.scale.providers.Dirs;
import dev.scale.providers.Instance;
import dev.scale.providers.NameTaken;
import dev.scale.providers.Progress;
import dev.scale.providers.Spec;
import dev.scale.providers.TestKinds;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubernetes provider against fabric8's Kubernetes MOCK SERVER in CRUD mode, a TEST DOUBLE of the API server: no
 * cluster can run on the machine this was written on. The mock stores objects and runs no controller, so this test
 * also plays the cluster's side: a "kubelet" that, for each Job scale makes, reads its Secret, starts a real
 * redis-server on 127.0.0.1 with that password (as the pod's container would get it through {@code SCALE_PASSWORD}),
 * and reports the Job's pod Ready; and the network, mapping the instance's Service to that server. What this checks
 * is scale's side: the objects it makes (owner references, deadlines, labels, no host ports, the password only in the
 * Secret), the readiness it waits for, and ls, down and the refusals. It does not check that a real cluster runs them.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesProviderTest {
    static KubernetesClient client;
    @TempDir
    Path home;
    final Map<String, Process> servers = new ConcurrentHashMap<>();
    final Map<String, Integer> ports = new ConcurrentHashMap<>();
    final List<String> refusedImages = new ArrayList<>();
    volatile boolean running = true;
    Thread kubelet;

    @BeforeEach
    void startKubelet() {
        kubelet = new Thread(() -> {
            while (running) {
                for (Job job : client.batch().v1().jobs().inAnyNamespace().list().getItems()) {
                    String instance = job.getMetadata().getLabels().get(KubernetesObjects.INSTANCE);
                    String ns = job.getMetadata().getNamespace();
                    if (instance == null || servers.containsKey(instance) || client.pods().inNamespace(ns).withLabel(KubernetesObjects.INSTANCE, instance)
                            .list().getItems().size() > 0) {
                        continue;
                    }
                    var container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
                    PodBuilder pod = new PodBuilder().withNewMetadata().withName(job.getMetadata().getName() + "-x1")
                            .withLabels(job.getSpec().getTemplate().getMetadata().getLabels()).endMetadata()
                            .withSpec(job.getSpec().getTemplate().getSpec());
                    if (refusedImages.contains(container.getImage())) {
                        client.pods().inNamespace(ns).resource(pod.withNewStatus().withPhase("Pending").addNewContainerStatus().withName(container.getName())
                                .withNewState().withNewWaiting().withReason("ErrImagePull").withMessage("pull access denied").endWaiting().endState()
                                .endContainerStatus().endStatus().build()).create();
                        continue;
                    }
                    var secret = client.secrets().inNamespace(ns).withName(job.getMetadata().getName()).get();
                    if (secret == null) {
                        continue; // made just after the Job: next round
                    }
                    String password = secret.getStringData() != null && secret.getStringData().containsKey("password")
                            ? secret.getStringData().get("password")
                            : new String(Base64.getDecoder().decode(secret.getData().get("password")), StandardCharsets.UTF_8);
                    try {
                        int port;
                        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                            port = s.getLocalPort();
                        }
                        // behind a LoadBalancer, the server is where the double's load balancer is: 127.0.0.2 at the Service's port
                        boolean balanced = "LoadBalancer".equals(job.getMetadata().getAnnotations().get("dev.scale/exposed"));
                        if (balanced) {
                            port = 6379;
                        }
                        Process redis = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", balanced ? "127.0.0.2" : "127.0.0.1", "--save", "",
                                "--requirepass", password).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
                        servers.put(instance, redis);
                        ports.put(instance, port);
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                    client.pods().inNamespace(ns).resource(pod.withNewStatus().withPhase("Running").addNewCondition().withType("Ready")
                            .withStatus("True").endCondition().endStatus().build()).create();
                }
                // the service controller: a node port for a NodePort Service (the node, 127.0.0.1, forwards it to the pod's
                // server, as kube-proxy does), an address for a LoadBalancer one
                for (var service : client.services().inAnyNamespace().list().getItems()) {
                    String instance = service.getMetadata().getLabels().get(KubernetesObjects.INSTANCE);
                    Integer at = instance == null ? null : ports.get(instance);
                    if (at == null) {
                        continue;
                    }
                    if ("NodePort".equals(service.getSpec().getType()) && service.getSpec().getPorts().get(0).getNodePort() == null) {
                        service.getSpec().getPorts().get(0).setNodePort(at);
                        client.services().inNamespace(service.getMetadata().getNamespace()).resource(service).update();
                    } else if ("LoadBalancer".equals(service.getSpec().getType())
                            && (service.getStatus() == null || service.getStatus().getLoadBalancer() == null
                            || service.getStatus().getLoadBalancer().getIngress() == null || service.getStatus().getLoadBalancer().getIngress().isEmpty())) {
                        service.setStatus(new io.fabric8.kubernetes.api.model.ServiceStatusBuilder().withNewLoadBalancer().addNewIngress()
                                .withIp("127.0.0.2").endIngress().endLoadBalancer().build());
                        client.services().inNamespace(service.getMetadata().getNamespace()).resource(service).updateStatus();
                    }
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "test-kubelet");
        kubelet.setDaemon(true);
        kubelet.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        running = false;
        kubelet.join(2000);
        servers.values().forEach(Process::destroyForcibly);
        client.batch().v1().jobs().inAnyNamespace().delete();
        client.secrets().inAnyNamespace().delete();
        client.services().inAnyNamespace().delete();
        client.pods().inAnyNamespace().delete();
    }

    /** The network double: the instance's Service is the redis-server the kubelet double started for it. */
    private KubernetesProvider.Reach network(boolean lasting) {
        return new KubernetesProvider.Reach() {
            @Override
            public Map<Integer, InetSocketAddress> to(String instance, List<Integer> wanted, java.time.Instant until) {
                Map<Integer, InetSocketAddress> out = new java.util.LinkedHashMap<>();
                wanted.forEach(p -> out.put(p, new InetSocketAddress("127.0.0.1", ports.get(instance))));
                return out;
            }

            @Override
            public boolean lasting() {
                return lasting;
            }

            @Override
            public void release(String instance) {
            }
        };
    }

    private KubernetesProvider provider(Map<String, String> env) {
        Dirs dirs = new Dirs(home.resolve("state"), home.resolve("config"), home.resolve("cache"));
        return new KubernetesProvider(() -> client, (objects, lasting) -> network(true), env, Config.load(dirs, Map.of()), TestKinds.KINDS, Clock.systemUTC());
    }

    private static Spec redis(String name, Duration ttl) {
        return new Spec(name, TestKinds.KINDS.byName("redis"), null, "redis:7.4", ttl);
    }

    @Test
    void anInstanceIsAJobTheClusterEndsAtItsTimeToLiveWithItsSecretAndServiceOwnedByIt() throws Exception {
        KubernetesProvider k8s = provider(Map.of("SCALE_KUBERNETES_NAMESPACE", "team-a"));
        List<String> steps = new ArrayList<>();
        Instance up = k8s.start(redis("cache", Duration.ofMinutes(10)), (name, step) -> steps.add(step));
        String password = up.endpoint().password().reveal();
        assertThat(up.provider()).isEqualTo("kubernetes");
        assertThat(up.endpoint().port()).isEqualTo(ports.get("cache"));
        assertThat(steps).anyMatch(s -> s.contains("scale-cache in namespace team-a")).anyMatch(s -> s.startsWith("ready (redis "));

        Job job = client.batch().v1().jobs().inNamespace("team-a").withName("scale-cache").get();
        assertThat(job.getMetadata().getLabels()).containsEntry("dev.scale/managed", "true").containsEntry("dev.scale/instance", "cache")
                .containsEntry("dev.scale/kind", "redis");
        assertThat(job.getMetadata().getAnnotations()).containsKeys("dev.scale/created-at", "dev.scale/expires-at").containsEntry("dev.scale/version", "7.4");
        assertThat(job.getSpec().getActiveDeadlineSeconds()).as("the cluster stops it at its time to live").isEqualTo(600L);
        assertThat(job.getSpec().getTtlSecondsAfterFinished()).as("and then deletes it").isEqualTo(60);
        assertThat(job.getSpec().getBackoffLimit()).isZero();
        var pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
        var container = pod.getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("redis:7.4");
        assertThat(container.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getContainerPort()).isEqualTo(6379);
            assertThat(p.getHostPort()).as("no host port").isNull();
        });
        assertThat(container.getEnv()).filteredOn(e -> e.getName().equals("SCALE_PASSWORD")).singleElement().satisfies(e -> {
            assertThat(e.getValue()).isNull();
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("scale-cache");
            assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("password");
        });
        // the kind's prelude, then the official image's entrypoint with the kind's arguments, as the Docker wrapper runs them
        assertThat(container.getCommand()).startsWith("/bin/sh", "-c");
        assertThat(container.getArgs()).containsExactly("docker-entrypoint.sh", "redis-server", "/tmp/scale-redis.conf");
        assertThat(container.getResources().getRequests()).containsKeys("memory", "cpu");
        assertThat(container.getResources().getLimits().get("memory").toString()).isEqualTo("256Mi");
        assertThat(container.getReadinessProbe().getTcpSocket().getPort().getIntVal()).isEqualTo(6379);
        assertThat(Serialization.asYaml(job)).as("the password is only in the Secret").doesNotContain(password);

        var secret = client.secrets().inNamespace("team-a").withName("scale-cache").get();
        var service = client.services().inNamespace("team-a").withName("scale-cache").get();
        for (var owned : List.of(secret.getMetadata(), service.getMetadata())) {
            assertThat(owned.getOwnerReferences()).singleElement().satisfies(o -> {
                assertThat(o.getKind()).isEqualTo("Job");
                assertThat(o.getUid()).isEqualTo(job.getMetadata().getUid());
                assertThat(o.getController()).isTrue();
            });
            assertThat(owned.getLabels()).containsEntry("dev.scale/instance", "cache");
        }
        assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> assertThat(p.getNodePort()).isNull());
        assertThat(service.getSpec().getSelector()).containsEntry("dev.scale/instance", "cache");

        // ls reads the cluster's state by label: the Service's DNS name, the password from the Secret
        assertThat(k8s.list()).singleElement().satisfies(i -> {
            assertThat(i.name()).isEqualTo("cache");
            assertThat(i.state()).isEqualTo(Instance.State.RUNNING);
            assertThat(i.endpoint().host()).isEqualTo("scale-cache.team-a.svc");
            assertThat(i.endpoint().port()).isEqualTo(6379);
            assertThat(i.endpoint().password().reveal()).isEqualTo(password);
            assertThat(i.expiresAt()).isEqualTo(up.expiresAt());
        });
        k8s.handOver("cache");
        assertThat(client.batch().v1().jobs().inNamespace("team-a").withName("scale-cache").get().getMetadata().getAnnotations())
                .containsEntry("dev.scale/handed-over", "true");
        assertThatThrownBy(() -> k8s.start(redis("cache", Duration.ofMinutes(1)), Progress.NONE)).isInstanceOf(NameTaken.class);

        assertThat(k8s.remove("cache")).isTrue();
        assertThat(client.batch().v1().jobs().inNamespace("team-a").list().getItems()).isEmpty();
        assertThat(client.secrets().inNamespace("team-a").list().getItems()).isEmpty();
        assertThat(client.services().inNamespace("team-a").list().getItems()).isEmpty();
        assertThat(client.pods().inNamespace("team-a").list().getItems()).isEmpty();
        assertThat(k8s.list()).isEmpty();
        assertThat(k8s.remove("cache")).isFalse();
    }

    @Test
    void memoryAndCpuRaiseThePodsSizeAndWhatIsNotAQuantityIsRefused() {
        KubernetesProvider k8s = provider(Map.of("SCALE_KUBERNETES_MEMORY", "768Mi"));
        assertThatThrownBy(() -> k8s.size("lots", null)).isInstanceOfSatisfying(ScaleException.class,
                e -> assertThat(e.oneLine()).contains("--memory lots is not a Kubernetes quantity"));
        assertThatThrownBy(() -> k8s.size(null, "1; rm")).hasMessageContaining("--cpu 1; rm is not a Kubernetes quantity");
        k8s.start(redis("small", Duration.ofMinutes(5)), Progress.NONE);
        var env = client.batch().v1().jobs().inAnyNamespace().withLabel(KubernetesObjects.INSTANCE, "small").list().getItems().get(0)
                .getSpec().getTemplate().getSpec().getContainers().get(0).getResources();
        assertThat(env.getLimits().get("memory").toString()).as("the variable, over the kind's").isEqualTo("768Mi");
        k8s.size("2Gi", "500m");
        k8s.start(redis("big", Duration.ofMinutes(5)), Progress.NONE);
        var big = client.batch().v1().jobs().inAnyNamespace().withLabel(KubernetesObjects.INSTANCE, "big").list().getItems().get(0)
                .getSpec().getTemplate().getSpec().getContainers().get(0).getResources();
        assertThat(big.getLimits().get("memory").toString()).isEqualTo("2Gi");
        assertThat(big.getRequests().get("memory").toString()).isEqualTo("2Gi");
        assertThat(big.getRequests().get("cpu").toString()).isEqualTo("500m");
        k8s.remove("small");
        k8s.remove("big");
    }

    @Test
    void anImageTheClusterCannotPullIsOneLineAndLeavesNothing() {
        refusedImages.add("redis:nope");
        KubernetesProvider k8s = provider(Map.of());
        assertThatThrownBy(() -> k8s.start(new Spec("bad", TestKinds.KINDS.byName("redis"), null, "redis:nope", Duration.ofMinutes(5)), Progress.NONE))
                .isInstanceOfSatisfying(ScaleException.class, e -> assertThat(e.oneLine()).contains("cannot pull the image", "ErrImagePull", "--image"));
        assertThat(client.batch().v1().jobs().inAnyNamespace().list().getItems()).isEmpty();
        assertThat(client.secrets().inAnyNamespace().list().getItems()).isEmpty();
        assertThat(client.pods().inAnyNamespace().list().getItems()).isEmpty();
    }

    @Test
    void exposedOnRequestTheContractGivesTheNodeOrLoadBalancerAddressWithAWarningAndNothingElseIsEverExposed() throws Exception {
        client.nodes().resource(new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName("node-1").endMetadata()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress().endStatus().build()).create();
        KubernetesProvider k8s = provider(Map.of("SCALE_KUBERNETES_NAMESPACE", "team-c"));
        k8s.expose("NodePort");
        List<String> steps = new ArrayList<>();
        Instance byNode = k8s.start(redis("by-node", Duration.ofMinutes(5)), (name, step) -> steps.add(step));
        assertThat(client.services().inNamespace("team-c").withName("scale-by-node").get().getSpec().getType()).isEqualTo("NodePort");
        assertThat(byNode.endpoint().host()).isEqualTo("127.0.0.1");
        assertThat(byNode.endpoint().port()).as("the node port").isEqualTo(ports.get("by-node"));
        assertThat(steps).anyMatch(s -> s.startsWith("warning: exposed at 127.0.0.1:" + ports.get("by-node") + " by a NodePort Service")
                && s.contains("the cluster's nodes"));

        k8s.expose("loadbalancer");
        steps.clear();
        Instance balanced = k8s.start(redis("balanced", Duration.ofMinutes(5)), (name, step) -> steps.add(step));
        assertThat(balanced.endpoint().host()).isEqualTo("127.0.0.2");
        assertThat(balanced.endpoint().port()).isEqualTo(6379);
        assertThat(steps).anyMatch(s -> s.contains("by a LoadBalancer Service"));

        // ls reads where each is exposed from the cluster, as another command would
        Map<String, Instance> listed = new java.util.HashMap<>();
        provider(Map.of("SCALE_KUBERNETES_NAMESPACE", "team-c")).list().forEach(i -> listed.put(i.name(), i));
        assertThat(listed.get("by-node").endpoint().port()).isEqualTo(ports.get("by-node"));
        assertThat(listed.get("balanced").endpoint().host()).isEqualTo("127.0.0.2");

        assertThatThrownBy(() -> k8s.expose("public")).isInstanceOfSatisfying(ScaleException.class,
                e -> assertThat(e.oneLine()).contains("--expose public", "nodeport", "loadbalancer"));
        client.nodes().withName("node-1").delete();
    }

    @Test
    void noClusterConfiguredIsSaid() {
        Dirs dirs = new Dirs(home.resolve("state"), home.resolve("config"), home.resolve("cache"));
        KubernetesProvider none = KubernetesProvider.onCluster(Map.of("HOME", home.toString()), dirs.state(), Config.load(dirs, Map.of()),
                TestKinds.KINDS, Clock.systemUTC());
        assertThat(none.unavailableReason()).hasValueSatisfying(why -> assertThat(why).contains("no Kubernetes cluster is configured"));
    }
}
