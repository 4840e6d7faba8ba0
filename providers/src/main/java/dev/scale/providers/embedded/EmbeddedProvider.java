package dev.scale.providers.embedded;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.scale.errors.ScaleException;
import dev.scale.providers.BinaryCache;
import dev.scale.providers.Broken;
import dev.scale.providers.Dirs;
import dev.scale.providers.EmbeddedRecipe;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Instance;
import dev.scale.providers.Kind;
import dev.scale.providers.Kinds;
import dev.scale.providers.Names;
import dev.scale.providers.NameTaken;
import dev.scale.providers.Owner;
import dev.scale.providers.Programs;
import dev.scale.providers.Progress;
import dev.scale.providers.Provider;
import dev.scale.providers.Secret;
import dev.scale.providers.Spec;
import dev.scale.providers.Wait;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Instances as server processes on this machine, from binaries scale carries or, for some kinds, the one
 * installed ({@link Kind#embedded()} says which, or why there is none): no Docker, no root install.
 * Each instance has a private directory under {@code $XDG_STATE_HOME/scale/embedded/NAME} holding its
 * record, data and log; a small {@code sh} supervisor (detached with {@code setsid}) runs the server,
 * enforces the time to live and removes the directory when the instance ends.
 */
public final class EmbeddedProvider implements Provider {
    private static final int PORT_ATTEMPTS = 3;
    /** File locks exclude other processes only; this excludes other threads of this one. */
    private static final Object IN_PROCESS = new Object();

    private final Path root;
    private final BinaryCache binaries;
    private final EmbeddedRecipe.Machine machine;
    private final Kinds kinds;
    private final Clock clock;
    private final ObjectMapper json = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private final Set<Path> inFlight = ConcurrentHashMap.newKeySet();

    /** What recipes may use of this machine: for {@code scale doctor}, which asks each kind whether it can run here. */
    public EmbeddedRecipe.Machine machine() {
        return machine;
    }

    public EmbeddedProvider(Dirs dirs, Kinds kinds, Clock clock) {
        this(dirs, kinds, System.getenv(), clock, EmbeddedProvider::freePort);
    }

    /** @param env scale's environment: its PATH is where installed servers (memcached) are found */
    public EmbeddedProvider(Dirs dirs, Kinds kinds, Map<String, String> env, Clock clock) {
        this(dirs, kinds, env, clock, EmbeddedProvider::freePort);
    }

    /** How a port is chosen, given the ports other instances hold; tests substitute one that hands out a taken port. */
    interface PortChooser {
        int choose(Set<Integer> held) throws IOException;
    }

    private final PortChooser ports;

    EmbeddedProvider(Dirs dirs, Kinds kinds, Map<String, String> env, Clock clock, PortChooser ports) {
        this.root = dirs.state().resolve("embedded");
        this.binaries = new BinaryCache(dirs);
        this.machine = new EmbeddedRecipe.Machine(binaries, new Programs(env));
        this.kinds = kinds;
        this.clock = clock;
        this.ports = ports;
    }

    public BinaryCache binaries() {
        return binaries;
    }

    @Override
    public String name() {
        return "embedded";
    }

    @Override
    public Optional<String> unavailableReason() {
        String os = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT);
        if (!(os.contains("linux") || os.contains("mac"))) {
            return Optional.of("the embedded provider runs on Linux and macOS only; use --provider docker");
        }
        return Optional.empty();
    }

    @Override
    public Instance start(Spec spec, Progress progress) {
        unavailableReason().ifPresent(why -> {
            throw ScaleException.environment(why, null, null);
        });
        Kind kind = spec.kind();
        EmbeddedRecipe recipe = kind.embedded();
        recipe.unavailable(machine).ifPresent(why -> {
            throw ScaleException.environment(why, null, null);
        });
        String carried = recipe.version(machine);
        if (spec.version() != null && !(carried.equals(spec.version()) || carried.startsWith(spec.version() + "."))) {
            throw ScaleException.usage("the embedded provider has " + kind.name() + " " + carried + " only, not " + spec.version(),
                    "ask for " + kind.name() + " without a version, or use --provider docker for " + kind.name() + ":" + spec.version());
        }
        if (spec.image() != null) {
            throw ScaleException.usage("--image applies to the docker provider only", "drop --image, or use --provider docker");
        }
        progress.step(spec.name(), "preparing embedded " + kind.name() + " " + carried);

        ScaleException lastPortClash = null;
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            if (Thread.currentThread().isInterrupted()) {
                throw ScaleException.failure("interrupted", null); // Ctrl-C: make nothing more
            }
            Reserved reserved = reserve(spec, kind, carried);
            Path dir = reserved.dir();
            inFlight.add(dir);
            try {
                Instance instance = launch(spec, kind, recipe, dir, reserved.record(), progress);
                inFlight.remove(dir);
                return instance;
            } catch (PortClash clash) {
                lastPortClash = ScaleException.failure("port " + clash.port + " was taken while " + spec.name() + " started", clash);
                destroy(dir);
                inFlight.remove(dir);
            } catch (RuntimeException e) {
                destroy(dir);
                inFlight.remove(dir);
                throw e;
            }
        }
        throw lastPortClash;
    }

    private record Reserved(Path dir, InstanceRecord record) {
    }

    /** Creates the instance's directory and record under the start lock, choosing a port no other record holds. */
    private Reserved reserve(Spec spec, Kind kind, String version) {
        try {
            return underStartLock(() -> reserveLocked(spec, kind, version));
        } catch (IOException e) {
            throw ScaleException.environment("cannot write scale's state in " + root + ": " + e.getMessage(),
                    "check free disk space and permissions, or move it with SCALE_STATE_DIR", e);
        }
    }

    private interface LockedWork<T> {
        T run() throws IOException;
    }

    /** Runs {@code work} under the lock every start takes: this process's threads first, then every scale process's ({@code .lock}). */
    private <T> T underStartLock(LockedWork<T> work) throws IOException {
        Dirs.privateDir(root);
        synchronized (IN_PROCESS) {
            try (FileChannel lockFile = FileChannel.open(root.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockFile.lock()) {
                return work.run();
            }
        }
    }

    /**
     * The directory appears under its name with its record already in it: made as {@code .reserving} and renamed,
     * under the lock that every start takes. A start killed while it chose its port (a cold JVM's first JSON and
     * secure random take hundreds of milliseconds) left an empty directory under the name, which no command listed
     * and gc took only after {@link #UNRECORDED_GRACE}; now it leaves only {@code .reserving}, which the next start
     * or gc removes, since no other start can be making it while they hold the lock.
     */
    private Reserved reserveLocked(Spec spec, Kind kind, String version) throws IOException {
        Path dir = root.resolve(spec.name());
        if (Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new NameTaken(spec.name());
        }
        Set<Integer> held = new HashSet<>();
        for (InstanceRecord r : records()) {
            held.add(r.port());
        }
        int port = ports.choose(held);
        Instant created = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Secret password = kind.authenticates() ? Secret.random() : Secret.none();
        InstanceRecord record = new InstanceRecord(spec.name(), kind.name(), version, port, kind.defaultUsername(),
                password.reveal(), kind.defaultDatabase(), created, created.plus(spec.ttl()), Owner.current().toString(), false);
        Path reserving = root.resolve(RESERVING);
        BinaryCache.deleteTree(reserving); // a start killed here before: no other start can be making it now
        try {
            Files.createDirectory(reserving, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            rewrite(reserving, record);
            // rename(2): the name and its record appear at once; nothing else makes a name while the lock is held
            Files.move(reserving, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            BinaryCache.deleteTree(reserving); // a full disk: leave no directory that holds the name and no record
            throw e;
        }
        return new Reserved(dir, record);
    }

    private static int freePort(Set<Integer> held) throws IOException {
        for (int i = 0; i < 20; i++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (!held.contains(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
        throw new IOException("no free port on 127.0.0.1");
    }

    private Instance launch(Spec spec, Kind kind, EmbeddedRecipe recipe, Path dir, InstanceRecord r, Progress progress) {
        Secret password = Secret.of(r.password());
        Endpoint endpoint = new Endpoint("127.0.0.1", r.port(), r.username(), password, r.database());
        // The supervisor first, so that a scale killed while it prepares the server (initdb) leaves nothing.
        Path script = dir.resolve("supervisor.sh");
        try (InputStream in = EmbeddedProvider.class.getResourceAsStream("supervisor.sh")) {
            writePrivate(script, in.readAllBytes());
        } catch (IOException e) {
            throw ScaleException.failure("cannot write " + script + ": " + e.getMessage(), e);
        }
        // Started by a shell that puts it in the background and exits: a child of scale's own that outlived it would
        // hold a JVM thread in waitpid, and the JVM waits 300 ms at exit for such threads (a third of `up redis`).
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "\"$@\" &", "scale-launch"));
        if (machine.programs().onPath("setsid")) {
            command.add("setsid");  // its own session: Ctrl-C or a closing terminal later does not reach it
        }
        command.addAll(List.of("/bin/sh", script.toString(), dir.toString(), Long.toString(spec.ttl().toSeconds()), kind.stopSignal(),
                Long.toString(ProcessHandle.current().pid())));
        try {
            new ProcessBuilder(command).directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile()))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw ScaleException.environment("cannot start " + kind.name() + ": " + e.getMessage(), null, e);
        }
        List<String> server;
        Optional<Secret> templateLogin;
        EmbeddedRecipe.Setup setup = new EmbeddedRecipe.Setup(spec.name(), dir, endpoint, machine, progress);
        try {
            server = recipe.prepare(setup);
            templateLogin = recipe.startsWith(setup);
        } catch (ScaleException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ScaleException.failure("interrupted", e);
        } catch (Exception e) {
            throw ScaleException.failure("preparing " + kind.name() + " '" + spec.name() + "' failed: " + e.getMessage(), e);
        }
        // The server's command as a script of single-quoted words: no word is ever read by a shell as code.
        StringBuilder sh = new StringBuilder("exec");
        for (String word : server) {
            sh.append(" '").append(word.replace("'", "'\\''")).append('\'');
        }
        writePrivate(dir.resolve("server.sh.tmp"), (sh + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        try {
            Files.move(dir.resolve("server.sh.tmp"), dir.resolve("server.sh"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw ScaleException.environment("cannot write " + dir.resolve("server.sh") + ": " + e.getMessage(), null, e);
        }
        progress.step(spec.name(), "waiting for " + kind.name() + " on 127.0.0.1:" + r.port());
        String serverVersion;
        if (templateLogin.isPresent()) {
            // a copy of the kind's template: it answers to the template's password until it adopts the instance's own
            awaitReady(spec, kind, dir, endpoint.withPassword(templateLogin.get()));
            try {
                kind.template().adopt(endpoint.withPassword(templateLogin.get()), password);
            } catch (Exception e) {
                throw ScaleException.failure("could not give " + kind.name() + " '" + spec.name() + "' its own password: " + e.getMessage(), e);
            }
        }
        serverVersion = awaitReady(spec, kind, dir, endpoint);
        if (serverVersion.isEmpty()) {
            serverVersion = recipe.version(machine); // a server that does not say (S3 has no version call): what scale carries
        }
        progress.step(spec.name(), "ready (" + kind.name() + " " + serverVersion + ")");
        // The binaries' own version is the truth (embedded-redis's "6.2.6" file is a 6.2.11 server).
        rewrite(dir, r.withVersion(serverVersion));
        return new Instance(spec.name(), kind, serverVersion, name(), endpoint, r.createdAt(), r.expiresAt(), Instance.State.RUNNING);
    }

    private String awaitReady(Spec spec, Kind kind, Path dir, Endpoint endpoint) {
        long deadline = System.nanoTime() + kind.startTimeout().toNanos();
        // The pid file, not only the process, says the server was launched: one that fails at once (a
        // port taken meanwhile) is gone before it can be seen alive, and must not be waited for. A pid
        // written but not seen for 300 ms is such a server; one seen alive and now gone is one at once.
        boolean[] seenAlive = {false};
        long[] pidWrittenAt = {0};
        try {
            return Wait.until(deadline, kind.name() + " '" + spec.name() + "'", () -> {
                Optional<ProcessHandle> srv = pid(dir, "server.pid");
                seenAlive[0] |= srv.isPresent();
                if (pidWrittenAt[0] == 0 && writtenPid(dir.resolve("server.pid"))) {
                    pidWrittenAt[0] = System.nanoTime();
                }
                boolean seenServer = seenAlive[0] || pidWrittenAt[0] != 0;
                boolean dead = srv.map(h -> !running(h))
                        .orElse(seenAlive[0] || (pidWrittenAt[0] != 0 && System.nanoTime() - pidWrittenAt[0] > 300_000_000L));
                if (seenServer && dead) {
                    String log = tail(dir);
                    if (log.contains("Address already in use") || log.contains("could not bind")) {
                        throw new PortClash(endpoint.port());
                    }
                    throw ScaleException.failure(kind.name() + " '" + spec.name() + "' exited during start-up: " + log, null);
                }
                return seenServer ? kind.probe(endpoint) : null;
            });
        } catch (Wait.TimedOut e) {
            throw ScaleException.failure(kind.name() + " '" + spec.name() + "' did not answer within " + kind.startTimeout().toSeconds() + "s ("
                    + e.lastReason() + "): " + tail(dir), e.getCause());
        }
    }

    /** A final answer for {@link Wait}, caught by {@link #start} to try another port. */
    private static final class PortClash extends ScaleException {
        private static final long serialVersionUID = 1L;
        final int port;

        PortClash(int port) {
            super(dev.scale.errors.ExitCode.FAILURE, "port " + port + " in use", null, null);
            this.port = port;
        }
    }

    /** Replaces the record in one atomic move, so that a reader never sees half of it. */
    private void rewrite(Path dir, InstanceRecord record) {
        try {
            writePrivate(dir.resolve("instance.json.tmp"), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(record));
            Files.move(dir.resolve("instance.json.tmp"), dir.resolve("instance.json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw ScaleException.failure("cannot write " + dir.resolve("instance.json") + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void handOver(String name) {
        Path dir = root.resolve(name);
        rewrite(dir, readRecord(dir).asHandedOver());
    }

    @Override
    public List<Instance> list() {
        List<Instance> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                if (inFlight.contains(dir) || !Files.exists(dir.resolve("instance.json"))) {
                    continue;
                }
                InstanceRecord r;
                try {
                    r = readRecord(dir);
                } catch (RuntimeException e) {
                    continue; // being written or being removed
                }
                boolean alive = alive(dir);
                if (!kinds.knows(r.kind())) {
                    continue; // made by a scale that knows more kinds: its TTL still ends it, and down NAME removes it
                }
                Kind kind = kinds.byName(r.kind());
                Endpoint endpoint = new Endpoint("127.0.0.1", r.port(), r.username(), Secret.of(r.password()), r.database());
                out.add(new Instance(r.name(), kind, r.version(), name(), endpoint, r.createdAt(), r.expiresAt(),
                        !alive ? Instance.State.DEAD : orphaned(dir, r) ? Instance.State.ORPHANED : Instance.State.RUNNING));
            }
        } catch (IOException e) {
            throw ScaleException.failure("cannot read " + root + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Removes what a start killed while it wrote a new record left ({@link #RESERVING}), under the lock starts take. */
    public void sweepReserving() {
        if (!Files.isDirectory(root.resolve(RESERVING), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            underStartLock(() -> {
                BinaryCache.deleteTree(root.resolve(RESERVING));
                return null;
            });
        } catch (IOException e) {
            // left for the next start, which removes it too
        }
    }

    /** Where {@link #reserveLocked} writes a new instance's record before the directory takes the instance's name. */
    static final String RESERVING = ".reserving";

    /**
     * A start interrupted before its record was written leaves a directory without one; older than this, it is broken.
     * Since names appear with their records ({@link #reserveLocked}), only a scale from before that, or a directory a
     * removal was cut short in, is one.
     */
    static final java.time.Duration UNRECORDED_GRACE = java.time.Duration.ofMinutes(1);

    @Override
    public List<Broken> broken() {
        List<Broken> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                String name = dir.getFileName().toString();
                if (inFlight.contains(dir) || !Names.isName(name)) {
                    continue;
                }
                Path record = dir.resolve("instance.json");
                if (Files.exists(record)) {
                    try {
                        readRecord(dir);
                    } catch (RuntimeException e) {
                        out.add(new Broken(name, name(), "its record " + record + " is unreadable (" + firstLine(e.getCause() != null ? e.getCause() : e) + ")"));
                    }
                } else if (olderThan(dir, UNRECORDED_GRACE)) {
                    out.add(new Broken(name, name(), "its start was interrupted before it wrote a record"));
                }
            }
        } catch (IOException e) {
            throw ScaleException.failure("cannot read " + root + ": " + e.getMessage(), e);
        }
        return out;
    }

    private boolean olderThan(Path dir, java.time.Duration age) {
        try {
            return Files.getLastModifiedTime(dir).toInstant().plus(age).isBefore(clock.instant());
        } catch (IOException e) {
            return false; // removed meanwhile
        }
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    /**
     * Never handed over, and its maker is gone. The maker is judged first and the hand-over read after: an up
     * hands over, then exits, so a record read before the hand-over and a maker seen gone after the exit would
     * call a handed-over instance an orphan, and gc would take it.
     */
    private boolean orphaned(Path dir, InstanceRecord first) {
        if (!first.orphaned()) {
            return false;
        }
        try {
            return readRecord(dir).orphaned();
        } catch (RuntimeException gone) {
            return false; // removed meanwhile: nothing to collect
        }
    }

    /** Its server runs, or is being prepared: a supervisor waits for it, or the start has only just made the directory. */
    private boolean alive(Path dir) {
        if (Files.exists(dir.resolve("server.pid"))) {
            return pid(dir, "server.pid").map(EmbeddedProvider::running).orElse(false);
        }
        if (Files.exists(dir.resolve("supervisor.pid"))) {
            return pid(dir, "supervisor.pid").map(EmbeddedProvider::running).orElse(false);
        }
        return !olderThan(dir, UNRECORDED_GRACE);
    }

    private List<InstanceRecord> records() throws IOException {
        List<InstanceRecord> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                try {
                    out.add(readRecord(dir));
                } catch (RuntimeException e) {
                    // a directory without a readable record holds no port
                }
            }
        }
        return out;
    }

    /**
     * Asks the instance's supervisor to restart its server (SIGUSR1): the kind's stop signal, up to 20 s to stop
     * cleanly, then server.sh again, on the same data and port; returns once a client request succeeds again.
     */
    @Override
    public Instance restart(String name, Progress progress) {
        Path dir = root.resolve(Names.isName(name) ? name : "-");
        Instance instance = list().stream().filter(i -> i.name().equals(name)).findFirst()
                .orElseThrow(() -> ScaleException.usage("no instance named '" + name + "'", "see scale ls"));
        if (instance.state() != Instance.State.RUNNING) {
            throw ScaleException.failure("instance '" + name + "' is not running", "see scale ls", null);
        }
        ProcessHandle supervisor = pid(dir, "supervisor.pid").filter(EmbeddedProvider::running)
                .orElseThrow(() -> ScaleException.failure(name + " has no supervisor left to restart it", "remove it with scale down " + name, null));
        long before = pid(dir, "server.pid").map(ProcessHandle::pid).orElse(-1L);
        progress.step(name, "restarting its server");
        try {
            Process kill = new ProcessBuilder("kill", "-USR1", Long.toString(supervisor.pid())).redirectErrorStream(true).start();
            if (kill.waitFor() != 0) {
                throw ScaleException.failure("could not signal " + name + "'s supervisor: " + new String(kill.getInputStream().readAllBytes()).strip(), null);
            }
        } catch (IOException e) {
            throw ScaleException.failure("could not signal " + name + "'s supervisor: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ScaleException.failure("interrupted", e);
        }
        try {
            Wait.until(System.nanoTime() + instance.kind().startTimeout().toNanos() + 20_000_000_000L, name, () -> {
                Optional<ProcessHandle> server = pid(dir, "server.pid");
                if (server.isEmpty() || server.get().pid() == before || !running(server.get())) {
                    if (!running(supervisor)) {
                        throw ScaleException.failure(name + " ended during its restart: " + tail(dir), null);
                    }
                    return null;
                }
                return instance.kind().probe(instance.endpoint());
            });
        } catch (Wait.TimedOut e) {
            throw ScaleException.failure(name + " did not answer after its restart (" + e.lastReason() + ")", e);
        }
        progress.step(name, "ready again");
        return instance;
    }

    @Override
    public boolean remove(String name) {
        if (!Names.isName(name)) {
            return false;
        }
        Path dir = root.resolve(name);
        if (!Files.isDirectory(dir)) {
            return false;
        }
        destroy(dir);
        return true;
    }

    @Override
    public void cancelStarts() {
        RuntimeException first = null;
        for (Path dir : List.copyOf(inFlight)) {
            try {
                destroy(dir);
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
            inFlight.remove(dir);
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * Stops the supervisor and the server (cleanly, then by force) and removes the directory; whole even on an
     * interrupted thread (a start stopped by Ctrl-C removes what it made this way), whose flag it keeps.
     */
    private void destroy(Path dir) {
        boolean interrupted = Thread.interrupted();
        try {
            stopAndRemove(dir);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void stopAndRemove(Path dir) {
        Optional<ProcessHandle> supervisor = pid(dir, "supervisor.pid").filter(EmbeddedProvider::running);
        Optional<ProcessHandle> server = pid(dir, "server.pid").filter(EmbeddedProvider::running);
        supervisor.ifPresent(ProcessHandle::destroy);
        if (supervisor.isEmpty()) {
            server.ifPresent(ProcessHandle::destroy);
        }
        try {
            Wait.untilTrue(System.nanoTime() + 25_000_000_000L, "the server to stop",
                    () -> !supervisor.map(EmbeddedProvider::running).orElse(false) && !server.map(EmbeddedProvider::running).orElse(false));
        } catch (ScaleException interrupted) {
            // removal goes on by force below
        }
        server.ifPresent(s -> {
            s.descendants().forEach(ProcessHandle::destroyForcibly);
            s.destroyForcibly();
        });
        supervisor.ifPresent(ProcessHandle::destroyForcibly);
        BinaryCache.deleteTree(dir);
    }

    /**
     * A recorded process, if it is still the one scale started. A pid can be reused after a reboot, so a
     * process that started before the instance's directory was made is not ours. (Command lines are no
     * test: redis-server rewrites its own.)
     */
    /** Whether a pid file holds a whole number (the supervisor may be writing it). */
    private static boolean writtenPid(Path file) {
        try {
            Long.parseLong(Files.readString(file).trim());
            return true;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /**
     * Whether the process still runs: alive, and not a zombie that its parent has yet to reap. The supervisor's parent
     * is init (or whatever the machine's PID 1 is), which may reap late or, in some CI containers, never; a zombie
     * counted as alive made down wait for it (ProcessHandle.isAlive says true until it is reaped).
     */
    static boolean running(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
            int end = stat.lastIndexOf(')');   // after the command's name, which may hold spaces and parentheses
            return end < 0 || end + 2 >= stat.length() || stat.charAt(end + 2) != 'Z';
        } catch (java.nio.file.NoSuchFileException gone) {
            return !Files.isDirectory(Path.of("/proc/self"));   // no /proc (not Linux): isAlive is all there is
        } catch (IOException e) {
            return true;
        }
    }

    private static Optional<ProcessHandle> pid(Path dir, String file) {
        try {
            long pid = Long.parseLong(Files.readString(dir.resolve(file)).trim());
            // supervisor.sh is written once, just before the processes start; instance.json is rewritten later
            // (the server's version, the hand-over), so its time would disown a server that started earlier
            Instant made = Files.getLastModifiedTime(dir.resolve("supervisor.sh")).toInstant().minusSeconds(2);
            return ProcessHandle.of(pid).filter(h -> h.info().startInstant().map(t -> !t.isBefore(made)).orElse(true));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private InstanceRecord readRecord(Path dir) {
        try {
            return json.readValue(dir.resolve("instance.json").toFile(), InstanceRecord.class);
        } catch (IOException e) {
            throw ScaleException.failure("cannot read " + dir.resolve("instance.json") + ": " + e.getMessage(), e);
        }
    }

    private static void writePrivate(Path file, byte[] content) {
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(file, content);
        } catch (IOException e) {
            throw ScaleException.environment("cannot write " + file + ": " + e.getMessage(),
                    "check free disk space, or move scale's state with SCALE_STATE_DIR", e);
        }
    }

    private static String tail(Path dir) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("server.log"));
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "no log";
        }
    }
}
