package dev.scale.providers;

import dev.scale.errors.ScaleException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Detached forwarders: processes that make an instance on another machine reachable from this machine's 127.0.0.1
 * after the scale command that started them has ended (an instance of {@code up} is used after it). Each is started in
 * a session of its own (a Ctrl-C meant for the command does not reach it), ends by itself at the instance's time to
 * live, and is recorded, owner-only, in one folder of scale's state per remote place ({@code tunnels/…/KEY}: its
 * process id and start, and the ports it forwards), like an embedded server: {@code down} and {@code gc} stop it, and
 * {@code ls} or {@code env} start it again where it is gone (after a reboot).
 * <p>
 * What forwards is the caller's: an ssh for a remote Docker engine, a JVM running fabric8's port-forward for a
 * Kubernetes cluster.
 */
public final class Forwarders implements Forwarding {
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);
    private final Path records;

    /** The forwarders recorded in {@code records} (made, owner-only, on first use). */
    public Forwarders(Path records) {
        this.records = records;
    }

    /** A forwarded port: {@code local} on this machine's 127.0.0.1 reaches {@code remote} on the other side. */
    public record Port(int local, int remote) {
        @Override
        public String toString() {
            return local == remote ? Integer.toString(local) : local + ":" + remote;
        }
    }

    /** A forwarder, as recorded: its process id and start, and the ports it forwards. */
    public record Forwarder(long pid, Instant started, List<Port> ports) {
        String line() {
            return pid + " " + started + " " + String.join(",", ports.stream().map(Port::toString).toList());
        }

        static Optional<Forwarder> parse(String line) {
            String[] f = line.strip().split(" ");
            try {
                List<Port> ports = new ArrayList<>();
                for (String p : f[2].split(",")) {
                    int colon = p.indexOf(':');
                    ports.add(colon < 0 ? new Port(Integer.parseInt(p), Integer.parseInt(p))
                            : new Port(Integer.parseInt(p.substring(0, colon)), Integer.parseInt(p.substring(colon + 1))));
                }
                return Optional.of(new Forwarder(Long.parseLong(f[0]), Instant.parse(f[1]), ports));
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }

        /** Its process, if that still runs. */
        public Optional<ProcessHandle> process() {
            return running(pid, started);
        }
    }

    /** The process {@code pid} started at {@code started}, if it still runs (the same one: a reused process id has another start). */
    static Optional<ProcessHandle> running(long pid, Instant started) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().startInstant().map(s -> Math.abs(Duration.between(s, started).toMillis()) < 2000).orElse(false));
    }

    private Path record(String key) {
        return records.resolve(key);
    }

    /** The forwarder recorded for {@code key}, running or not. */
    public Optional<Forwarder> forwarder(String key) {
        try {
            return Files.isRegularFile(record(key)) ? Forwarder.parse(Files.readString(record(key))) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The forwarder recorded for {@code key}, if it runs. */
    public Optional<Forwarder> running(String key) {
        return forwarder(key).filter(f -> f.process().isPresent());
    }

    /**
     * Starts {@code command} detached as {@code key}'s forwarder, in place of any recorded one, and returns once every
     * local port of {@code ports} accepts connections.
     * @param what what forwards, for the one line an error says ("ssh", "the port-forward")
     * @param environment variables set for the command, over this process's own
     * @throws ScaleException when the command ends, or a port does not open, within 30 s; nothing is left recorded
     */
    public void start(String key, List<Port> ports, List<String> command, String what, java.util.Map<String, String> environment) {
        close(key);
        if (ports.isEmpty()) {
            return;
        }
        // a port something else listens on would look forwarded below: said now, before anything starts
        for (Port p : ports) {
            if (!free(p.local())) {
                throw new PortTaken(what, p.local());
            }
        }
        Dirs.privateDir(records.getParent());
        Dirs.privateDir(records);
        Path log = records.resolve(key + ".log");
        Process p;
        try {
            p = detach(command, log, environment);
            Instant started = p.toHandle().info().startInstant().orElse(Instant.now());
            ownerOnly(record(key));
            Files.writeString(record(key), new Forwarder(p.pid(), started, ports).line() + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw ScaleException.environment("cannot start " + what + " to forward ports: " + e.getMessage(),
                    "check that " + command.get(0) + " can run here", e);
        }
        long deadline = System.nanoTime() + OPEN_TIMEOUT.toNanos();
        List<Integer> waiting = new ArrayList<>(ports.stream().map(Port::local).toList());
        while (!waiting.isEmpty()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                String why = lastLine(log);
                close(key);
                throw ScaleException.environment(what + " could not forward port" + (ports.size() == 1 ? " " : "s ") + ports
                        + (why.isEmpty() ? "" : ": " + why), "a local port may be taken; scale down the instance and start it again", null);
            }
            waiting.removeIf(Forwarders::listening);
            if (!waiting.isEmpty()) {
                Wait.sleep(50_000_000L);
            }
        }
    }

    /**
     * A forwarder that is a JVM of scale's own: this JVM's java and class path running {@code main}, with a small
     * heap and the quickest start (it forwards bytes; it does not compute).
     */
    public static List<String> java(Class<?> main, List<String> args) {
        List<String> out = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx32m", "-Xss256k", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1", "-XX:ReservedCodeCacheSize=16m",
                "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Dslf4j.internal.verbosity=ERROR", "-cp", System.getProperty("java.class.path"),
                main.getName()));
        out.addAll(args);
        return out;
    }

    /**
     * Starts {@code command} in a session of its own (a Ctrl-C meant for this command does not reach it), its input
     * empty, its errors in {@code log} (made owner-only), with {@code environment} over this process's.
     */
    static Process detach(List<String> command, Path log, java.util.Map<String, String> environment) throws IOException {
        List<String> detached = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            detached.add("/usr/bin/setsid");
        }
        detached.addAll(command);
        ownerOnly(log);
        ProcessBuilder pb = new ProcessBuilder(detached).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(log.toFile());
        pb.environment().putAll(environment);
        return pb.start();
    }

    /** Creates the file, empty, readable and writable by its owner only (what a record says of a remote place is no one else's). */
    static void ownerOnly(Path file) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }

    /** Whether nothing listens on this machine's 127.0.0.1 at {@code port}. */
    public static boolean free(int port) {
        try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether something on this machine accepts connections on 127.0.0.1 at {@code port}. */
    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops {@code key}'s forwarder, if any, and forgets it. */
    @Override
    public void close(String key) {
        forwarder(key).flatMap(Forwarder::process).ifPresent(ph -> {
            ph.destroy();
            try {
                ph.onExit().get(3, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                ph.destroyForcibly();
            }
        });
        try {
            Files.deleteIfExists(record(key));
            Files.deleteIfExists(records.resolve(key + ".log"));
        } catch (IOException e) {
            // gone already, or unreadable: gc tries again
        }
    }

    /** Stops the forwarders whose key is not in {@code existing}: what a removal outside scale, or a crash, left. */
    @Override
    public List<String> retainOnly(Set<String> existing) {
        List<String> stopped = new ArrayList<>();
        if (!Files.isDirectory(records)) {
            return stopped;
        }
        try (var files = Files.list(records)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (!name.endsWith(".log") && !existing.contains(name)) {
                    close(name);
                    stopped.add(name);
                }
            }
        } catch (IOException e) {
            // unreadable: nothing to stop from here
        }
        return stopped;
    }

    @Override
    public String describe() {
        List<Long> pids = new ArrayList<>();
        if (Files.isDirectory(records)) {
            try (var files = Files.list(records)) {
                for (Path f : files.toList()) {
                    String name = f.getFileName().toString();
                    if (!name.endsWith(".log")) {
                        running(name).ifPresent(r -> pids.add(r.pid()));
                    }
                }
            } catch (IOException e) {
                // unreadable: none said
            }
        }
        return pids.isEmpty() ? "" : pids.size() + (pids.size() == 1 ? " forwarder" : " forwarders") + " (pid "
                + String.join(", ", pids.stream().map(String::valueOf).toList()) + ")";
    }

    /** The last line a log file has, stripped; empty when none. */
    public static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** A local port a forwarder needs that something else on this machine already listens on. */
    public static final class PortTaken extends ScaleException {
        private static final long serialVersionUID = 1L;

        public PortTaken(String what, int port) {
            super(dev.scale.errors.ExitCode.ENVIRONMENT, what + " cannot listen on 127.0.0.1:" + port + ": something on this machine already does",
                    "stop what listens there, or scale down the instance and start it again (it gets other ports)", null);
        }
    }
}
