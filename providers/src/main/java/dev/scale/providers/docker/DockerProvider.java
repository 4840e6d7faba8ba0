package dev.scale.providers.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import dev.scale.providers.Broken;
import dev.scale.providers.Config;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Names;
import dev.scale.providers.Instance;
import dev.scale.providers.Kind;
import dev.scale.providers.Kinds;
import dev.scale.providers.NameTaken;
import dev.scale.providers.Owner;
import dev.scale.providers.Progress;
import dev.scale.providers.Provider;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Secret;
import dev.scale.providers.Spec;
import dev.scale.providers.Wait;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Instances as Docker containers. Everything scale needs to know about one lives on the container
 * (labels, and the password in its environment), so any scale process can list and remove it.
 *
 * <p>The time to live is enforced by the container itself: a {@code /bin/sh} wrapper in front of the
 * image's own entrypoint sleeps for the TTL in the background, then signals PID 1 (the server) to
 * shut down; {@code AutoRemove} then deletes the container and its anonymous volumes. No scale
 * process, daemon or Ryuk is needed after {@code up}.
 */
public final class DockerProvider implements Provider {
    static final String LABEL = "dev.scale";
    static final String MANAGED = LABEL + ".managed";
    private static final String CONTAINER_PREFIX = "scale-";
    /**
     * The container of an instance not yet handed over is named {@code scale-NAME.pending}; {@code up} renames it
     * to {@code scale-NAME} when it hands it over. Labels cannot change after creation, a name can, atomically,
     * and any engine reports it: so a pending container whose owner (a label) is gone is an orphan.
     */
    private static final String PENDING = ".pending";
    static final String OWNER = LABEL + ".owner";

    /** $1 = TTL in seconds, $2 = stop signal, then the prelude, then the image's entrypoint and command. */
    private static final String WRAPPER = """
            ttl=$1; sig=$2; shift 2
            %s
            ( sleep "$ttl"; kill -s "$sig" 1 ) </dev/null >/dev/null 2>&1 &
            exec "$@"
            """;

    private final DockerEngine engine;
    private final Config config;
    private final Kinds kinds;
    private final Clock clock;
    /** Containers a start in this process has made and not yet handed over, for Ctrl-C. */
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

    public DockerProvider(DockerEngine engine, Config config, Kinds kinds, Clock clock) {
        this.engine = engine;
        this.config = config;
        this.kinds = kinds;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "docker";
    }

    /** The engine that answers, for {@code scale doctor}: where it is and its API version. */
    public String describeEngine() {
        var version = engine.client().versionCmd().exec();
        return "Docker " + version.getVersion() + ", API " + version.getApiVersion();
    }

    @Override
    public Optional<String> unavailableReason() {
        try {
            engine.client();
            return Optional.empty();
        } catch (ScaleException e) {
            return Optional.of(e.oneLine());
        }
    }

    @Override
    public Instance start(Spec spec, Progress progress) {
        DockerClient docker = engine.client();
        Kind kind = spec.kind();
        String image = config.image(spec);
        String version = spec.version() != null ? spec.version()
                : config.imageOverridden(spec) ? tagOf(image) : kind.defaultVersion();
        InspectImageResponse imageInfo = ensureImage(docker, spec, image, progress);

        Instant created = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Instant expires = created.plus(spec.ttl());
        Secret password = kind.authenticates() ? Secret.random() : Secret.none();
        Endpoint planned = new Endpoint("127.0.0.1", 0, kind.defaultUsername(), password, kind.defaultDatabase());

        Map<String, String> labels = new HashMap<>();
        labels.put(MANAGED, "true");
        labels.put(LABEL + ".name", spec.name());
        labels.put(OWNER, Owner.current().toString());
        labels.put(LABEL + ".kind", kind.name());
        labels.put(LABEL + ".version", version);
        labels.put(LABEL + ".created-at", created.toString());
        labels.put(LABEL + ".expires-at", expires.toString());
        if (kind.defaultUsername() != null) {
            labels.put(LABEL + ".username", kind.defaultUsername());
        }
        if (kind.defaultDatabase() != null) {
            labels.put(LABEL + ".database", kind.defaultDatabase());
        }
        List<String> env = new ArrayList<>();
        env.add("SCALE_PASSWORD=" + password.reveal());
        kind.containerEnv(planned).forEach((k, v) -> env.add(k + "=" + v));

        List<String> entrypoint = new ArrayList<>(List.of("/bin/sh", "-c", WRAPPER.formatted(kind.containerPrelude()), "scale",
                Long.toString(spec.ttl().toSeconds()), kind.stopSignal()));
        String[] imageEntrypoint = imageInfo.getConfig() == null ? null : imageInfo.getConfig().getEntrypoint();
        if (imageEntrypoint != null) {
            entrypoint.addAll(Arrays.asList(imageEntrypoint));
        }
        List<ExposedPort> ports = new ArrayList<>(List.of(ExposedPort.tcp(kind.containerPort())));
        kind.servicePorts().values().forEach(p -> ports.add(ExposedPort.tcp(p)));
        List<PortBinding> bindings = ports.stream().map(p -> new PortBinding(Ports.Binding.bindIp("127.0.0.1"), p)).toList();
        String id;
        progress.step(spec.name(), "creating container from " + image);
        try {
            id = docker.createContainerCmd(image)
                    .withName(CONTAINER_PREFIX + spec.name() + PENDING)
                    .withLabels(labels)
                    .withEnv(env)
                    .withEntrypoint(entrypoint)
                    .withCmd(kind.containerCommand())
                    .withExposedPorts(ports)
                    .withHostConfig(HostConfig.newHostConfig()
                            .withAutoRemove(true)
                            .withPortBindings(bindings))
                    .exec()
                    .getId();
        } catch (ConflictException e) {
            throw new NameTaken(spec.name());
        }
        // Holding NAME.pending stops anyone else from handing an instance over as NAME from now on; one handed
        // over before that is seen here, so the hand-over's rename cannot meet a taken name.
        if (exists(docker, CONTAINER_PREFIX + spec.name())) {
            removeQuietly(docker, id);
            throw new NameTaken(spec.name());
        }
        inFlight.add(id);
        try {
            docker.startContainerCmd(id).exec();
            InspectContainerResponse info = inspectRunning(docker, id, spec, image);
            Endpoint endpoint = new Endpoint("127.0.0.1", hostPort(info, kind.containerPort(), kind), kind.defaultUsername(), password,
                    kind.defaultDatabase(), servicePorts(info, kind));
            initialize(docker, id, spec, image, info, endpoint, progress);
            progress.step(spec.name(), "waiting for " + kind.name() + " on 127.0.0.1:" + endpoint.port());
            String serverVersion = awaitReady(docker, id, spec, image, endpoint);
            if (spec.version() != null && !serverVersion.isEmpty()
                    && !(serverVersion.equals(spec.version()) || serverVersion.startsWith(spec.version() + "."))) {
                // an image override runs what it runs: ls must not show the version asked for instead
                throw ScaleException.usage("asked for " + kind.name() + " " + spec.version() + ", but image " + image + " runs "
                        + kind.name() + " " + serverVersion, "ask for " + kind.name() + ":" + serverVersion.replaceFirst("^(\\d+\\.\\d+).*", "$1")
                        + ", or give an image of " + spec.version() + " with --image or SCALE_IMAGE_" + kind.name().toUpperCase(java.util.Locale.ROOT));
            }
            Instance instance = new Instance(spec.name(), kind, version, name(), endpoint, created, expires, Instance.State.RUNNING);
            progress.step(spec.name(), "ready (" + kind.name() + " " + serverVersion + ")");
            inFlight.remove(id);
            return instance;
        } catch (RuntimeException e) {
            removeQuietly(docker, id);
            inFlight.remove(id);
            throw e;
        }
    }

    private InspectImageResponse ensureImage(DockerClient docker, Spec spec, String image, Progress progress) {
        try {
            return docker.inspectImageCmd(image).exec();
        } catch (NotFoundException missing) {
            progress.step(spec.name(), "pulling image " + image);
            String envName = "SCALE_IMAGE_" + spec.kind().name().toUpperCase(java.util.Locale.ROOT);
            String hint = "pull it yourself, or use another image with --image IMG, " + envName + "=IMG, or a registry mirror with SCALE_REGISTRY";
            try {
                int at = image.indexOf('@');
                if (at >= 0) {
                    docker.pullImageCmd(image).start().awaitCompletion(10, TimeUnit.MINUTES);
                } else {
                    docker.pullImageCmd(repoOf(image)).withTag(tagOf(image)).start().awaitCompletion(10, TimeUnit.MINUTES);
                }
                return docker.inspectImageCmd(image).exec();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ScaleException.failure("interrupted while pulling " + image, e);
            } catch (RuntimeException e) {
                String why = e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage());
                throw ScaleException.environment("image " + image + " is not on this Docker engine and could not be pulled (" + why + ")", hint, e);
            }
        }
    }

    /**
     * The container's state, or a failure saying it stopped during start-up. AutoRemove may already have
     * taken it (and its logs), so the error says how to see them.
     */
    private static InspectContainerResponse inspectRunning(DockerClient docker, String id, Spec spec, String image) {
        String what = spec.kind().name() + " container for '" + spec.name() + "'";
        String seeLogs = "run the image by hand to see why: docker run --rm " + image;
        try {
            InspectContainerResponse info = docker.inspectContainerCmd(id).exec();
            if (!Boolean.TRUE.equals(info.getState().getRunning())) {
                throw ScaleException.failure(what + " stopped during start-up (exit code " + info.getState().getExitCodeLong() + ")"
                        + logTail(docker, id), seeLogs, null);
            }
            return info;
        } catch (NotFoundException e) {
            throw ScaleException.failure(what + " exited during start-up", seeLogs, e);
        }
    }

    private String awaitReady(DockerClient docker, String id, Spec spec, String image, Endpoint endpoint) {
        try {
            return Wait.until(System.nanoTime() + spec.kind().startTimeout().toNanos(), spec.kind().name() + " '" + spec.name() + "'", () -> {
                inspectRunning(docker, id, spec, image);
                return spec.kind().probe(endpoint);
            });
        } catch (Wait.TimedOut e) {
            throw ScaleException.failure(spec.kind().name() + " '" + spec.name() + "' did not answer within "
                    + spec.kind().startTimeout().toSeconds() + "s (" + e.lastReason() + ")" + logTail(docker, id), e.getCause());
        }
    }

    private static String logTail(DockerClient docker, String id) {
        StringBuilder out = new StringBuilder();
        try {
            docker.logContainerCmd(id).withStdOut(true).withStdErr(true).withTail(3)
                    .exec(new com.github.dockerjava.api.async.ResultCallback.Adapter<com.github.dockerjava.api.model.Frame>() {
                        @Override
                        public void onNext(com.github.dockerjava.api.model.Frame frame) {
                            out.append(new String(frame.getPayload(), java.nio.charset.StandardCharsets.UTF_8).trim()).append(" | ");
                        }
                    }).awaitCompletion(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            return "";
        }
        return out.length() == 0 ? "" : "; last log lines: " + out.substring(0, out.length() - 3);
    }

    /** A kind's set-up of a fresh server (Couchbase's cluster and bucket), within the kind's start timeout. */
    private static void initialize(DockerClient docker, String id, Spec spec, String image, InspectContainerResponse info, Endpoint endpoint,
                                   Progress progress) {
        String address = info.getNetworkSettings().getNetworks().values().stream()
                .map(n -> n.getIpAddress()).filter(a -> a != null && !a.isEmpty()).findFirst().orElse("127.0.0.1");
        try {
            spec.kind().initialize(endpoint, address, System.nanoTime() + spec.kind().startTimeout().toNanos(), progress, spec.name());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ScaleException.failure("interrupted while setting up " + spec.name(), e);
        } catch (Exception e) {
            inspectRunning(docker, id, spec, image);
            throw ScaleException.failure("setting up " + spec.kind().name() + " '" + spec.name() + "' failed: " + firstLine(String.valueOf(e.getMessage()))
                    + logTail(docker, id), e);
        }
    }

    /** The host ports of a kind's other services, by name. */
    private static Map<String, Integer> servicePorts(InspectContainerResponse info, Kind kind) {
        Map<String, Integer> out = new HashMap<>();
        kind.servicePorts().forEach((name, p) -> out.put(name, hostPort(info, p, kind)));
        return out;
    }

    private static int hostPort(InspectContainerResponse info, int containerPort, Kind kind) {
        Ports.Binding[] bindings = info.getNetworkSettings().getPorts().getBindings().get(ExposedPort.tcp(containerPort));
        if (bindings == null || bindings.length == 0) {
            throw ScaleException.failure("Docker published no port for the " + kind.name() + " container", null);
        }
        return Integer.parseInt(bindings[0].getHostPortSpec());
    }

    @Override
    public List<Instance> list() {
        DockerClient docker = engine.client();
        List<Instance> out = new ArrayList<>();
        for (Container c : scaleContainers(docker)) {
            if (unreadableLabels(c).isPresent()) {
                continue; // broken: reported by broken(), removed by gc
            }
            try {
                out.add(toInstance(docker, c));
            } catch (NotFoundException gone) {
                // removed between list and inspect: nothing to show
            }
        }
        return out;
    }

    /** Containers whose labels do not parse, found from the listing alone (no inspection). */
    @Override
    public List<Broken> broken() {
        List<Broken> out = new ArrayList<>();
        for (Container c : scaleContainers(engine.client())) {
            String name = instanceName(c);
            unreadableLabels(c).filter(why -> name != null && Names.isName(name))
                    .ifPresent(why -> out.add(new Broken(name, name(), "its container's labels do not parse (" + why + ")")));
        }
        return out;
    }

    /** scale's containers of the kinds this scale knows; one made by a scale that knows more kinds ends by its TTL, and down NAME removes it. */
    private List<Container> scaleContainers(DockerClient docker) {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(MANAGED, "true")).exec().stream()
                .filter(c -> kinds.knows(c.getLabels().get(LABEL + ".kind"))).toList();
    }

    /** Why the times scale keeps in a container's labels do not parse; empty when they do. */
    private static Optional<String> unreadableLabels(Container c) {
        try {
            Instant.parse(String.valueOf(c.getLabels().get(LABEL + ".created-at")));
            Instant.parse(String.valueOf(c.getLabels().get(LABEL + ".expires-at")));
            return Optional.empty();
        } catch (java.time.format.DateTimeParseException e) {
            return Optional.of(e.getMessage());
        }
    }

    private Instance toInstance(DockerClient docker, Container c) {
        Map<String, String> labels = c.getLabels();
        Kind kind = kinds.byName(labels.get(LABEL + ".kind"));
        // The maker first, the name after: an up renames its container (the hand-over), then exits. A name read
        // before the rename with a maker seen gone after the exit would make a handed-over instance an orphan.
        boolean makerAway = Owner.parse(labels.get(OWNER)).map(Owner::gone).orElse(false);
        InspectContainerResponse info = docker.inspectContainerCmd(c.getId()).exec();
        boolean pending = info.getName() != null && info.getName().endsWith(PENDING);
        String password = "";
        for (String e : info.getConfig().getEnv()) {
            if (e.startsWith("SCALE_PASSWORD=")) {
                password = e.substring("SCALE_PASSWORD=".length());
            }
        }
        boolean running = Boolean.TRUE.equals(info.getState().getRunning());
        int port = 0;
        Map<String, Integer> services = new HashMap<>();
        if (running) {
            port = boundPort(info, kind.containerPort());
            kind.servicePorts().forEach((name, p) -> services.put(name, boundPort(info, p)));
        }
        Endpoint endpoint = new Endpoint("127.0.0.1", port, labels.get(LABEL + ".username"), Secret.of(password), labels.get(LABEL + ".database"),
                services);
        boolean makerGone = pending && makerAway;
        // created and not yet started by a scale process that is still at it: a start in progress, not a dead instance
        boolean starting = pending && !makerGone && "created".equals(info.getState().getStatus());
        Instance.State state = running ? (makerGone ? Instance.State.ORPHANED : Instance.State.RUNNING)
                : starting ? Instance.State.RUNNING : Instance.State.DEAD;
        return new Instance(instanceName(c), kind, labels.get(LABEL + ".version"), name(), endpoint,
                Instant.parse(labels.get(LABEL + ".created-at")), Instant.parse(labels.get(LABEL + ".expires-at")), state);
    }

    /** The host port bound to a container port, or 0 if none (a container that is stopping). */
    private static int boundPort(InspectContainerResponse info, int containerPort) {
        Ports.Binding[] b = info.getNetworkSettings().getPorts().getBindings().get(ExposedPort.tcp(containerPort));
        return b != null && b.length > 0 ? Integer.parseInt(b[0].getHostPortSpec()) : 0;
    }

    /** The instance's name: its container's, less the prefix and the pending mark (a label cannot follow a rename). */
    private static String instanceName(Container c) {
        String n = c.getNames() == null || c.getNames().length == 0 ? "" : c.getNames()[0].replaceFirst("^/", "");
        if (!n.startsWith(CONTAINER_PREFIX)) {
            return c.getLabels().get(LABEL + ".name");
        }
        n = n.substring(CONTAINER_PREFIX.length());
        return n.endsWith(PENDING) ? n.substring(0, n.length() - PENDING.length()) : n;
    }

    private static boolean exists(DockerClient docker, String containerName) {
        try {
            docker.inspectContainerCmd(containerName).exec();
            return true;
        } catch (NotFoundException free) {
            return false;
        }
    }

    private static boolean pending(Container c) {
        return c.getNames() != null && c.getNames().length > 0 && c.getNames()[0].endsWith(PENDING);
    }

    @Override
    public void handOver(String name) {
        DockerClient docker = engine.client();
        // Docker's name filter matches parts of names: the exact match is below
        Container pending = docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(MANAGED, "true"))
                .withNameFilter(List.of(CONTAINER_PREFIX + name + PENDING)).exec().stream()
                .filter(c -> pending(c) && name.equals(instanceName(c))).findFirst()
                .orElseThrow(() -> ScaleException.failure("instance '" + name + "' is gone before it could be handed over", null));
        try {
            docker.renameContainerCmd(pending.getId()).withName(CONTAINER_PREFIX + name).exec();
        } catch (ConflictException taken) {
            throw new NameTaken(name);
        }
    }

    @Override
    public boolean remove(String name) {
        DockerClient docker = engine.client();
        List<Container> found = docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(MANAGED, "true")).exec().stream().filter(c -> name.equals(instanceName(c))).toList();
        for (Container c : found) {
            removeQuietly(docker, c.getId());
        }
        return !found.isEmpty();
    }

    /** Removes every container a start in this process is still making (Ctrl-C during {@code up}). */
    @Override
    public void cancelStarts() {
        if (inFlight.isEmpty()) {
            return;
        }
        DockerClient docker = engine.client();
        for (String id : List.copyOf(inFlight)) {
            removeQuietly(docker, id);
            inFlight.remove(id);
        }
    }

    /** Kills and removes a container with its anonymous volumes, and waits until Docker no longer knows it. */
    private static void removeQuietly(DockerClient docker, String id) {
        try {
            docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException gone) {
            return;
        } catch (ConflictException alreadyBeingRemoved) {
            // AutoRemove got there first; wait for it below
        }
        Wait.untilTrue(System.nanoTime() + TimeUnit.SECONDS.toNanos(30), "the container to go", () -> {
            try {
                docker.inspectContainerCmd(id).exec();
                return false;
            } catch (NotFoundException gone) {
                return true;
            }
        });
    }

    static String repoOf(String image) {
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        return colon > slash ? image.substring(0, colon) : image;
    }

    static String tagOf(String image) {
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        return colon > slash ? image.substring(colon + 1) : "latest";
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
