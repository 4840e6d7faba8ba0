package dev.scale.providers.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.scale.providers.docker.DockerApi.Conflict;
import dev.scale.providers.docker.DockerApi.NotFound;
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
import dev.scale.providers.Topology;
import dev.scale.providers.Wait;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
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

    /**
     * $1 = when the TTL ends (seconds since the epoch: a restarted container runs this again and must keep its end),
     * $2 = stop signal, then the prelude, then the image's entrypoint and command.
     */
    private static final String WRAPPER = """
            ttl=$(( $1 - $(date +%%s) )); [ "$ttl" -gt 0 ] || ttl=1; sig=$2; shift 2
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
    /** Networks a topology's start in this process has made and not yet handed over, for Ctrl-C. */
    private final Set<String> networksInFlight = ConcurrentHashMap.newKeySet();

    private final DockerTemplates templates;

    /** @param cacheDir scale's cache, where the passwords of template images are kept */
    public DockerProvider(DockerEngine engine, Config config, Kinds kinds, Clock clock, java.nio.file.Path cacheDir) {
        this.engine = engine;
        this.templates = new DockerTemplates(cacheDir);
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
        return engine.api().describe();
    }

    /** Removes the template images scale committed on the engine, and their passwords; how many images went. */
    public int clearTemplates() {
        return templates.clear(engine.api());
    }

    @Override
    public Optional<String> unavailableReason() {
        try {
            engine.api();
            return Optional.empty();
        } catch (ScaleException e) {
            return Optional.of(e.oneLine());
        }
    }

    @Override
    public Instance start(Spec spec, Progress progress) {
        if (spec.topology() != null) {
            return startTopology(spec, progress);
        }
        DockerApi docker = engine.api();
        Kind kind = spec.kind();
        String image = config.image(spec);
        String version = spec.version() != null ? spec.version()
                : config.imageOverridden(spec) ? DockerApi.tagOf(image) : kind.defaultVersion();
        JsonNode imageInfo = ensureImage(docker, spec, image, progress);

        Instant created = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Instant expires = created.plus(spec.ttl());
        Secret password = kind.authenticates() ? Secret.random() : Secret.none();
        Endpoint planned = new Endpoint("127.0.0.1", 0, kind.defaultUsername(), password, kind.defaultDatabase());

        Map<String, String> labels = labels(spec, version, created, expires, true);
        List<String> env = env(password, kind, planned);
        List<String> entrypoint = entrypoint(kind.containerPrelude(), expires, kind, imageInfo);
        List<Integer> ports = new ArrayList<>(List.of(kind.containerPort()));
        ports.addAll(kind.servicePorts().values());

        DockerTemplates.Prepared template = template(docker, spec, imageInfo, entrypoint, kind.containerEnv(planned), progress);
        ObjectNode body = containerBody(template == null ? image : template.image(), labels, env, entrypoint, kind.containerCommand(), ports);
        ((ObjectNode) body.get("HostConfig")).put("AutoRemove", true);
        body.put("StopSignal", "SIG" + kind.stopSignal()); // what docker stop and restart send: the kind's clean shutdown
        String id;
        progress.step(spec.name(), "creating container from " + image);
        try {
            id = docker.create(CONTAINER_PREFIX + spec.name() + PENDING, body);
        } catch (Conflict e) {
            throw new NameTaken(spec.name());
        } catch (DockerApi.Failed e) {
            throw ScaleException.failure("Docker refused to create the " + kind.name() + " container: " + firstLine(String.valueOf(e.getMessage())), e);
        }
        // Holding NAME.pending stops anyone else from handing an instance over as NAME from now on; one handed
        // over before that is seen here, so the hand-over's rename cannot meet a taken name.
        if (exists(docker, CONTAINER_PREFIX + spec.name())) {
            removeQuietly(docker, id);
            throw new NameTaken(spec.name());
        }
        inFlight.add(id);
        try {
            docker.start(id);
            JsonNode info = inspectRunning(docker, id, spec, image);
            Endpoint endpoint = new Endpoint("127.0.0.1", hostPort(info, kind.containerPort(), kind), kind.defaultUsername(), password,
                    kind.defaultDatabase(), servicePorts(info, kind));
            reach(id, ports(endpoint.port(), endpoint.ports().values()), expires, progress, spec.name());
            initialize(docker, id, spec, image, info, endpoint, progress);
            progress.step(spec.name(), "waiting for " + kind.name() + " on 127.0.0.1:" + endpoint.port());
            String serverVersion;
            if (template == null) {
                serverVersion = awaitReady(docker, id, spec, image, endpoint);
            } else {
                Endpoint templateLogin = endpoint.withPassword(template.password());
                awaitReady(docker, id, spec, image, templateLogin);
                adopt(docker, id, spec, templateLogin, password);
                serverVersion = awaitReady(docker, id, spec, image, endpoint);
            }
            if (spec.version() != null && !serverVersion.isEmpty()
                    && !(serverVersion.equals(spec.version()) || serverVersion.startsWith(spec.version() + "."))) {
                // an image override runs what it runs: ls must not show the version asked for instead
                throw ScaleException.usage("asked for " + kind.name() + " " + spec.version() + ", but image " + image + " runs "
                        + kind.name() + " " + serverVersion, "ask for " + kind.name() + ":" + serverVersion.replaceFirst("^(\\d+\\.\\d+).*", "$1")
                        + ", or give an image of " + spec.version() + " with --image or SCALE_IMAGE_" + kind.name().toUpperCase(java.util.Locale.ROOT));
            }
            Instance instance = new Instance(spec.name(), kind, version, name(), endpoint, created, expires, Instance.State.RUNNING);
            // a server that does not say its version (S3 has no version call): the image's
            progress.step(spec.name(), "ready (" + kind.name() + " " + (serverVersion.isEmpty() ? version : serverVersion) + ")");
            inFlight.remove(id);
            return instance;
        } catch (RuntimeException e) {
            removeQuietly(docker, id);
            inFlight.remove(id);
            throw e;
        }
    }


    /**
     * A replicated instance ({@link DockerTopologies}): its network, the primary's container as the instance's (the
     * claim on the name, as for one server), then the other members, each started and answering, then every member
     * settled with the others. All or nothing, as a single start.
     */
    private Instance startTopology(Spec spec, Progress progress) {
        DockerApi docker = engine.api();
        Kind kind = spec.kind();
        Topology.Replication replication = kind.replication();
        if (replication == null) {
            throw ScaleException.usage(kind.name() + " does not run replicated in scale", "leave out --replicas and --sentinels");
        }
        String image = config.image(spec);
        String version = spec.version() != null ? spec.version()
                : config.imageOverridden(spec) ? DockerApi.tagOf(image) : kind.defaultVersion();
        JsonNode imageInfo = ensureImage(docker, spec, image, progress);
        Instant created = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Instant expires = created.plus(spec.ttl());
        Secret password = Secret.random();
        Endpoint planned = new Endpoint("127.0.0.1", 0, kind.defaultUsername(), password, kind.defaultDatabase());
        List<Topology.Member> members = replication.members(spec.name(), spec.topology());

        List<String> networks = new ArrayList<>();
        List<String> made = new ArrayList<>();
        Map<Topology.Member, Endpoint> at = new LinkedHashMap<>();
        try {
            progress.step(spec.name(), "creating a network and " + members.size() + " containers from " + image);
            String network = DockerTopologies.network(docker, spec, networks);
            networksInFlight.addAll(networks);
            for (Topology.Member m : members) {
                boolean head = m.role() == Topology.Role.PRIMARY;
                // the head (the first primary) carries the instance's login, as one server's container does
                Map<String, String> labels = labels(spec, version, created, expires, head);
                labels.put(DockerTopologies.MEMBER_OF, spec.name());
                if (head) {
                    labels.put(DockerTopologies.TOPOLOGY, DockerTopologies.describe(spec.topology()));
                }
                List<String> env = env(password, kind, planned);
                List<String> entrypoint = entrypoint(m.prelude(), expires, kind, imageInfo);
                String containerName = CONTAINER_PREFIX + spec.name() + (head ? PENDING : "." + m.host().substring(spec.name().length() + 1));
                int hostPort = 0;
                Map<String, Integer> serviceHostPorts = new LinkedHashMap<>();
                for (int attempt = 1; ; attempt++) {
                    hostPort = m.port() > 0 ? DockerTopologies.freePort() : 0;
                    serviceHostPorts.clear();
                    m.services().keySet().forEach(service -> serviceHostPorts.put(service, DockerTopologies.freePort()));
                    ObjectNode body = containerBody(image, labels, env, entrypoint, m.command(), List.of());
                    body.put("StopSignal", "SIG" + kind.stopSignal());
                    DockerTopologies.place(body, network, m, hostPort, serviceHostPorts);
                    String id;
                    try {
                        id = docker.create(containerName, body);
                    } catch (Conflict e) {
                        throw new NameTaken(spec.name());
                    }
                    made.add(id);
                    inFlight.add(id);
                    if (head && exists(docker, CONTAINER_PREFIX + spec.name())) {
                        throw new NameTaken(spec.name());
                    }
                    try {
                        docker.start(id);
                        reach(id, ports(hostPort, serviceHostPorts.values()), expires, progress, spec.name());
                        break;
                    } catch (DockerApi.Failed e) {
                        // another process took the port between the look and the start: another port
                        if (attempt >= 3 || !String.valueOf(e.getMessage()).matches("(?s).*(allocated|in use).*")) {
                            throw ScaleException.failure("Docker could not start " + m.host() + ": " + firstLine(String.valueOf(e.getMessage())), e);
                        }
                        removeQuietly(docker, id);
                        made.remove(id);
                        inFlight.remove(id);
                    }
                }
                at.put(m, new Endpoint("127.0.0.1", hostPort, kind.defaultUsername(), password, kind.defaultDatabase(), serviceHostPorts));
            }
            replication.form(spec.name(), spec.topology(), at, DockerTopologies.deadline(spec), progress);
            DockerTopologies.awaitSettled(spec, at, progress);
            Map<String, Integer> ports = new LinkedHashMap<>();
            at.forEach((m, e) -> {
                if (m.port() > 0) { // as DockerTopologies.ports: a member that publishes nothing has no port to give
                    ports.put(m.key(), e.port());
                    e.ports().forEach((service, port) -> ports.put(m.key(service), port));
                }
            });
            Endpoint primary = at.get(members.get(0));
            String serverVersion = kind.probe(primary);
            progress.step(spec.name(), "ready (" + kind.name() + " " + serverVersion + ": " + DockerTopologies.describe(spec.topology()) + ")");
            made.forEach(inFlight::remove);
            networks.forEach(networksInFlight::remove);
            return new Instance(spec.name(), kind, version, name(),
                    new Endpoint("127.0.0.1", primary.port(), kind.defaultUsername(), password, kind.defaultDatabase(), ports),
                    created, expires, Instance.State.RUNNING);
        } catch (Exception e) {
            made.forEach(id -> {
                removeQuietly(docker, id);
                inFlight.remove(id);
            });
            networks.forEach(n -> {
                removeNetworkQuietly(docker, n);
                networksInFlight.remove(n);
            });
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw ScaleException.failure("starting " + spec.name() + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void fault(String instance, String member, Topology.Fault fault) {
        DockerApi docker = engine.api();
        JsonNode c = DockerTopologies.members(docker, instance).stream().filter(x -> member.equals(label(x, DockerTopologies.HOST)))
                .findFirst().orElseThrow(() -> ScaleException.usage("instance '" + instance + "' has no member " + member, "see scale ls"));
        String id = c.path("Id").asText();
        String network = docker.networks(Map.of(MANAGED, "true", DockerTopologies.MEMBER_OF, instance)).stream().findFirst()
                .map(n -> n.path("Id").asText()).orElse(null);
        switch (fault) {
            case KILL -> docker.kill(id, "KILL");
            case START -> docker.start(id);
            case PAUSE -> docker.pause(id);
            case UNPAUSE -> docker.unpause(id);
            case CUT -> docker.disconnect(network, id);
            case RECONNECT -> docker.connect(network, id, List.of(member));
        }
    }

    @Override
    public List<String> undoLeftoverFaults(String instance) {
        DockerApi docker = engine.api();
        JsonNode network = docker.networks(Map.of(MANAGED, "true", DockerTopologies.MEMBER_OF, instance)).stream().findFirst().orElse(null);
        List<String> undone = new ArrayList<>();
        for (JsonNode c : DockerTopologies.members(docker, instance)) {
            String id = c.path("Id").asText();
            String host = label(c, DockerTopologies.HOST);
            JsonNode info = docker.inspect(id);
            JsonNode state = info.path("State");
            if (state.path("Paused").asBoolean(false)) {
                docker.unpause(id);
                undone.add(host + " was left paused: thawed");
            }
            if (network != null && !info.path("NetworkSettings").path("Networks").has(network.path("Name").asText())) {
                docker.connect(network.path("Id").asText(), id, List.of(host));
                undone.add(host + " was left cut off the network: put back");
            }
            boolean expired = !clock.instant().isBefore(Instant.parse(label(c, LABEL + ".expires-at")));
            if (!state.path("Running").asBoolean(false) && !expired) {
                docker.start(id);
                undone.add(host + " was left stopped: started");
            }
        }
        return undone;
    }

    /**
     * A container's create body: its image, labels, environment, entrypoint and command, and each port published on
     * 127.0.0.1 only, at a port the engine picks. Instances and template makers alike.
     */
    static ObjectNode containerBody(String image, Map<String, String> labels, List<String> env, List<String> entrypoint, List<String> cmd,
                                    List<Integer> ports) {
        ObjectNode body = DockerApi.JSON.createObjectNode();
        body.put("Image", image);
        labels.forEach(body.putObject("Labels")::put);
        env.forEach(body.putArray("Env")::add);
        entrypoint.forEach(body.putArray("Entrypoint")::add);
        cmd.forEach(body.putArray("Cmd")::add);
        ObjectNode exposed = body.putObject("ExposedPorts");
        ObjectNode bindings = body.putObject("HostConfig").putObject("PortBindings");
        for (int p : ports) {
            exposed.putObject(p + "/tcp");
            bindings.putArray(p + "/tcp").addObject().put("HostIp", "127.0.0.1").put("HostPort", "");
        }
        return body;
    }

    /**
     * The template image to start this instance from, made on first use; null for a kind without templates, or when
     * the image cannot make one (said, then started as it comes).
     */
    private DockerTemplates.Prepared template(DockerApi docker, Spec spec, JsonNode imageInfo, List<String> entrypoint, Map<String, String> env,
                                              Progress progress) {
        Kind kind = spec.kind();
        if (kind.template() == null) {
            return null;
        }
        String sourceId = imageInfo.path("Id").asText();
        Optional<DockerTemplates.Prepared> found = templates.find(docker, kind, sourceId);
        if (found.isPresent()) {
            return found.get();
        }
        progress.step(spec.name(), "preparing a " + kind.name() + " template on this engine, once for this image (scale cache clear removes it)");
        Secret password = Secret.random();
        Map<String, String> makerEnv = new java.util.LinkedHashMap<>();
        makerEnv.put("SCALE_PASSWORD", password.reveal());
        makerEnv.putAll(env);
        try {
            return templates.make(docker, kind, imageInfo, sourceId, entrypoint, makerEnv, password, new DockerTemplates.Reach() {
                @Override
                public void open(String id, int port) {
                    reach(id, ports(port, List.of()), clock.instant().plus(kind.startTimeout().multipliedBy(2)), null, null);
                }

                @Override
                public void close(String id) {
                    engine.tunnels().ifPresent(t -> t.close(id));
                }
            });
        } catch (ScaleException | DockerApi.Failed | DockerApi.NotFound | DockerApi.Conflict | java.io.UncheckedIOException e) {
            progress.step(spec.name(), "no template (" + firstLine(String.valueOf(e.getMessage())) + "); starting from the image as it is");
            return null;
        }
    }

    /** Gives a server started from a template the instance's own password, before anyone else is handed it. */
    private static void adopt(DockerApi docker, String id, Spec spec, Endpoint templateLogin, Secret password) {
        try {
            spec.kind().template().adopt(templateLogin, password);
        } catch (Exception e) {
            throw ScaleException.failure("could not give " + spec.kind().name() + " '" + spec.name() + "' its own password: "
                    + firstLine(String.valueOf(e.getMessage())) + logTail(docker, id), e);
        }
    }

    private JsonNode ensureImage(DockerApi docker, Spec spec, String image, Progress progress) {
        try {
            return docker.inspectImage(image);
        } catch (NotFound missing) {
            progress.step(spec.name(), "pulling image " + image);
            String envName = "SCALE_IMAGE_" + spec.kind().name().toUpperCase(java.util.Locale.ROOT);
            String hint = "pull it yourself, or use another image with --image IMG, " + envName + "=IMG, or a registry mirror with SCALE_REGISTRY";
            try {
                docker.pull(image);
                return docker.inspectImage(image);
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
    private static JsonNode inspectRunning(DockerApi docker, String id, Spec spec, String image) {
        String what = spec.kind().name() + " container for '" + spec.name() + "'";
        String seeLogs = "run the image by hand to see why: docker run --rm " + image;
        try {
            JsonNode info = docker.inspect(id);
            if (!info.path("State").path("Running").asBoolean(false)) {
                throw ScaleException.failure(what + " stopped during start-up (exit code " + info.path("State").path("ExitCode").asLong() + ")"
                        + logTail(docker, id), seeLogs, null);
            }
            return info;
        } catch (NotFound e) {
            throw ScaleException.failure(what + " exited during start-up", seeLogs, e);
        }
    }

    private String awaitReady(DockerApi docker, String id, Spec spec, String image, Endpoint endpoint) {
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

    private static String logTail(DockerApi docker, String id) {
        String tail;
        try {
            tail = docker.logTail(id, 3);
        } catch (RuntimeException e) {
            return "";
        }
        return tail.isEmpty() ? "" : "; last log lines: " + tail;
    }

    /** A kind's set-up of a fresh server (Couchbase's cluster and bucket), within the kind's start timeout. */
    private static void initialize(DockerApi docker, String id, Spec spec, String image, JsonNode info, Endpoint endpoint,
                                   Progress progress) {
        String address = "127.0.0.1";
        for (JsonNode network : info.path("NetworkSettings").path("Networks")) {
            String ip = network.path("IPAddress").asText("");
            if (!ip.isEmpty()) {
                address = ip;
                break;
            }
        }
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
    private static Map<String, Integer> servicePorts(JsonNode info, Kind kind) {
        Map<String, Integer> out = new HashMap<>();
        kind.servicePorts().forEach((name, p) -> out.put(name, hostPort(info, p, kind)));
        return out;
    }

    private static int hostPort(JsonNode info, int containerPort, Kind kind) {
        int port = boundPort(info, containerPort);
        if (port == 0) {
            throw ScaleException.failure("Docker published no port for the " + kind.name() + " container", null);
        }
        return port;
    }

    @Override
    public List<Instance> list() {
        DockerApi docker = engine.api();
        List<Instance> out = new ArrayList<>();
        for (JsonNode c : scaleContainers(docker)) {
            if (unreadableLabels(c).isPresent()) {
                continue; // broken: reported by broken(), removed by gc
            }
            try {
                out.add(toInstance(docker, c));
            } catch (NotFound gone) {
                // removed between list and inspect: nothing to show
            }
        }
        return out;
    }

    /** Containers whose labels do not parse, found from the listing alone (no inspection). */
    @Override
    public List<Broken> broken() {
        List<Broken> out = new ArrayList<>();
        for (JsonNode c : scaleContainers(engine.api())) {
            String name = instanceName(c);
            unreadableLabels(c).filter(why -> name != null && Names.isName(name))
                    .ifPresent(why -> out.add(new Broken(name, name(), "its container's labels do not parse (" + why + ")")));
        }
        DockerApi docker = engine.api();
        java.util.Set<String> heads = new java.util.HashSet<>();
        scaleContainers(docker).forEach(c -> heads.add(instanceName(c)));
        for (String of : DockerTopologies.headless(docker, heads)) {
            if (Names.isName(of)) {
                out.add(new Broken(of, name(), "members or a network of a replicated instance whose primary's container is gone"));
            }
        }
        return out;
    }

    /** scale's containers of the kinds this scale knows; one made by a scale that knows more kinds ends by its TTL, and down NAME removes it. */
    private List<JsonNode> scaleContainers(DockerApi docker) {
        return docker.containers(Map.of(MANAGED, "true"), null).stream()
                .filter(c -> kinds.knows(label(c, LABEL + ".kind")))
                .filter(c -> label(c, DockerTopologies.MEMBER_OF) == null || label(c, DockerTopologies.TOPOLOGY) != null) // a topology: its head
                .toList();
    }

    static String label(JsonNode container, String label) {
        JsonNode value = container.path("Labels").get(label);
        return value == null || value.isNull() ? null : value.asText();
    }

    /** Why the times scale keeps in a container's labels do not parse; empty when they do. */
    private static Optional<String> unreadableLabels(JsonNode c) {
        try {
            Instant.parse(String.valueOf(label(c, LABEL + ".created-at")));
            Instant.parse(String.valueOf(label(c, LABEL + ".expires-at")));
            return Optional.empty();
        } catch (java.time.format.DateTimeParseException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** An instance's container labels: scale's, its maker, its kind and times, and with {@code login} its user and database. */
    private static Map<String, String> labels(Spec spec, String version, Instant created, Instant expires, boolean login) {
        Kind kind = spec.kind();
        Map<String, String> labels = new HashMap<>();
        labels.put(MANAGED, "true");
        labels.put(LABEL + ".name", spec.name());
        labels.put(OWNER, Owner.current().toString());
        labels.put(LABEL + ".kind", kind.name());
        labels.put(LABEL + ".version", version);
        labels.put(LABEL + ".created-at", created.toString());
        labels.put(LABEL + ".expires-at", expires.toString());
        if (login && kind.defaultUsername() != null) {
            labels.put(LABEL + ".username", kind.defaultUsername());
        }
        if (login && kind.defaultDatabase() != null) {
            labels.put(LABEL + ".database", kind.defaultDatabase());
        }
        return labels;
    }

    /** The container's environment: the secret for the wrapper's prelude, and the kind's own variables. */
    private static List<String> env(Secret password, Kind kind, Endpoint planned) {
        List<String> env = new ArrayList<>();
        env.add("SCALE_PASSWORD=" + password.reveal());
        kind.containerEnv(planned).forEach((k, v) -> env.add(k + "=" + v));
        return env;
    }

    /** The TTL wrapper with {@code prelude}, in front of the image's own entrypoint. */
    private static List<String> entrypoint(String prelude, Instant expires, Kind kind, JsonNode imageInfo) {
        List<String> entrypoint = new ArrayList<>(List.of("/bin/sh", "-c", WRAPPER.formatted(prelude), "scale",
                Long.toString(expires.getEpochSecond()), kind.stopSignal()));
        imageInfo.path("Config").path("Entrypoint").forEach(e -> entrypoint.add(e.asText()));
        return entrypoint;
    }

    private Instance toInstance(DockerApi docker, JsonNode c) {
        Kind kind = kinds.byName(label(c, LABEL + ".kind"));
        // The maker first, the name after: an up renames its container (the hand-over), then exits. A name read
        // before the rename with a maker seen gone after the exit would make a handed-over instance an orphan.
        boolean makerAway = Owner.parse(label(c, OWNER)).map(Owner::gone).orElse(false);
        JsonNode info = docker.inspect(c.path("Id").asText());
        boolean pending = info.path("Name").asText("").endsWith(PENDING);
        String password = "";
        for (JsonNode e : info.path("Config").path("Env")) {
            if (e.asText().startsWith("SCALE_PASSWORD=")) {
                password = e.asText().substring("SCALE_PASSWORD=".length());
            }
        }
        boolean running = info.path("State").path("Running").asBoolean(false);
        int port = 0;
        Map<String, Integer> services = new HashMap<>();
        List<JsonNode> members = List.of();
        if (label(c, DockerTopologies.TOPOLOGY) != null) {
            // a topology: up while any member runs (the failover probe kills the first primary); fixed ports, in labels
            members = DockerTopologies.members(docker, instanceName(c));
            running = members.stream().anyMatch(m -> "running".equals(m.path("State").asText()));
            port = Integer.parseInt(label(c, DockerTopologies.HOST_PORT));
            services.putAll(DockerTopologies.ports(members));
            if (running && kind.replication() != null) {
                // the member that serves writes now: a failover moves it, and REDIS_URL or DATABASE_URL follows
                String now = kind.replication().primary(instanceName(c), new Endpoint("127.0.0.1", port, label(c, LABEL + ".username"),
                        Secret.of(password), label(c, LABEL + ".database")), services);
                Integer at = now == null ? null : Topology.servers(services).get(now);
                port = at == null ? port : at;
            }
        } else if (running) {
            port = boundPort(info, kind.containerPort());
            kind.servicePorts().forEach((name, p) -> services.put(name, boundPort(info, p)));
        }
        Endpoint endpoint = new Endpoint("127.0.0.1", port, label(c, LABEL + ".username"), Secret.of(password), label(c, LABEL + ".database"),
                services);
        if (engine.tunnels().isPresent() && running) { // a forwarder gone (a reboot of this machine) is started again
            Instant until = Instant.parse(label(c, LABEL + ".expires-at"));
            try {
                if (label(c, DockerTopologies.TOPOLOGY) == null) {
                    reach(c.path("Id").asText(), ports(port, services.values()), until, null, null);
                } else {
                    for (JsonNode m : members) {
                        if ("running".equals(m.path("State").asText())) {
                            reach(m.path("Id").asText(), ports(0, DockerTopologies.ports(List.of(m)).values()), until, null, null);
                        }
                    }
                }
            } catch (dev.scale.providers.Forwarders.PortTaken taken) {
                // Something else here listens there: most often this engine's port forwarded already, by another way to
                // it (the same engine as ssh:// and as tcp://) or another user's scale. A listing is no place to fail
                // for it; the instance is listed as it is, and its own start said so when it was made here.
            }
        }
        boolean makerGone = pending && makerAway;
        // created and not yet started by a scale process that is still at it: a start in progress, not a dead instance
        boolean starting = pending && !makerGone && "created".equals(info.path("State").path("Status").asText());
        Instance.State state = running ? (makerGone ? Instance.State.ORPHANED : Instance.State.RUNNING)
                : starting ? Instance.State.RUNNING : Instance.State.DEAD;
        return new Instance(instanceName(c), kind, label(c, LABEL + ".version"), name(), endpoint,
                Instant.parse(label(c, LABEL + ".created-at")), Instant.parse(label(c, LABEL + ".expires-at")), state);
    }

    /** The host port bound to a container port, or 0 if none (a container that is stopping). */
    static int boundPort(JsonNode info, int containerPort) {
        JsonNode bindings = info.path("NetworkSettings").path("Ports").path(containerPort + "/tcp");
        for (JsonNode b : bindings) {
            String port = b.path("HostPort").asText("");
            if (!port.isEmpty()) {
                return Integer.parseInt(port);
            }
        }
        return 0;
    }

    /** A container's first name, less Docker's leading slash. */
    private static String containerName(JsonNode c) {
        JsonNode names = c.path("Names");
        return names.size() == 0 ? "" : names.get(0).asText().replaceFirst("^/", "");
    }

    /** The instance's name: its container's, less the prefix and the pending mark (a label cannot follow a rename). */
    private static String instanceName(JsonNode c) {
        String n = containerName(c);
        if (!n.startsWith(CONTAINER_PREFIX)) {
            return label(c, LABEL + ".name");
        }
        n = n.substring(CONTAINER_PREFIX.length());
        return n.endsWith(PENDING) ? n.substring(0, n.length() - PENDING.length()) : n;
    }

    private static boolean exists(DockerApi docker, String containerName) {
        try {
            docker.inspect(containerName);
            return true;
        } catch (NotFound free) {
            return false;
        }
    }

    private static boolean pending(JsonNode c) {
        return containerName(c).endsWith(PENDING);
    }

    @Override
    public void handOver(String name) {
        DockerApi docker = engine.api();
        // Docker's name filter matches parts of names: the exact match is below
        JsonNode pending = docker.containers(Map.of(MANAGED, "true"), CONTAINER_PREFIX + name + PENDING).stream()
                .filter(c -> pending(c) && name.equals(instanceName(c))).findFirst()
                .orElseThrow(() -> ScaleException.failure("instance '" + name + "' is gone before it could be handed over", null));
        try {
            docker.rename(pending.path("Id").asText(), CONTAINER_PREFIX + name);
        } catch (Conflict taken) {
            throw new NameTaken(name);
        }
    }

    @Override
    public boolean remove(String name) {
        DockerApi docker = engine.api();
        List<JsonNode> found = docker.containers(Map.of(MANAGED, "true"), null).stream()
                .filter(c -> name.equals(instanceName(c)) || name.equals(label(c, DockerTopologies.MEMBER_OF))).toList();
        found.parallelStream().forEach(c -> removeQuietly(docker, c.path("Id").asText()));
        boolean networks = DockerTopologies.removeNetworks(docker, name);
        return !found.isEmpty() || networks;
    }

    /**
     * {@code docker restart}: the kind's stop signal, 30 s to stop cleanly, then a start on the container's own data;
     * the wrapper keeps the time to live's end. The engine publishes the port anew, so the instance is read back.
     */
    @Override
    public Instance restart(String name, Progress progress) {
        DockerApi docker = engine.api();
        JsonNode c = docker.containers(Map.of(MANAGED, "true"), null).stream().filter(x -> name.equals(instanceName(x))).findFirst()
                .orElseThrow(() -> ScaleException.usage("no instance named '" + name + "'", "see scale ls"));
        if (label(c, DockerTopologies.TOPOLOGY) != null) {
            throw ScaleException.usage("'" + name + "' is a replicated instance: scale restarts single servers only",
                    "see what a failover costs with: scale probe failover --on " + name);
        }
        String id = c.path("Id").asText();
        progress.step(name, "restarting its container");
        docker.restart(id, 30);
        Instance again = toInstance(docker, docker.containers(Map.of(MANAGED, "true"), null).stream().filter(x -> id.equals(x.path("Id").asText()))
                .findFirst().orElseThrow(() -> ScaleException.failure(name + " did not come back after its restart: its container is gone", null)));
        progress.step(name, "waiting for " + again.kind().name() + " on 127.0.0.1:" + again.endpoint().port());
        try {
            Wait.until(System.nanoTime() + again.kind().startTimeout().toNanos(), name, () -> {
                if (!docker.inspect(id).path("State").path("Running").asBoolean()) {
                    throw ScaleException.failure(name + " stopped after its restart: " + docker.logTail(id, 3), null);
                }
                return again.kind().probe(again.endpoint());
            });
        } catch (Wait.TimedOut e) {
            throw ScaleException.failure(name + " did not answer after its restart (" + e.lastReason() + ")", e);
        }
        progress.step(name, "ready again");
        return again;
    }

    /** Removes every container a start in this process is still making (Ctrl-C during {@code up}). */
    @Override
    public void cancelStarts() {
        if (inFlight.isEmpty() && networksInFlight.isEmpty()) {
            return;
        }
        DockerApi docker = engine.api();
        for (String id : List.copyOf(inFlight)) {
            removeQuietly(docker, id);
            inFlight.remove(id);
        }
        for (String network : List.copyOf(networksInFlight)) { // after its members: a network in use cannot go
            removeNetworkQuietly(docker, network);
            networksInFlight.remove(network);
        }
    }

    /** A port and others, the ones that are published (not 0), in order. */
    private static List<Integer> ports(int port, java.util.Collection<Integer> others) {
        List<Integer> out = new ArrayList<>();
        if (port > 0) {
            out.add(port);
        }
        others.stream().filter(p -> p != null && p > 0).forEach(out::add);
        return out;
    }

    /**
     * Makes a container's published ports reachable from this machine at the same numbers: nothing to do for an engine
     * on this machine; for one over SSH, a forwarder of its own ({@link SshTunnels}) that ends at {@code until}.
     */
    private void reach(String id, List<Integer> hostPorts, Instant until, Progress progress, String instance) {
        engine.tunnels().ifPresent(t -> {
            if (progress != null) {
                progress.step(instance, "forwarding 127.0.0.1:" + String.join(",", hostPorts.stream().map(String::valueOf).toList())
                        + " from " + t.where());
            }
            t.forward(id, hostPorts, until);
        });
    }

    @Override
    public Optional<String> forwarding() {
        return engine.tunnels().map(t -> t.forwarders().describe()).filter(d -> !d.isEmpty())
                .map(d -> "ports of " + engine.tunnels().get().where() + " forwarded to 127.0.0.1 here: " + d + "; down and gc stop them");
    }

    /** Stops the forwarders of containers the engine no longer has (removed outside scale, or gone at their time to live). */
    public void sweepTunnels() {
        engine.tunnels().ifPresent(t -> {
            java.util.Set<String> ids = new java.util.HashSet<>();
            engine.api().containers(Map.of(), null).forEach(c -> ids.add(c.path("Id").asText()));
            t.retainOnly(ids);
        });
    }

    /** Kills and removes a container with its anonymous volumes, and waits until Docker no longer knows it; and its forwarder. */
    private void removeQuietly(DockerApi docker, String id) {
        engine.tunnels().ifPresent(t -> t.close(id));
        try {
            docker.remove(id);
        } catch (NotFound gone) {
            return;
        } catch (Conflict alreadyBeingRemoved) {
            // AutoRemove got there first; wait for it below
        }
        Wait.untilTrue(System.nanoTime() + TimeUnit.SECONDS.toNanos(30), "the container to go", () -> {
            try {
                docker.inspect(id);
                return false;
            } catch (NotFound gone) {
                return true;
            }
        });
    }

    private static void removeNetworkQuietly(DockerApi docker, String network) {
        try {
            docker.removeNetwork(network);
        } catch (RuntimeException gone) {
            // already gone, or gc removes it as a topology's network without a primary
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
