package dev.scale.providers.lifecycle;

import dev.scale.errors.ScaleException;
import dev.scale.providers.Broken;
import dev.scale.providers.Config;
import dev.scale.providers.Dirs;
import dev.scale.providers.Instance;
import dev.scale.providers.Kinds;
import dev.scale.providers.NameTaken;
import dev.scale.providers.Names;
import dev.scale.providers.Progress;
import dev.scale.providers.Provider;
import dev.scale.providers.Spec;
import dev.scale.providers.docker.DockerEngine;
import dev.scale.providers.docker.DockerProvider;
import dev.scale.providers.embedded.EmbeddedProvider;
import dev.scale.providers.managed.Credentials;
import dev.scale.providers.managed.ManagedService;
import dev.scale.providers.managed.Reaper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/** The instance lifecycle across providers: what {@code up}, {@code ls}, {@code down} and {@code gc} do. */
public final class Instances {
    private final DockerProvider docker;
    private final EmbeddedProvider embedded;
    private final dev.scale.providers.kubernetes.KubernetesProvider kubernetes;
    /** Marks that scale made instances on a Kubernetes cluster: only then do ls, down and gc ask it. */
    private final java.nio.file.Path kubernetesUsed;
    /** Whether this command starts instances on the cluster. */
    private volatile boolean kubernetesChosen;
    /** Managed services: chosen only by name (--provider neon), never by auto. */
    private final List<ManagedService> managed;
    private final DockerEngine engine;
    private final Clock clock;
    private final Kinds kinds;
    /** How often a name scale chose may turn out taken before up gives up (8 parallel ups of one kind need 7). */
    private static final int NAME_ATTEMPTS = 32;
    /** Instances an {@code up} in progress has started but not yet returned, removed too on Ctrl-C. */
    private final Map<String, Provider> notHandedOver = new java.util.concurrent.ConcurrentHashMap<>();
    /** The thread pools of the {@code up}s in progress: {@link #cancelStarts} stops their starts and waits for them. */
    private final Set<ExecutorService> starting = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Set by {@link #cancelStarts} (the JVM is ending): no start may begin after it. */
    private volatile boolean cancelled;
    /** How long {@link #cancelStarts} waits for starts in progress to stop and remove what they made. */
    static final Duration CANCEL_WAIT = Duration.ofSeconds(40);

    /**
     * Marks that scale made containers on the Docker engine, so that when the engine stops answering, ls and down
     * say that its instances cannot be seen rather than that there are none. Removed once the engine answers
     * and holds none of scale's containers.
     */
    private final java.nio.file.Path dockerUsed;

    /** @param reaper how services without an expiry of their own end instances at their TTL ({@link Reaper}) */
    public Instances(Dirs dirs, Config config, Kinds kinds, Map<String, String> env, Clock clock, Reaper reaper) {
        this.dockerUsed = dirs.state().resolve("docker-used");
        this.engine = new DockerEngine(env, dirs.state());
        this.docker = new DockerProvider(engine, config, kinds, clock, dirs.cache());
        this.embedded = new EmbeddedProvider(dirs, kinds, env, clock);
        this.kubernetes = dev.scale.providers.kubernetes.KubernetesProvider.onCluster(env, dirs.state(), config, kinds, clock);
        this.kubernetesUsed = dirs.state().resolve("kubernetes-used");
        this.managed = ManagedServices.all(dirs, kinds, new Credentials(dirs).under(env), clock, reaper);
        this.clock = clock;
        this.kinds = kinds;
    }

    /** Closes the tunnel to a remote engine's API, if this command opened one; instances' own forwarders stay. */
    public void close() {
        engine.close();
        kubernetes.close();
    }

    /** The kinds these instances can be of. */
    public Kinds kinds() {
        return kinds;
    }

    /**
     * Who ends an instance of that provider when its time to live has passed, with no scale command run:
     * {@code container} (a timer inside it), {@code supervisor} (scale's detached process beside the server),
     * {@code service} (the managed service itself, where it honours the expiry; scale gc is the backstop).
     */
    public static String ttlEnforcedBy(String provider) {
        return switch (provider) {
            case "docker" -> "container";
            case "embedded" -> "supervisor";
            case "kubernetes" -> "cluster";
            default -> ManagedServices.ttlEnforcedBy(provider);
        };
    }

    /** What --provider takes: auto, the local providers, then every managed service of the registry. */
    public static List<String> providerNames() {
        List<String> names = new ArrayList<>(List.of("auto", "docker", "embedded", "kubernetes"));
        names.addAll(ManagedServices.NAMES);
        return names;
    }

    /** A provider by the name instances carry. */
    private Provider provider(String name) {
        if (name.equals(kubernetes.name())) {
            return kubernetes;
        }
        return name.equals(docker.name()) ? docker : managed(name).map(Provider.class::cast).orElse(embedded);
    }

    public java.util.Optional<ManagedService> managed(String name) {
        return managed.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /** Every managed service, in the order of {@link ManagedServices#NAMES}. */
    public List<ManagedService> managed() {
        return managed;
    }

    public DockerProvider docker() {
        return docker;
    }

    public EmbeddedProvider embedded() {
        return embedded;
    }

    public dev.scale.providers.kubernetes.KubernetesProvider kubernetes() {
        return kubernetes;
    }

    /**
     * The provider for new instances: {@code docker} or {@code embedded} as forced, or for {@code auto}
     * docker when an engine answers and embedded otherwise. The choice is said through {@code note}.
     */
    /** Marks that scale has instances on a cluster: ls, down and gc ask it from now on. */
    private void markKubernetesUsed() {
        try {
            java.nio.file.Files.createDirectories(kubernetesUsed.getParent());
            java.nio.file.Files.writeString(kubernetesUsed, "");
        } catch (java.io.IOException e) {
            throw ScaleException.environment("cannot write " + kubernetesUsed + ": " + e.getMessage(), null, e);
        }
    }

    public Provider choose(String choice, Consumer<String> note) {
        switch (choice) {
            case "docker" -> {
                engine.api();
                return docker;
            }
            case "embedded" -> {
                embedded.unavailableReason().ifPresent(why -> {
                    throw ScaleException.environment(why, null, null);
                });
                return embedded;
            }
            case "kubernetes" -> {
                kubernetes.unavailableReason().ifPresent(why -> {
                    throw ScaleException.environment(why, "set KUBECONFIG, or run scale in a pod of the cluster", null);
                });
                kubernetesChosen = true;
                markKubernetesUsed();
                return kubernetes;
            }
            case "auto" -> {
                if (engine.reachable()) {
                    note.accept("using the docker provider");
                    return docker;
                }
                if (embedded.unavailableReason().isEmpty()) {
                    note.accept("no Docker engine answered; using the embedded provider");
                    return embedded;
                }
                throw ScaleException.environment("no Docker engine is reachable, and " + embedded.unavailableReason().get(),
                        DockerEngine.HOW_TO_GET_ONE, null);
            }
            default -> {
                ManagedService service = managed(choice).orElseThrow(() -> ScaleException.usage("unknown provider '" + choice + "'",
                        "use auto, docker, embedded, or a managed service: " + String.join(", ", ManagedServices.NAMES)));
                service.unavailableReason().ifPresent(why -> {
                    throw ScaleException.environment(why, null, null);
                });
                return service;
            }
        }
    }

    /** Rejects a request that cannot be right whatever the provider, before anything is asked of one. */
    public static void checkRequest(List<Kinds.Requested> requested, String name, String image) {
        if (name != null && requested.size() > 1) {
            throw ScaleException.usage("--name names one instance, but " + requested.size() + " were asked for",
                    "start them one at a time, or let scale name them");
        }
        if (image != null && requested.size() > 1) {
            throw ScaleException.usage("--image applies to one instance, but " + requested.size() + " were asked for",
                    "set SCALE_IMAGE_<KIND> for each kind instead");
        }
        if (name != null) {
            Names.checkName(name);
        }
    }

    /**
     * Starts every requested instance in parallel and returns once all answer. All or nothing: when one
     * fails, the others are removed too, and the first failure is thrown.
     */
    public List<Instance> up(List<Kinds.Requested> requested, String name, Duration ttl, String image,
                             Provider provider, Progress progress) {
        return up(requested, name, ttl, image, null, provider, progress);
    }

    /** As {@link #up(List, String, Duration, String, Provider, Progress)}, each instance replicated as {@code topology} (null: one server). */
    public List<Instance> up(List<Kinds.Requested> requested, String name, Duration ttl, String image, dev.scale.providers.Topology topology,
                             Provider provider, Progress progress) {
        checkRequest(requested, name, image);
        if (topology != null) {
            if (provider != docker) {
                throw ScaleException.usage("replicated instances run on a Docker engine only, not on " + provider.name(),
                        "start a Docker engine and add --provider docker, or leave out --replicas");
            }
            for (Kinds.Requested r : requested) {
                if (r.kind().replication() == null) {
                    throw ScaleException.usage(r.kind().name() + " does not run replicated in scale",
                            "--replicas works with " + String.join(", ", kinds.all().stream().filter(k -> k.replication() != null).map(k -> k.name()).toList()));
                }
                r.kind().replication().check(topology);
            }
        }
        Set<String> taken = new HashSet<>();
        list().forEach(i -> taken.add(i.name()));
        List<Spec> specs = new ArrayList<>();
        for (Kinds.Requested r : requested) {
            String n = name != null ? Names.checkName(name) : Names.nextFree(r.kind().name(), taken);
            if (name != null && taken.contains(n)) {
                throw new NameTaken(n);
            }
            taken.add(n);
            specs.add(new Spec(n, r.kind(), r.version(), image, ttl, topology));
        }
        ExecutorService pool = daemons(specs.size(), "scale-up");
        starting.add(pool);
        try {
            List<Future<Instance>> futures = new ArrayList<>();
            for (Spec spec : specs) {
                futures.add(pool.submit(() -> {
                    Spec s = spec;
                    for (int attempt = 1; ; attempt++) {
                        if (cancelled || Thread.currentThread().isInterrupted()) {
                            throw ScaleException.failure("interrupted", null); // Ctrl-C came before this start began
                        }
                        try {
                            if (provider == docker) {
                                markDockerUsed();
                            }
                            Instance started = provider.start(s, progress);
                            notHandedOver.put(started.name(), provider);
                            return started;
                        } catch (NameTaken clash) {
                            if (name != null || attempt >= NAME_ATTEMPTS) {
                                throw clash;
                            }
                            // Another scale process took the name between the look above and the start: the
                            // creation is the atomic check, so a name scale chose becomes the next free one.
                            String next;
                            synchronized (taken) {
                                taken.add(clash.name());
                                list().forEach(i -> taken.add(i.name()));
                                next = Names.nextFree(s.kind().name(), taken);
                                taken.add(next);
                            }
                            s = s.named(next);
                        }
                    }
                }));
            }
            List<Instance> started = new ArrayList<>();
            RuntimeException failure = null;
            for (Future<Instance> f : futures) {
                try {
                    started.add(f.get());
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException re ? re
                                : ScaleException.failure(String.valueOf(e.getCause().getMessage()), e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = ScaleException.failure("interrupted", e);
                    break;
                }
            }
            if (failure != null) {
                undoStarts();
                throw failure;
            }
            started.forEach(i -> notHandedOver.remove(i.name()));
            return started;
        } finally {
            pool.shutdownNow();
            awaitQuietly(pool);
            starting.remove(pool);
        }
    }

    /** Waits up to {@link #CANCEL_WAIT} for a pool's starts to end, which includes removing what a failed one made. */
    private static void awaitQuietly(ExecutorService pool) {
        boolean interrupted = Thread.interrupted();
        try {
            pool.awaitTermination(CANCEL_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Hands started instances over to the user ({@code up} does, once all answer): their starting process's end
     * no longer makes them orphans. A name another process handed over meanwhile fails the whole up, which
     * removes what it started.
     */
    public void handOver(List<Instance> started) {
        try {
            for (Instance i : started) {
                provider(i.provider()).handOver(i.name());
                if (i.provider().equals(kubernetes.name())) {
                    markKubernetesUsed(); // again: an ls elsewhere may have found the cluster empty while this one started
                }
            }
        } catch (RuntimeException e) {
            down(started.stream().map(Instance::name).toList());
            throw e;
        }
    }

    /**
     * Removes whatever the {@code up}s in progress have made so far, started or half-started, and lets no other start
     * begin: for Ctrl-C and the other ends of the JVM, whose hooks call it. Once it returns the JVM halts, so it waits
     * for the starts still running (they stop at their next wait) rather than let one make a server after it looked.
     */
    public void cancelStarts() {
        cancelled = true;
        undoStarts();
    }

    /**
     * Stops the starts in progress (their threads are interrupted: each removes what it made), waits for them, then
     * removes what is still recorded as being made, and what started but was not yet returned. Looking only after
     * the starts ended is what makes it whole: a start that was still reserving its name when Ctrl-C came made its
     * server while the hook removed the others, and the JVM halted with it running (seen in CI, 1 in 25 by hand
     * under load).
     */
    private void undoStarts() {
        List<ExecutorService> pools = List.copyOf(starting);
        pools.forEach(ExecutorService::shutdownNow);
        pools.forEach(Instances::awaitQuietly);
        List<Runnable> steps = new ArrayList<>(List.of(embedded::cancelStarts, docker::cancelStarts));
        managed.forEach(m -> steps.add(m::cancelStarts));
        notHandedOver.forEach((name, provider) -> steps.add(() -> provider.remove(name)));
        RuntimeException first = null;
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException e) {
                first = first == null ? e : first;  // keep cleaning; report the first failure at the end
            }
        }
        notHandedOver.clear();
        if (first != null) {
            throw first;
        }
    }

    private void markDockerUsed() {
        try {
            Dirs.privateDir(dockerUsed.getParent());
            if (!java.nio.file.Files.exists(dockerUsed)) {
                java.nio.file.Files.writeString(dockerUsed, "scale made containers on this machine's Docker engine\n");
            }
        } catch (java.io.IOException e) {
            // only a better message is lost if the engine stops answering later
        }
    }

    /**
     * When scale made containers on a Docker engine that does not answer now: the line that says so, for ls, gc
     * and down, whose view is then incomplete.
     */
    public java.util.Optional<String> dockerUnanswered() {
        if (!java.nio.file.Files.exists(dockerUsed) || engine.reachable()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("the Docker engine, where scale made instances, does not answer: its instances are not seen"
                + " — start it (or set DOCKER_HOST to it), then run the command again");
    }

    /** Every instance scale started, from every provider that can be asked (docker only when an engine answers). */
    public List<Instance> list() {
        // The engine's answer (a ping and a list, over a socket) is awaited while this thread reads the records here.
        java.util.concurrent.CompletableFuture<List<Instance>> fromDocker = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> engine.reachable() ? docker.list() : null, runnable -> daemon(runnable, "scale-ls-docker").start());
        List<Instance> all = new ArrayList<>(embedded.list());
        managed.forEach(m -> all.addAll(m.list()));
        if (java.nio.file.Files.exists(kubernetesUsed)) {
            List<Instance> onCluster = kubernetes.list();
            all.addAll(onCluster);
            // not while this command starts instances there (its own name check lists before it creates anything)
            if (onCluster.isEmpty() && !kubernetesChosen) {
                try {
                    java.nio.file.Files.deleteIfExists(kubernetesUsed);
                } catch (java.io.IOException e) {
                    // kept: the cluster is asked once more next time
                }
            }
        }
        List<Instance> containers;
        try {
            containers = fromDocker.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
        if (containers != null) {
            if (containers.isEmpty() && docker.broken().isEmpty()) {
                try {
                    java.nio.file.Files.deleteIfExists(dockerUsed);
                } catch (java.io.IOException e) {
                    // kept: a message at worst
                }
            }
            all.addAll(containers);
        }
        all.sort(java.util.Comparator.comparing(Instance::name));
        return all;
    }

    public Instance find(String name) {
        return list().stream().filter(i -> i.name().equals(name)).findFirst()
                .orElseThrow(() -> ScaleException.usage("no instance named '" + name + "'", "see the running ones with: scale ls"));
    }

    /**
     * Removes the named instances, all at once (each waits for its server to stop: one after another, five took
     * seconds); the value says, per name in the order given, whether it existed. The first failure is thrown
     * once every other removal has run.
     */
    public Map<String, Boolean> down(List<String> names) {
        boolean dockerUp = engine.reachable();
        List<String> distinct = names.stream().distinct().toList();
        if (distinct.size() <= 1) {
            Map<String, Boolean> result = new LinkedHashMap<>();
            distinct.forEach(n -> result.put(n, downOne(n, dockerUp)));
            return result;
        }
        ExecutorService pool = daemons(Math.min(distinct.size(), 8), "scale-down");
        try {
            Map<String, Future<Boolean>> futures = new LinkedHashMap<>();
            distinct.forEach(n -> futures.put(n, pool.submit(() -> downOne(n, dockerUp))));
            Map<String, Boolean> result = new LinkedHashMap<>();
            RuntimeException failure = null;
            for (var e : futures.entrySet()) {
                try {
                    result.put(e.getKey(), e.getValue().get());
                } catch (ExecutionException ex) {
                    if (failure == null) {
                        failure = ex.getCause() instanceof RuntimeException re ? re
                                : ScaleException.failure(String.valueOf(ex.getCause().getMessage()), ex.getCause());
                    }
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw ScaleException.failure("interrupted", ex);
                }
            }
            if (failure != null) {
                throw failure;
            }
            return result;
        } finally {
            pool.shutdown();
        }
    }

    /**
     * Restarts a running instance's server on its own data ({@link Provider#restart}); the instance as it now is
     * (a Docker container's port is published anew).
     */
    public Instance restart(String name, dev.scale.providers.Progress progress) {
        Instance instance = find(name);
        Provider provider = switch (instance.provider()) {
            case "docker" -> docker;
            case "embedded" -> embedded;
            default -> managed.stream().filter(m -> m.name().equals(instance.provider())).findFirst().map(m -> (Provider) m)
                    .orElseThrow(() -> ScaleException.usage("scale cannot restart an instance of " + instance.provider()));
        };
        return provider.restart(name, progress);
    }

    /** Does a fault to one member of a replicated instance, through the provider that runs it ({@link Provider#fault}). */
    public void fault(Instance instance, String member, dev.scale.providers.Topology.Fault fault) {
        provider(instance.provider()).fault(instance.name(), member, fault);
    }

    /** Undoes faults an interrupted failover probe left on a replicated instance's members: {@link Provider#undoLeftoverFaults}. */
    public List<String> undoLeftoverFaults(Instance instance) {
        return provider(instance.provider()).undoLeftoverFaults(instance.name());
    }

    /** Threads that never keep the JVM alive: a Ctrl-C'd command exits while they wait on a server. */
    private static ExecutorService daemons(int n, String name) {
        return Executors.newFixedThreadPool(n, runnable -> daemon(runnable, name));
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread t = new Thread(runnable, name);
        t.setDaemon(true);
        return t;
    }

    private boolean downOne(String n, boolean dockerUp) {
        boolean removed = embedded.remove(n);
        if (dockerUp) {
            removed |= docker.remove(n);
        }
        if (!removed && java.nio.file.Files.exists(kubernetesUsed)) {
            removed = kubernetes.remove(n);
        }
        for (ManagedService m : managed) {
            if (!removed || m.hasLedger(n)) { // a service is asked only when nothing here had that name
                removed |= m.remove(n);
            }
        }
        return removed;
    }

    public Map<String, Boolean> downAll() {
        return down(list().stream().map(Instance::name).distinct().toList());
    }

    /** Something {@link #gc} removes, and why (one line). */
    public record Collectable(String name, String provider, String why) {
    }

    /** What forwards instances to this machine from others (a remote engine's tunnels, a cluster's port-forward), a line each. */
    public List<String> forwarding() {
        List<String> out = new ArrayList<>();
        if (engine.reachable()) {
            docker.forwarding().ifPresent(out::add);
        }
        if (java.nio.file.Files.exists(kubernetesUsed)) {
            kubernetes.forwarding().ifPresent(out::add);
        }
        return out;
    }

    /** What scale made but cannot read back, from every provider that can be asked. */
    public List<Broken> broken() {
        List<Broken> all = new ArrayList<>(embedded.broken());
        if (engine.reachable()) {
            all.addAll(docker.broken());
        }
        return all;
    }

    /**
     * Removes instances whose time to live has passed, whose server is dead, or whose maker died before handing
     * them over, and what is broken: each from its own provider only, so that a healthy namesake elsewhere stays.
     */
    public List<Collectable> gc() {
        List<Collectable> gone = new ArrayList<>();
        for (Collectable c : collectable()) {
            // false: a down in another process got there first, as it stopped the server that looked dead here
            if (provider(c.provider()).remove(c.name())) {
                gone.add(c);
            }
        }
        embedded.sweepReserving();
        if (engine.reachable()) {
            docker.sweepTunnels(); // a remote engine's forwarders whose containers went by themselves
        }
        return gone;
    }

    /** What {@link #gc} would remove now, removing nothing. */
    public List<Collectable> collectable() {
        Instant now = clock.instant();
        List<Collectable> out = new ArrayList<>();
        for (Instance i : list()) {
            String why = i.expired(now) ? "expired"
                    : i.state() == Instance.State.DEAD ? "dead: its server is gone"
                    : i.state() == Instance.State.ORPHANED ? "orphaned: the scale process that made it died before handing it over"
                    : null;
            if (why != null) {
                out.add(new Collectable(i.name(), i.provider(), why));
            }
        }
        broken().forEach(b -> out.add(new Collectable(b.name(), b.provider(), "broken: " + b.why())));
        return out;
    }
}
