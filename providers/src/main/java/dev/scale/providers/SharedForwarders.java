package dev.scale.providers;

import dev.scale.errors.ScaleException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Detached forwarders that are one process per remote place, not one per instance: for forwarders that are JVMs of
 * scale's own ({@link ForwardServer}), whose hundred-odd megabytes are then paid once per Kubernetes namespace or TLS
 * engine, however many instances and topology members it serves. The place's folder in scale's state (owner-only)
 * holds a file per instance, {@code UNTIL-EPOCH-SECONDS LOCAL:REMOTE,...}, which the process reads: writing one
 * forwards that instance's ports, removing it ({@code down}, {@code gc}) stops them. The process is recorded in the
 * folder's {@code server} file; a command that finds it gone (a reboot, or it had ended with no instance left) starts
 * it again, and it takes up every instance still written there.
 */
public final class SharedForwarders implements Forwarding {
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);
    /** An instance's file: a name of scale's (instance names, container ids); not the server's own files. */
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9_-]+)*");
    private static final Set<String> OWN = Set.of("server", "server.log");
    private final Path dir;
    private final List<String> serverCommand;
    private final Map<String, String> environment;
    private final String what;

    /**
     * @param serverCommand the process that serves the folder (its last argument the folder)
     * @param environment variables set for it, over this process's own
     * @param what what forwards, for the one line an error says
     */
    public SharedForwarders(Path dir, List<String> serverCommand, Map<String, String> environment, String what) {
        this.dir = dir;
        this.serverCommand = serverCommand;
        this.environment = environment;
        this.what = what;
    }

    // --- the folder ---------------------------------------------------------------------------------------------

    static String line(Instant until, List<Forwarders.Port> ports) {
        return until.getEpochSecond() + " " + String.join(",", ports.stream().map(p -> p.local() + ":" + p.remote()).toList());
    }

    static Instant until(String line) {
        return Instant.ofEpochSecond(Long.parseLong(line.strip().split(" ")[0]));
    }

    static List<Forwarders.Port> portsOf(String line) {
        List<Forwarders.Port> out = new ArrayList<>();
        for (String p : line.strip().split(" ")[1].split(",")) {
            String[] lr = p.split(":");
            out.add(new Forwarders.Port(Integer.parseInt(lr[0]), Integer.parseInt(lr[1])));
        }
        return out;
    }

    /** Every instance written in the folder, with its line; one that cannot be read is left out. */
    static Map<String, String> keys(Path dir) {
        Map<String, String> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (OWN.contains(name) || name.endsWith(".err") || name.endsWith(".tmp") || name.endsWith(".log") || !KEY.matcher(name).matches()) {
                    continue;
                }
                try {
                    String line = Files.readString(f).strip();
                    until(line);
                    portsOf(line);
                    out.put(name, line);
                } catch (IOException | RuntimeException e) {
                    // being written, or not scale's: not an instance
                }
            }
        } catch (IOException e) {
            // unreadable: none
        }
        return out;
    }

    /** The ports forwarded for {@code key}, as written; empty when it has none. */
    public Optional<List<Forwarders.Port>> ports(String key) {
        return Optional.ofNullable(keys(dir).get(key)).map(SharedForwarders::portsOf);
    }

    /** The serving process, if it runs (the same one: a reused process id has another start). */
    public Optional<ProcessHandle> server() {
        try {
            String[] f = Files.readString(dir.resolve("server")).strip().split(" ");
            return Forwarders.running(Long.parseLong(f[0]), Instant.parse(f[1]));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    // --- forwarding ---------------------------------------------------------------------------------------------

    /**
     * Forwards {@code key}'s ports until {@code until}, unless they already are, starting the serving process where it
     * does not run; returns once every local port accepts connections.
     * @throws ScaleException when a local port is taken on this machine, or the ports do not open within 30 s
     */
    public void forward(String key, List<Forwarders.Port> ports, Instant until) {
        Dirs.privateDir(dir.getParent());
        Dirs.privateDir(dir);
        locked(() -> {
            Optional<List<Forwarders.Port>> had = ports(key);
            if (!had.map(h -> new HashSet<>(h).equals(new HashSet<>(ports))).orElse(false)) {
                Set<Integer> ours = new HashSet<>();
                had.ifPresent(h -> h.forEach(p -> ours.add(p.local())));
                for (Forwarders.Port p : ports) {
                    if (!ours.contains(p.local()) && !Forwarders.free(p.local())) {
                        throw new Forwarders.PortTaken(what, p.local());
                    }
                }
                Files.deleteIfExists(dir.resolve(key + ".err"));
                Path tmp = dir.resolve(key + ".tmp");
                Forwarders.ownerOnly(tmp);
                Files.writeString(tmp, line(until, ports) + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE);
                Files.move(tmp, dir.resolve(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            ensureServer();
        });
        long deadline = System.nanoTime() + OPEN_TIMEOUT.toNanos();
        List<Integer> waiting = new ArrayList<>(ports.stream().map(Forwarders.Port::local).toList());
        int restarts = 0;
        while (!waiting.isEmpty()) {
            Path err = dir.resolve(key + ".err");
            if (Files.exists(err)) {
                String why = Forwarders.lastLine(err);
                close(key);
                throw ScaleException.environment(what + " " + why, "stop what listens there, or scale down the instance and start it again", null);
            }
            if (!Files.exists(dir.resolve(key))) {
                throw ScaleException.failure(what + " dropped " + key + " as it started: the place no longer has it", null);
            }
            if (System.nanoTime() > deadline) {
                String why = Forwarders.lastLine(dir.resolve("server.log"));
                close(key);
                throw ScaleException.environment(what + " could not forward port" + (ports.size() == 1 ? " " : "s ") + ports
                        + (why.isEmpty() ? "" : ": " + why), "scale down the instance and start it again", null);
            }
            if (server().isEmpty()) {
                if (restarts++ > 0) { // it had ended, with no instance left, as this one was written: once; twice is a failure
                    String why = Forwarders.lastLine(dir.resolve("server.log"));
                    throw ScaleException.environment(what + " ended as it started" + (why.isEmpty() ? "" : ": " + why),
                            "scale down the instance and start it again", null);
                }
                locked(this::ensureServer);
            }
            waiting.removeIf(Forwarders::listening);
            if (!waiting.isEmpty()) {
                Wait.sleep(50_000_000L);
            }
        }
    }

    private interface Step {
        void run() throws IOException;
    }

    /** Runs {@code step} holding the folder's lock: two commands never start two servers, nor write one file at once. */
    private synchronized void locked(Step step) {
        try (FileChannel lock = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             var held = lock.lock()) {
            step.run();
        } catch (IOException e) {
            throw ScaleException.environment("cannot record forwarding in " + dir + ": " + e.getMessage(), null, e);
        }
    }

    private void ensureServer() throws IOException {
        if (server().isPresent()) {
            return;
        }
        Process p;
        try {
            p = Forwarders.detach(serverCommand, dir.resolve("server.log"), environment);
        } catch (IOException e) {
            throw ScaleException.environment("cannot start " + what + ": " + e.getMessage(), "check that " + serverCommand.get(0) + " can run here", e);
        }
        Instant started = p.toHandle().info().startInstant().orElse(Instant.now());
        Path tmp = dir.resolve("server.tmp");
        Forwarders.ownerOnly(tmp);
        Files.writeString(tmp, p.pid() + " " + started + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE);
        Files.move(tmp, dir.resolve("server"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Stops forwarding {@code key}'s ports, and returns once they are closed (3 s at most). */
    @Override
    public void close(String key) {
        Optional<List<Forwarders.Port>> had = ports(key);
        try {
            Files.deleteIfExists(dir.resolve(key));
            Files.deleteIfExists(dir.resolve(key + ".err"));
        } catch (IOException e) {
            return; // unreadable: gc tries again
        }
        if (had.isEmpty() || server().isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (had.get().stream().anyMatch(p -> Forwarders.listening(p.local())) && System.nanoTime() < deadline) {
            Wait.sleep(50_000_000L);
        }
    }

    /** Stops forwarding the instances not in {@code existing}: what a removal elsewhere, or a crash, left. */
    @Override
    public List<String> retainOnly(Set<String> existing) {
        List<String> stopped = new ArrayList<>();
        for (String key : keys(dir).keySet()) {
            if (!existing.contains(key)) {
                close(key);
                stopped.add(key);
            }
        }
        return stopped;
    }

    @Override
    public String describe() {
        int n = keys(dir).size();
        if (n == 0) {
            return "";
        }
        return n + (n == 1 ? " instance" : " instances") + " by one forwarder (" + server().map(p -> "pid " + p.pid())
                .orElse("not running: ls and env start it") + ")";
    }

    /** Each forwarded instance with its ports, as written. */
    public Map<String, List<Forwarders.Port>> all() {
        Map<String, List<Forwarders.Port>> out = new LinkedHashMap<>();
        keys(dir).forEach((k, line) -> out.put(k, portsOf(line)));
        return out;
    }
}
