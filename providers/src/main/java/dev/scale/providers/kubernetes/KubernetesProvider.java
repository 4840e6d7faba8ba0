package dev.scale.providers.kubernetes;

import dev.scale.errors.ScaleException;
import dev.scale.providers.Config;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Instance;
import dev.scale.providers.Kind;
import dev.scale.providers.Kinds;
import dev.scale.providers.NameTaken;
import dev.scale.providers.Progress;
import dev.scale.providers.Provider;
import dev.scale.providers.Secret;
import dev.scale.providers.Spec;
import dev.scale.providers.Wait;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Instances on a Kubernetes cluster ({@code --provider kubernetes}), on the current kubeconfig context and namespace
 * ({@code SCALE_KUBERNETES_NAMESPACE} names another), or the pod's own when scale runs in one. Per instance, made by
 * {@link KubernetesObjects}: a Job whose deadline is the time to live, so that <b>the cluster itself</b> ends the
 * instance and, once the Job is finished, removes it with its Secret and Service (both owned by it); labels
 * {@code dev.scale/*} as the Docker labels. {@code ls}, {@code down} and {@code gc} read the cluster's state by label.
 * <p>
 * How this process reaches an instance ({@link Reach}): inside the cluster by its Service's DNS name; outside it
 * through the API server's port-forward to this machine's 127.0.0.1, held by the command itself for {@code try},
 * {@code run} and the probes, and for {@code up} by a detached forwarder of the instance's own ({@link PortForwarder})
 * that ends with it, and that {@code ls} and {@code env} start again where it is gone. The fabric8 client is made on
 * first use only: no other command loads it.
 */
public final class KubernetesProvider implements Provider {
    public static final String NAME = "kubernetes";
    private final java.util.function.Supplier<io.fabric8.kubernetes.client.KubernetesClient> clients;
    private final Map<String, String> env;
    private final Config config;
    private final Kinds kinds;
    private final Clock clock;
    private final Reach.Factory reaches;
    private KubernetesObjects objects;
    private Reach reach;
    /** Whether instances started from here must be reachable once this command ends ({@code up}). */
    private boolean lasting;
    private final Map<String, String> size = new java.util.concurrent.ConcurrentHashMap<>();

    /** The Service type of instances this command starts: ClusterIP unless the user asks ({@link #expose}). */
    private String serviceType = "ClusterIP";

    /**
     * Exposes the instances this command starts outside the cluster ({@code --expose}): {@code nodeport} on every
     * node's address, {@code loadbalancer} at a load balancer's. The contract then gives that address, and no
     * port-forward is needed; each start says, as a warning, who can then reach the instance.
     */
    public void expose(String how) {
        serviceType = switch (how.toLowerCase(java.util.Locale.ROOT)) {
            case "nodeport" -> "NodePort";
            case "loadbalancer" -> "LoadBalancer";
            default -> throw ScaleException.usage("--expose " + how + " is not a way scale exposes an instance",
                    "write --expose nodeport or --expose loadbalancer, or leave it out (reached through a port-forward)");
        };
    }

    /** Kubernetes' quantities: {@code 512Mi}, {@code 1.5Gi}, {@code 250m}, {@code 2}. */
    private static final java.util.regex.Pattern MEMORY = java.util.regex.Pattern.compile("[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?");
    private static final java.util.regex.Pattern CPU = java.util.regex.Pattern.compile("[0-9]+(\\.[0-9]+)?m?");

    /**
     * The pods' memory (request and limit) and CPU request for instances this command starts ({@code --memory},
     * {@code --cpu}); null leaves the kind's default.
     */
    public void size(String memory, String cpu) {
        if (memory != null) {
            if (!MEMORY.matcher(memory).matches()) {
                throw ScaleException.usage("--memory " + memory + " is not a Kubernetes quantity", "write e.g. --memory 512Mi or --memory 2Gi");
            }
            size.put("memory", memory);
        }
        if (cpu != null) {
            if (!CPU.matcher(cpu).matches()) {
                throw ScaleException.usage("--cpu " + cpu + " is not a Kubernetes quantity", "write e.g. --cpu 250m or --cpu 2");
            }
            size.put("cpu", cpu);
        }
    }

    /** How this process reaches an instance's ports: its Service's DNS name in the cluster, or local port-forwards. */
    public interface Reach {
        /**
         * The address of each of the instance's Service ports {@code ports}, by port; what forwards them ends by
         * {@code until} at the latest (the instance's time to live).
         */
        Map<Integer, java.net.InetSocketAddress> to(String instance, List<Integer> ports, Instant until);

        /** Whether addresses from here outlive this process (they do in the cluster and through a detached forwarder). */
        boolean lasting();

        /** Whether this reaches the instance from before this command (its detached forwarder is recorded). */
        default boolean keeps(String instance) {
            return false;
        }

        /** Lets go of what reaching the instance holds (its port-forwards, or its forwarder). */
        void release(String instance);

        /** Lets go of what this command holds for every instance (its port-forwards), before the client closes. */
        default void releaseAll() {
        }

        /** What holds the instances' ports now, for ls; empty where nothing does. */
        default String describe() {
            return "";
        }

        /** Lets go of what it holds for instances not in {@code instances}: those the cluster no longer has. */
        default void retainOnly(java.util.Set<String> instances) {
        }

        /** How a provider reaches the instances of one command: for as long as it runs, or beyond ({@code lasting}). */
        interface Factory {
            Reach reach(KubernetesObjects objects, boolean lasting);
        }
    }

    public KubernetesProvider(java.util.function.Supplier<io.fabric8.kubernetes.client.KubernetesClient> clients, Reach.Factory reaches,
                              Map<String, String> env, Config config, Kinds kinds, Clock clock) {
        this.clients = clients;
        this.reaches = reaches;
        this.env = env;
        this.config = config;
        this.kinds = kinds;
        this.clock = clock;
    }

    /**
     * The provider on the user's own cluster: the kubeconfig's, or the pod's own in one.
     * @param stateDir where the detached forwarders of instances handed over from outside the cluster are recorded
     */
    public static KubernetesProvider onCluster(Map<String, String> env, Path stateDir, Config config, Kinds kinds, Clock clock) {
        return new KubernetesProvider(() -> client(env), Reaches.factory(env, stateDir, inCluster(env)), env, config, kinds, clock);
    }

    /**
     * The client for the command's environment: in a pod, the pod's service account; otherwise the kubeconfig that
     * environment names (the first file of {@code KUBECONFIG} that exists, or {@code ~/.kube/config}), at its current
     * context, as kubectl reads it.
     */
    static io.fabric8.kubernetes.client.KubernetesClient client(Map<String, String> env) {
        Optional<Path> file = inCluster(env) ? Optional.empty() : kubeconfig(env);
        if (file.isEmpty()) {
            return new io.fabric8.kubernetes.client.KubernetesClientBuilder().build();
        }
        return new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                .withConfig(io.fabric8.kubernetes.client.Config.fromKubeconfig((String) null, file.get().toFile())).build();
    }

    /** The kubeconfig file the environment names: the first of {@code KUBECONFIG} that exists, or {@code ~/.kube/config}. */
    private static Optional<Path> kubeconfig(Map<String, String> env) {
        String kubeconfig = env.get("KUBECONFIG");
        if (kubeconfig != null && !kubeconfig.isBlank()) {
            for (String f : kubeconfig.split(java.io.File.pathSeparator)) {
                if (!f.isBlank() && Files.isRegularFile(Path.of(f))) {
                    return Optional.of(Path.of(f));
                }
            }
        }
        Path home = Path.of(env.getOrDefault("HOME", System.getProperty("user.home")));
        return Files.isRegularFile(home.resolve(".kube/config")) ? Optional.of(home.resolve(".kube/config")) : Optional.empty();
    }

    static boolean inCluster(Map<String, String> env) {
        return env.containsKey("KUBERNETES_SERVICE_HOST") && Files.isRegularFile(Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token"));
    }

    @Override
    public String name() {
        return NAME;
    }

    private synchronized KubernetesObjects objects() {
        if (objects == null) {
            io.fabric8.kubernetes.client.KubernetesClient client;
            try {
                client = clients.get();
            } catch (RuntimeException e) {
                throw ScaleException.environment("cannot load the Kubernetes configuration: " + firstLine(e.getMessage()),
                        "check KUBECONFIG or ~/.kube/config, or run scale in a pod", e);
            }
            String namespace = env.getOrDefault("SCALE_KUBERNETES_NAMESPACE", "");
            if (namespace.isBlank()) {
                namespace = client.getNamespace() == null ? "default" : client.getNamespace();
            }
            Map<String, String> resources = new java.util.HashMap<>();
            if (env.get("SCALE_KUBERNETES_MEMORY") != null) {
                resources.put("memory", env.get("SCALE_KUBERNETES_MEMORY"));
            }
            if (env.get("SCALE_KUBERNETES_CPU") != null) {
                resources.put("cpu", env.get("SCALE_KUBERNETES_CPU"));
            }
            objects = new KubernetesObjects(client, namespace, clock, resources);
        }
        return objects;
    }

    /** How this command reaches the instances it starts: for as long as it runs, or beyond ({@link #requireLasting}). */
    private synchronized Reach reach() {
        if (reach == null) {
            reach = reaches.reach(objects(), lasting);
        }
        return reach;
    }

    /** A kubeconfig (KUBECONFIG, ~/.kube/config) or a pod's service account; the cluster itself is asked on first use. */
    @Override
    public Optional<String> unavailableReason() {
        if (inCluster(env) || kubeconfig(env).isPresent()) {
            return Optional.empty();
        }
        return Optional.of("no Kubernetes cluster is configured here (no KUBECONFIG, no ~/.kube/config, not in a pod)");
    }

    /** Instances started from here are handed over ({@code up}): from outside the cluster, each gets a detached forwarder. */
    @Override
    public synchronized void requireLasting() {
        if (!lasting) {
            lasting = true;
            reach = null;
        }
    }

    @Override
    public Instance start(Spec spec, Progress progress) {
        Kind kind = spec.kind();
        String image = config.image(spec);
        String version = spec.version() != null ? spec.version() : config.imageOverridden(spec) ? tagOf(image) : kind.defaultVersion();
        Instant created = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Instant expires = created.plus(spec.ttl());
        Secret password = kind.authenticates() ? Secret.random() : Secret.none();
        KubernetesObjects k = objects();
        progress.step(spec.name(), "creating job, secret and service " + KubernetesObjects.objectName(spec.name()) + " in namespace " + k.namespace());
        try {
            k.create(spec, image, version, password, created, expires, size, serviceType);
        } catch (KubernetesObjects.Taken e) {
            throw new NameTaken(spec.name());
        }
        try {
            progress.step(spec.name(), "waiting for its pod to be scheduled and ready");
            k.awaitReady(spec.name(), kind.startTimeout().plus(java.time.Duration.ofMinutes(2)));
            Endpoint endpoint;
            if (!serviceType.equals("ClusterIP")) {
                progress.step(spec.name(), "waiting for the cluster to give its " + serviceType + " Service an address");
                Map<Integer, java.net.InetSocketAddress> at = k.awaitExposed(spec.name(), java.time.Duration.ofMinutes(3));
                endpoint = endpoint(exposedAt(at), kind, spec.name(), password, expires);
                progress.step(spec.name(), "warning: exposed at " + endpoint.host() + ":" + endpoint.port() + " by a " + serviceType
                        + " Service: whoever can reach " + (serviceType.equals("NodePort") ? "the cluster's nodes" : "that address")
                        + " can reach it, and only its password guards it");
            } else {
                if (reach().lasting() && !inCluster(env)) {
                    progress.step(spec.name(), "forwarding its ports to 127.0.0.1 by a port-forward that ends with the instance");
                }
                endpoint = endpoint(reach(), kind, spec.name(), password, expires);
            }
            progress.step(spec.name(), "waiting for " + kind.name() + " at " + endpoint.host() + ":" + endpoint.port());
            String serverVersion;
            try {
                serverVersion = Wait.until(System.nanoTime() + kind.startTimeout().toNanos(), spec.name(), () -> kind.probe(endpoint));
            } catch (Wait.TimedOut e) {
                throw ScaleException.failure(kind.name() + " on Kubernetes did not answer within " + kind.startTimeout().toSeconds() + "s ("
                        + e.lastReason() + ")", e);
            }
            progress.step(spec.name(), "ready (" + kind.name() + " " + (serverVersion.isEmpty() ? version : serverVersion) + ")");
            return new Instance(spec.name(), kind, version, NAME, endpoint, created, expires, Instance.State.RUNNING);
        } catch (RuntimeException e) {
            reach().release(spec.name());
            k.delete(spec.name());
            throw e;
        }
    }

    /** The addresses a NodePort or LoadBalancer Service has, as a reach: nothing to hold, nothing to release. */
    private static Reach exposedAt(Map<Integer, java.net.InetSocketAddress> at) {
        return new Reach() {
            @Override
            public Map<Integer, java.net.InetSocketAddress> to(String instance, List<Integer> ports, Instant until) {
                return at;
            }

            @Override
            public boolean lasting() {
                return true;
            }

            @Override
            public void release(String instance) {
            }
        };
    }

    /** The instance's address through {@code via}: its Service's DNS name, or port-forwards to this machine. */
    private static Endpoint endpoint(Reach via, Kind kind, String name, Secret password, Instant until) {
        List<Integer> ports = new ArrayList<>(List.of(kind.containerPort()));
        kind.servicePorts().values().stream().filter(p -> !ports.contains(p)).forEach(ports::add);
        Map<Integer, java.net.InetSocketAddress> at = via.to(name, ports, until);
        java.net.InetSocketAddress main = at.get(kind.containerPort());
        Map<String, Integer> services = new java.util.LinkedHashMap<>();
        kind.servicePorts().forEach((service, port) -> services.put(service, at.get(port).getPort()));
        return new Endpoint(main.getHostString(), main.getPort(), kind.defaultUsername(), password, kind.defaultDatabase(), services);
    }

    @Override
    public void handOver(String name) {
        objects().handOver(name);
    }

    /**
     * scale's instances in the namespace: one handed over from outside the cluster at its detached forwarder's local
     * ports (started again if it is gone and the instance runs), any other at its Service's DNS name as the cluster
     * names it (the port-forward of an instance of {@code try} or {@code run} belongs to that command). Forwarders of
     * instances the cluster no longer has are stopped.
     */
    @Override
    public List<Instance> list() {
        List<Instance> out = new ArrayList<>();
        Reach named = Reaches.dns(objects());
        Reach kept = reaches.reach(objects(), true);
        java.util.Set<String> found = new java.util.HashSet<>();
        for (KubernetesObjects.Found f : objects().list()) {
            found.add(f.name());
            Kind kind;
            try {
                kind = kinds.byName(f.kind());
            } catch (ScaleException unknown) {
                continue; // a kind this scale does not know: its deadline ends it
            }
            Reach via = !f.exposed().isEmpty() ? exposedAt(f.exposed()) : f.running() && kept.keeps(f.name()) ? kept : named;
            Endpoint endpoint = endpoint(via, kind, f.name(), Secret.of(f.password()), f.expires());
            out.add(new Instance(f.name(), kind, f.version(), NAME, endpoint, f.created(), f.expires(),
                    f.running() ? Instance.State.RUNNING : Instance.State.DEAD));
        }
        kept.retainOnly(found);
        return out;
    }

    /** From outside the cluster: the namespace's detached port-forward, for ls. */
    @Override
    public Optional<String> forwarding() {
        if (inCluster(env)) {
            return Optional.empty();
        }
        String d = reaches.reach(objects(), true).describe();
        return d.isEmpty() ? Optional.empty() : Optional.of("namespace " + objects().namespace() + " forwarded to 127.0.0.1 here: " + d
                + "; down and gc stop it");
    }

    /** Closes the client, if this command made one (its port-forwards with it). */
    public synchronized void close() {
        if (objects != null) {
            if (reach != null) {
                reach.releaseAll(); // port-forwards closed first, not failing on a closed client
            }
            objects.client().close();
            objects = null;
            reach = null;
        }
    }

    @Override
    public boolean remove(String name) {
        reach().release(name);
        reaches.reach(objects(), true).release(name); // its detached forwarder, if it was handed over from outside
        return objects().delete(name);
    }

    static String tagOf(String image) {
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        return colon > slash ? image.substring(colon + 1) : "latest";
    }

    private static String firstLine(String s) {
        String m = String.valueOf(s);
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
