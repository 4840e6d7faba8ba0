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
import java.util.function.Function;

/**
 * Instances on a Kubernetes cluster ({@code --provider kubernetes}), on the current kubeconfig context and namespace
 * ({@code SCALE_KUBERNETES_NAMESPACE} names another), or the pod's own when scale runs in one. Per instance, made by
 * {@link KubernetesObjects}: a Job whose deadline is the time to live, so that <b>the cluster itself</b> ends the
 * instance and, once the Job is finished, removes it with its Secret and Service (both owned by it); labels
 * {@code dev.scale/*} as the Docker labels. {@code ls}, {@code down} and {@code gc} read the cluster's state by label.
 * <p>
 * How this process reaches an instance ({@link Reach}): inside the cluster by its Service's DNS name; outside it
 * through a port-forward to 127.0.0.1 that lives as long as this command, so {@code try}, {@code run} and the probes
 * work from anywhere, and {@code up} from outside the cluster is refused until a forwarder that outlives the command
 * exists. The fabric8 client is made on first use only: no other command loads it.
 */
public final class KubernetesProvider implements Provider {
    public static final String NAME = "kubernetes";
    private final java.util.function.Supplier<io.fabric8.kubernetes.client.KubernetesClient> clients;
    private final Map<String, String> env;
    private final Config config;
    private final Kinds kinds;
    private final Clock clock;
    private final Function<KubernetesObjects, Reach> reaches;
    private KubernetesObjects objects;
    private Reach reach;
    private final Map<String, String> size = new java.util.concurrent.ConcurrentHashMap<>();

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

    /** How this process reaches an instance's port: its Service's DNS name in the cluster, or a local port-forward. */
    public interface Reach {
        /** The address for the instance's Service port {@code port}. */
        java.net.InetSocketAddress to(String instance, int port);

        /** Whether addresses from here outlive this process (they do in the cluster; a port-forward does not). */
        boolean lasting();

        /** Lets go of what reaching the instance holds (its port-forwards). */
        void release(String instance);
    }

    public KubernetesProvider(java.util.function.Supplier<io.fabric8.kubernetes.client.KubernetesClient> clients, Function<KubernetesObjects, Reach> reaches,
                              Map<String, String> env, Config config, Kinds kinds, Clock clock) {
        this.clients = clients;
        this.reaches = reaches;
        this.env = env;
        this.config = config;
        this.kinds = kinds;
        this.clock = clock;
    }

    /** The provider on the user's own cluster: the kubeconfig's, or the pod's own in one. */
    public static KubernetesProvider onCluster(Map<String, String> env, Config config, Kinds kinds, Clock clock) {
        return new KubernetesProvider(() -> new io.fabric8.kubernetes.client.KubernetesClientBuilder().build(),
                objects -> inCluster(env) ? Reaches.dns(objects) : Reaches.portForward(objects), env, config, kinds, clock);
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
            reach = reaches.apply(objects);
        }
        return objects;
    }

    private synchronized Reach reach() {
        objects();
        return reach;
    }

    /** A kubeconfig (KUBECONFIG, ~/.kube/config) or a pod's service account; the cluster itself is asked on first use. */
    @Override
    public Optional<String> unavailableReason() {
        if (inCluster(env)) {
            return Optional.empty();
        }
        String kubeconfig = env.get("KUBECONFIG");
        if (kubeconfig != null && !kubeconfig.isBlank()) {
            for (String f : kubeconfig.split(java.io.File.pathSeparator)) {
                if (!f.isBlank() && Files.isRegularFile(Path.of(f))) {
                    return Optional.empty();
                }
            }
        }
        Path home = Path.of(env.getOrDefault("HOME", System.getProperty("user.home")));
        if (Files.isRegularFile(home.resolve(".kube/config"))) {
            return Optional.empty();
        }
        return Optional.of("no Kubernetes cluster is configured here (no KUBECONFIG, no ~/.kube/config, not in a pod)");
    }

    /** From outside the cluster, an instance's port-forward ends with this command: {@code up} is refused before anything starts. */
    @Override
    public void requireLasting() {
        if (!reach().lasting()) {
            throw ScaleException.usage("scale up on Kubernetes from outside the cluster would hand out a port-forward that ends with this"
                    + " command", "use scale try or scale run, which keep theirs open, or run scale in a pod of the cluster");
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
            k.create(spec, image, version, password, created, expires, size);
        } catch (KubernetesObjects.Taken e) {
            throw new NameTaken(spec.name());
        }
        try {
            progress.step(spec.name(), "waiting for its pod to be scheduled and ready");
            k.awaitReady(spec.name(), kind.startTimeout().plus(java.time.Duration.ofMinutes(2)));
            Endpoint endpoint = endpoint(reach(), kind, spec.name(), password);
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

    /** The instance's address through {@code via}: its Service's DNS name, or a port-forward of this process. */
    private static Endpoint endpoint(Reach via, Kind kind, String name, Secret password) {
        java.net.InetSocketAddress main = via.to(name, kind.containerPort());
        Map<String, Integer> services = new java.util.LinkedHashMap<>();
        kind.servicePorts().forEach((service, port) -> services.put(service, via.to(name, port).getPort()));
        return new Endpoint(main.getHostString(), main.getPort(), kind.defaultUsername(), password, kind.defaultDatabase(), services);
    }

    @Override
    public void handOver(String name) {
        objects().handOver(name);
    }

    /**
     * scale's instances in the namespace, each at its Service's DNS name as the cluster names it: a listing opens no
     * port-forward (the one an instance of {@code try} or {@code run} uses belongs to that command).
     */
    @Override
    public List<Instance> list() {
        List<Instance> out = new ArrayList<>();
        Reach named = Reaches.dns(objects());
        for (KubernetesObjects.Found f : objects().list()) {
            Kind kind;
            try {
                kind = kinds.byName(f.kind());
            } catch (ScaleException unknown) {
                continue; // a kind this scale does not know: its deadline ends it
            }
            Endpoint endpoint = endpoint(named, kind, f.name(), Secret.of(f.password()));
            out.add(new Instance(f.name(), kind, f.version(), NAME, endpoint, f.created(), f.expires(),
                    f.running() ? Instance.State.RUNNING : Instance.State.DEAD));
        }
        return out;
    }

    /** Closes the client, if this command made one (its port-forwards with it). */
    public synchronized void close() {
        if (objects != null) {
            objects.client().close();
            objects = null;
            reach = null;
        }
    }

    @Override
    public boolean remove(String name) {
        reach().release(name);
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
