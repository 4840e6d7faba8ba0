package dev.scale.providers.kubernetes;

import dev.scale.errors.ScaleException;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Kind;
import dev.scale.providers.Secret;
import dev.scale.providers.Spec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an instance is on a cluster, and how scale makes, finds and removes it:
 * <ul>
 *   <li>a <b>Job</b> {@code scale-NAME} of one pod, {@code restartPolicy: Never}, with {@code activeDeadlineSeconds}
 *   the time to live (the cluster stops the pod then, whether or not any scale process is left) and
 *   {@code ttlSecondsAfterFinished} (the cluster then deletes the Job, and with it everything it owns);</li>
 *   <li>a <b>Secret</b> holding the password, which the server gets as {@code SCALE_PASSWORD} through a secret reference:
 *   the password is in no object's spec or annotations;</li>
 *   <li>a <b>Service</b> of type ClusterIP (never NodePort or LoadBalancer), for the instance's ports;</li>
 *   <li>the Secret and Service owned by the Job ({@code ownerReferences}), so they go with it; every object labelled
 *   {@code dev.scale/managed}, {@code dev.scale/instance}, {@code dev.scale/kind}, with the times, version and login in
 *   {@code dev.scale/*} annotations, as the Docker provider keeps them in labels.</li>
 * </ul>
 * The pod has no host ports, no service-account token, no service links; its container's memory request and limit are
 * the kind's ({@link Kind#memoryMiB}), or {@code --memory} / {@code --cpu}, or {@code SCALE_KUBERNETES_MEMORY} /
 * {@code SCALE_KUBERNETES_CPU} where set.
 */
public final class KubernetesObjects {
    static final String PREFIX = "dev.scale/";
    static final String MANAGED = PREFIX + "managed";
    static final String INSTANCE = PREFIX + "instance";
    static final String KIND = PREFIX + "kind";
    /** How long the cluster keeps a finished Job (deadline reached) before deleting it and what it owns. */
    static final int KEEP_FINISHED_SECONDS = 60;
    private final KubernetesClient client;
    private final String namespace;
    private final Clock clock;
    private final Map<String, String> resources;

    KubernetesObjects(KubernetesClient client, String namespace, Clock clock, Map<String, String> resources) {
        this.client = client;
        this.namespace = namespace;
        this.clock = clock;
        this.resources = resources;
    }

    public String namespace() {
        return namespace;
    }

    KubernetesClient client() {
        return client;
    }

    /** The Job's, Secret's and Service's name: {@code scale-NAME}. */
    public static String objectName(String instance) {
        return "scale-" + instance;
    }

    /** The name is taken in this namespace (by another scale, or anything else). */
    static final class Taken extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private static Map<String, String> labels(String instance, Kind kind) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MANAGED, "true");
        labels.put(INSTANCE, instance);
        labels.put(KIND, kind.name());
        return labels;
    }

    /**
     * Makes the instance's Job, then its Secret and Service owned by it.
     * @param serviceType ClusterIP, or NodePort or LoadBalancer where the user asked for one
     */
    void create(Spec spec, String image, String version, Secret password, Instant created, Instant expires, Map<String, String> size,
                String serviceType) {
        Kind kind = spec.kind();
        String name = objectName(spec.name());
        Map<String, String> labels = labels(spec.name(), kind);
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(PREFIX + "created-at", created.toString());
        annotations.put(PREFIX + "expires-at", expires.toString());
        annotations.put(PREFIX + "version", version);
        if (kind.defaultUsername() != null) {
            annotations.put(PREFIX + "username", kind.defaultUsername());
        }
        if (kind.defaultDatabase() != null) {
            annotations.put(PREFIX + "database", kind.defaultDatabase());
        }
        if (!serviceType.equals("ClusterIP")) {
            annotations.put(PREFIX + "exposed", serviceType);
        }
        long ttl = Math.max(1, Duration.between(created, expires).toSeconds());
        Job job = new JobBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels).withAnnotations(annotations).endMetadata()
                .withNewSpec().withActiveDeadlineSeconds(ttl).withTtlSecondsAfterFinished(KEEP_FINISHED_SECONDS).withBackoffLimit(0)
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().withRestartPolicy("Never").withAutomountServiceAccountToken(false).withEnableServiceLinks(false)
                .withTerminationGracePeriodSeconds(10L).withContainers(container(kind, image, name, password, size)).endSpec()
                .endTemplate().endSpec().build();
        Job made;
        try {
            made = client.batch().v1().jobs().inNamespace(namespace).resource(job).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                throw new Taken();
            }
            throw refused("creating job " + name, e);
        }
        OwnerReference owner = new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("Job").withName(name)
                .withUid(made.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build();
        try {
            client.secrets().inNamespace(namespace).resource(new SecretBuilder()
                    .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels).withOwnerReferences(owner).endMetadata()
                    .withType("Opaque").withStringData(Map.of("password", password.reveal())).build()).create();
            List<ServicePort> ports = new ArrayList<>();
            ports.add(new ServicePortBuilder().withName("main").withPort(kind.containerPort()).withNewTargetPort(kind.containerPort()).build());
            kind.servicePorts().forEach((service, port) -> ports.add(new ServicePortBuilder().withName(service).withPort(port)
                    .withNewTargetPort(port).build()));
            client.services().inNamespace(namespace).resource(new ServiceBuilder()
                    .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels).withOwnerReferences(owner).endMetadata()
                    .withNewSpec().withType(serviceType).withSelector(Map.of(INSTANCE, spec.name(), MANAGED, "true")).withPorts(ports).endSpec()
                    .build()).create();
        } catch (KubernetesClientException e) {
            delete(spec.name());
            throw refused("creating the secret and service of " + name, e);
        }
    }

    /**
     * The server's container: the kind's prelude (with the password from the Secret in {@code SCALE_PASSWORD}) before
     * the official image's entrypoint, its ports with no host port, and its memory.
     */
    private Container container(Kind kind, String image, String secret, Secret password, Map<String, String> size) {
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVarBuilder().withName("SCALE_PASSWORD").withNewValueFrom().withNewSecretKeyRef("password", secret, false)
                .endValueFrom().build());
        Endpoint planned = new Endpoint("127.0.0.1", 0, kind.defaultUsername(), password, kind.defaultDatabase());
        kind.containerEnv(planned).forEach((k, v) -> {
            if (!v.contains(password.reveal()) || password.reveal().isEmpty()) { // the password only through the Secret
                env.add(new EnvVar(k, v, null));
            }
        });
        List<String> args = new ArrayList<>();
        ContainerBuilder c = new ContainerBuilder().withName(kind.name()).withImage(image).withEnv(env);
        if (kind.containerPrelude().isBlank()) {
            c.withArgs(kind.containerCommand());
        } else {
            // as the Docker provider's wrapper does: the prelude, then the image's own entrypoint with the kind's arguments
            args.addAll(kind.imageEntrypoint());
            args.addAll(kind.containerCommand());
            c.withCommand("/bin/sh", "-c", kind.containerPrelude() + "exec \"$@\"", "scale-prelude").withArgs(args);
        }
        List<io.fabric8.kubernetes.api.model.ContainerPort> ports = new ArrayList<>();
        ports.add(new io.fabric8.kubernetes.api.model.ContainerPortBuilder().withName("main").withContainerPort(kind.containerPort()).build());
        kind.servicePorts().forEach((service, port) -> ports.add(new io.fabric8.kubernetes.api.model.ContainerPortBuilder()
                .withName(service.length() > 15 ? service.substring(0, 15) : service).withContainerPort(port).build()));
        String memory = size.getOrDefault("memory", resources.getOrDefault("memory", kind.memoryMiB() + "Mi"));
        String cpu = size.getOrDefault("cpu", resources.getOrDefault("cpu", "100m"));
        return c.withPorts(ports)
                .withNewResources().withRequests(Map.of("memory", new Quantity(memory), "cpu", new Quantity(cpu)))
                .withLimits(Map.of("memory", new Quantity(memory))).endResources()
                .withNewReadinessProbe().withNewTcpSocket().withNewPort(kind.containerPort()).endTcpSocket().withPeriodSeconds(1).endReadinessProbe()
                .build();
    }

    /** Waits until the instance's pod is ready (its server listens); fails at once on what waiting will not mend. */
    void awaitReady(String instance, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no pod yet";
        while (System.nanoTime() < deadline) {
            Job job = client.batch().v1().jobs().inNamespace(namespace).withName(objectName(instance)).get();
            if (job == null) {
                throw ScaleException.failure("job " + objectName(instance) + " was deleted while it started", null);
            }
            if (job.getStatus() != null && job.getStatus().getFailed() != null && job.getStatus().getFailed() > 0) {
                throw ScaleException.failure("job " + objectName(instance) + " failed: " + last, null);
            }
            for (Pod pod : client.pods().inNamespace(namespace).withLabel(INSTANCE, instance).list().getItems()) {
                if (ready(pod)) {
                    return;
                }
                last = why(pod);
                if (last.contains("ErrImagePull") || last.contains("ImagePullBackOff") || last.contains("InvalidImageName")) {
                    throw ScaleException.environment("the cluster cannot pull the image for " + objectName(instance) + " (" + last + ")",
                            "use an image its nodes can pull: --image, SCALE_IMAGE_<KIND> or SCALE_REGISTRY", null);
                }
            }
            sleep(500);
        }
        throw ScaleException.failure(objectName(instance) + "'s pod was not ready within " + timeout.toSeconds() + "s (" + last + ")", null);
    }

    static boolean ready(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("Ready".equals(c.getType()) && "True".equals(c.getStatus())) {
                return true;
            }
        }
        return false;
    }

    private static String why(Pod pod) {
        if (pod.getStatus() == null) {
            return "pending";
        }
        if (pod.getStatus().getContainerStatuses() != null) {
            for (var s : pod.getStatus().getContainerStatuses()) {
                if (s.getState() != null && s.getState().getWaiting() != null) {
                    return s.getState().getWaiting().getReason() + (s.getState().getWaiting().getMessage() == null ? "" : ": "
                            + s.getState().getWaiting().getMessage());
                }
            }
        }
        return String.valueOf(pod.getStatus().getPhase()).toLowerCase(java.util.Locale.ROOT);
    }

    /** Marks the instance as the user's ({@code up}): from now on only its deadline, down or gc end it. */
    void handOver(String instance) {
        try {
            client.batch().v1().jobs().inNamespace(namespace).withName(objectName(instance))
                    .edit(j -> new JobBuilder(j).editMetadata().addToAnnotations(PREFIX + "handed-over", "true").endMetadata().build());
        } catch (KubernetesClientException e) {
            throw refused("handing over " + objectName(instance), e);
        }
    }

    /**
     * One instance as the cluster has it.
     * @param exposed where its Service's ports are reached from outside the cluster, by port, when it is a NodePort or
     *     LoadBalancer Service that has its address; empty otherwise
     */
    record Found(String name, String kind, String version, Instant created, Instant expires, boolean running, String password,
                 Map<Integer, java.net.InetSocketAddress> exposed) {
    }

    /**
     * Where a NodePort or LoadBalancer Service's ports are reached from outside the cluster, by port: a node's address
     * (its external one, else its internal one) at each node port, or the load balancer's at each port; empty until
     * the cluster has given them, and for a ClusterIP Service.
     */
    Map<Integer, java.net.InetSocketAddress> exposed(io.fabric8.kubernetes.api.model.Service service, java.util.function.Supplier<String> nodeAddress) {
        Map<Integer, java.net.InetSocketAddress> out = new LinkedHashMap<>();
        String type = service.getSpec() == null ? null : service.getSpec().getType();
        if ("NodePort".equals(type)) {
            if (service.getSpec().getPorts().stream().anyMatch(p -> p.getNodePort() == null)) {
                return Map.of();
            }
            String node = nodeAddress.get();
            if (node == null) {
                return Map.of();
            }
            service.getSpec().getPorts().forEach(p -> out.put(p.getPort(), java.net.InetSocketAddress.createUnresolved(node, p.getNodePort())));
        } else if ("LoadBalancer".equals(type)) {
            var ingress = service.getStatus() == null || service.getStatus().getLoadBalancer() == null ? null
                    : service.getStatus().getLoadBalancer().getIngress();
            if (ingress == null || ingress.isEmpty()) {
                return Map.of();
            }
            String host = ingress.get(0).getIp() != null ? ingress.get(0).getIp() : ingress.get(0).getHostname();
            if (host == null) {
                return Map.of();
            }
            service.getSpec().getPorts().forEach(p -> out.put(p.getPort(), java.net.InetSocketAddress.createUnresolved(host, p.getPort())));
        }
        return out;
    }

    /** A node's address for NodePort Services: the first node's external address, else its internal one; null if none. */
    String nodeAddress() {
        List<io.fabric8.kubernetes.api.model.Node> nodes;
        try {
            nodes = client.nodes().list().getItems();
        } catch (KubernetesClientException e) {
            throw ScaleException.failure("Kubernetes refused listing the cluster's nodes, whose address a NodePort is reached at: "
                    + firstLine(e), e);
        }
        for (String type : List.of("ExternalIP", "InternalIP")) {
            for (var node : nodes) {
                if (node.getStatus() != null && node.getStatus().getAddresses() != null) {
                    for (var a : node.getStatus().getAddresses()) {
                        if (type.equals(a.getType()) && a.getAddress() != null) {
                            return a.getAddress();
                        }
                    }
                }
            }
        }
        return null;
    }

    /** Waits until the cluster has given the instance's NodePort or LoadBalancer Service its address. */
    Map<Integer, java.net.InetSocketAddress> awaitExposed(String instance, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String[] node = new String[1];
        while (true) {
            var service = client.services().inNamespace(namespace).withName(objectName(instance)).get();
            if (service == null) {
                throw ScaleException.failure("service " + objectName(instance) + " was deleted while it started", null);
            }
            Map<Integer, java.net.InetSocketAddress> at = exposed(service, () -> node[0] != null ? node[0] : (node[0] = nodeAddress()));
            if (!at.isEmpty()) {
                return at;
            }
            if (System.nanoTime() > deadline) {
                throw ScaleException.environment("the cluster gave " + objectName(instance) + "'s " + service.getSpec().getType()
                        + " Service no address within " + timeout.toSeconds() + "s", "LoadBalancer needs a load-balancer controller"
                        + " (a cloud's, MetalLB, k3s's servicelb); leave --expose out to reach it through a port-forward", null);
            }
            sleep(1000);
        }
    }

    private static String firstLine(KubernetesClientException e) {
        String m = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** scale's instances in this namespace, by label. */
    List<Found> list() {
        List<Found> out = new ArrayList<>();
        List<Job> jobs;
        try {
            jobs = client.batch().v1().jobs().inNamespace(namespace).withLabel(MANAGED, "true").list().getItems();
        } catch (KubernetesClientException e) {
            throw refused("listing scale's jobs", e);
        }
        // every instance's password in one listing, not a request per instance; the Services only where one is exposed
        Map<String, String> passwords = new java.util.HashMap<>();
        for (var s : client.secrets().inNamespace(namespace).withLabel(MANAGED, "true").list().getItems()) {
            passwords.put(s.getMetadata().getName(), password(s));
        }
        Map<String, io.fabric8.kubernetes.api.model.Service> services = new java.util.HashMap<>();
        if (jobs.stream().anyMatch(j -> j.getMetadata().getAnnotations() != null && j.getMetadata().getAnnotations().containsKey(PREFIX + "exposed"))) {
            client.services().inNamespace(namespace).withLabel(MANAGED, "true").list().getItems()
                    .forEach(s -> services.put(s.getMetadata().getName(), s));
        }
        String[] node = new String[1];
        for (Job j : jobs) {
            Map<String, String> labels = j.getMetadata().getLabels();
            Map<String, String> a = j.getMetadata().getAnnotations() == null ? Map.of() : j.getMetadata().getAnnotations();
            String instance = labels.get(INSTANCE);
            Instant created;
            Instant expires;
            try {
                created = Instant.parse(a.get(PREFIX + "created-at"));
                expires = Instant.parse(a.get(PREFIX + "expires-at"));
            } catch (RuntimeException unreadable) {
                continue; // not written by a scale; its deadline ends it
            }
            var status = j.getStatus();
            boolean finished = status != null && ((status.getFailed() != null && status.getFailed() > 0)
                    || (status.getSucceeded() != null && status.getSucceeded() > 0) || status.getCompletionTime() != null);
            var service = services.get(objectName(instance));
            out.add(new Found(instance, labels.get(KIND), a.getOrDefault(PREFIX + "version", ""), created, expires,
                    !finished && clock.instant().isBefore(expires), passwords.getOrDefault(objectName(instance), ""),
                    service == null ? Map.of() : exposed(service, () -> node[0] != null ? node[0] : (node[0] = nodeAddress()))));
        }
        return out;
    }

    private static String password(io.fabric8.kubernetes.api.model.Secret s) {
        if (s.getData() != null && s.getData().get("password") != null) {
            return new String(Base64.getDecoder().decode(s.getData().get("password")), StandardCharsets.UTF_8);
        }
        return s.getStringData() == null ? "" : s.getStringData().getOrDefault("password", "");
    }

    /**
     * Deletes the instance's Job and, without waiting for the cluster's garbage collector, what it owns and its pods;
     * whether the Job existed.
     */
    boolean delete(String instance) {
        String name = objectName(instance);
        try {
            boolean existed = !client.batch().v1().jobs().inNamespace(namespace).withName(name)
                    .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete().isEmpty();
            client.services().inNamespace(namespace).withName(name).delete();
            client.secrets().inNamespace(namespace).withName(name).delete();
            client.pods().inNamespace(namespace).withLabel(INSTANCE, instance).withLabel(MANAGED, "true").delete();
            return existed;
        } catch (KubernetesClientException e) {
            throw refused("deleting " + name, e);
        }
    }

    private ScaleException refused(String what, KubernetesClientException e) {
        String status = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : String.valueOf(e.getMessage());
        int nl = status.indexOf('\n');
        return ScaleException.failure("Kubernetes refused " + what + " in namespace " + namespace + ": " + (nl < 0 ? status : status.substring(0, nl)), e);
    }

    private static void sleep(long millis) {
        dev.scale.providers.Wait.sleep(millis * 1_000_000L);
    }
}
