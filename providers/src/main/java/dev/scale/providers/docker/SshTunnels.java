package dev.scale.providers.docker;

import dev.scale.errors.ScaleException;
import dev.scale.providers.Dirs;
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
 * The SSH tunnels to a remote engine ({@link Ssh}), all made by the machine's OpenSSH client:
 * <ul>
 *   <li><b>The engine's API</b>, for as long as this scale command runs: one ssh forwarding a private local socket to
 *   the remote {@code /var/run/docker.sock}. Its remote command reads ssh's standard input, which is a pipe from this
 *   process: when scale ends, even by kill -9, the pipe closes, the remote side ends and so does ssh.</li>
 *   <li><b>Each container's ports</b>: the container publishes them on the remote machine's 127.0.0.1 only, and a
 *   detached ssh forwards each, from this machine's 127.0.0.1 at the same port number, so every address in the
 *   connection contract (Couchbase's external addresses and Redis's host map included) reads the same on both sides.
 *   It outlives the command (an instance from {@code up} is used after it), ends by itself at the instance's time to
 *   live (its remote command is a {@code sleep} that long), and is recorded in scale's state ({@code tunnels/}) like an
 *   embedded server: {@code down} and {@code gc} stop it, and {@code ls} or {@code env} start it again where it is gone
 *   (after a reboot).</li>
 * </ul>
 */
final class SshTunnels {
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);
    private final Ssh ssh;
    private final Path records;
    private Process api;
    private Path apiDir;
    private boolean hooked;

    SshTunnels(Ssh ssh, Path stateDir) {
        this.ssh = ssh;
        // one folder per remote engine: another DOCKER_HOST's containers are not this one's to clean up after
        this.records = stateDir.resolve("tunnels").resolve(ssh.where().substring("ssh://".length()).replaceAll("[^A-Za-z0-9._@-]", "_"));
    }

    Ssh ssh() {
        return ssh;
    }

    /** The local socket that reaches the remote engine's API, opened on first use; closed when this process ends. */
    synchronized Path apiSocket() throws IOException {
        if (api != null && api.isAlive()) {
            return apiDir.resolve("docker.sock");
        }
        apiDir = Files.createTempDirectory("scale-ssh-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path socket = apiDir.resolve("docker.sock");
        Path log = apiDir.resolve("ssh.log");
        ProcessBuilder pb = new ProcessBuilder(ssh.command(List.of("-L", socket + ":/var/run/docker.sock"), List.of("cat")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(log.toFile());
        api = pb.start(); // its standard input stays a pipe from this process: see the class comment
        if (!hooked) {
            Runtime.getRuntime().addShutdownHook(new Thread(this::closeApi, "scale-ssh-close"));
            hooked = true;
        }
        long deadline = System.nanoTime() + OPEN_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!api.isAlive()) {
                String why = lastLine(log);
                closeApi();
                throw new IOException("ssh " + ssh.where() + " failed: " + (why.isEmpty() ? "exit " + api.exitValue() : why));
            }
            if (Files.exists(socket)) {
                return socket;
            }
            sleep(50);
        }
        closeApi();
        throw new IOException("ssh " + ssh.where() + " did not connect within " + OPEN_TIMEOUT.toSeconds() + "s");
    }

    synchronized void closeApi() {
        if (api != null) {
            api.destroy();
            try {
                api.waitFor(2, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            api.destroyForcibly();
        }
        if (apiDir != null) {
            try (var files = Files.list(apiDir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
                Files.deleteIfExists(apiDir);
            } catch (IOException e) {
                // a temporary directory: the system's cleaning takes what is left
            }
        }
    }

    /** A container's forwarder, as recorded: its ssh's process id and start, and the ports it forwards. */
    record Forwarder(long pid, Instant started, List<Integer> ports) {
        String line() {
            return pid + " " + started + " " + String.join(",", ports.stream().map(String::valueOf).toList());
        }

        static Optional<Forwarder> parse(String line) {
            String[] f = line.strip().split(" ");
            try {
                List<Integer> ports = new ArrayList<>();
                for (String p : f[2].split(",")) {
                    ports.add(Integer.parseInt(p));
                }
                return Optional.of(new Forwarder(Long.parseLong(f[0]), Instant.parse(f[1]), ports));
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }

        /** Its ssh, if that process still runs (the same one: a reused process id has another start). */
        Optional<ProcessHandle> process() {
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(p -> p.info().startInstant().map(s -> Math.abs(Duration.between(s, started).toMillis()) < 2000).orElse(false));
        }
    }

    private Path record(String container) {
        return records.resolve(container);
    }

    Optional<Forwarder> forwarder(String container) {
        try {
            return Files.isRegularFile(record(container)) ? Forwarder.parse(Files.readString(record(container))) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Forwards a container's published ports from this machine's 127.0.0.1, unless its forwarder already runs; the
     * forwarder ends by itself at {@code until}.
     */
    void forward(String container, List<Integer> ports, Instant until) {
        Optional<Forwarder> running = forwarder(container).filter(f -> f.process().isPresent());
        if (running.isPresent() && new java.util.HashSet<>(running.get().ports()).equals(new java.util.HashSet<>(ports))) {
            return;
        }
        close(container); // none, a dead one's record, or one for ports the engine has since changed (a restart)
        if (ports.isEmpty()) {
            return;
        }
        long seconds = Math.max(1, Duration.between(Instant.now(), until).toSeconds() + 5);
        List<String> options = new ArrayList<>(List.of("-n", "-T"));
        for (int p : ports) {
            options.addAll(List.of("-L", "127.0.0.1:" + p + ":127.0.0.1:" + p));
        }
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid"); // its own session: a Ctrl-C meant for this command does not reach it
        }
        command.addAll(ssh.command(options, List.of("sleep", Long.toString(seconds))));
        Dirs.privateDir(records.getParent());
        Dirs.privateDir(records);
        Path log = records.resolve(container + ".log");
        Process p;
        try {
            ownerOnly(log);
            p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(log.toFile()).start();
            Instant started = p.toHandle().info().startInstant().orElse(Instant.now());
            ownerOnly(record(container));
            Files.writeString(record(container), new Forwarder(p.pid(), started, ports).line() + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw ScaleException.environment("cannot start ssh to forward ports from " + ssh.where() + ": " + e.getMessage(),
                    "check that OpenSSH's ssh is installed", e);
        }
        long deadline = System.nanoTime() + OPEN_TIMEOUT.toNanos();
        List<Integer> waiting = new ArrayList<>(ports);
        while (!waiting.isEmpty()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                String why = lastLine(log);
                close(container);
                throw ScaleException.environment("ssh could not forward port" + (ports.size() == 1 ? " " : "s ") + ports + " from " + ssh.where()
                        + (why.isEmpty() ? "" : ": " + why), "a local port may be taken; scale down the instance and start it again", null);
            }
            waiting.removeIf(SshTunnels::listening);
            if (!waiting.isEmpty()) {
                sleep(50);
            }
        }
    }

    /** Creates the file, empty, readable and writable by its owner only (what a record says of a remote machine is no one else's). */
    private static void ownerOnly(Path file) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops a container's forwarder, if any, and forgets it. */
    void close(String container) {
        forwarder(container).flatMap(Forwarder::process).ifPresent(ph -> {
            ph.destroy();
            try {
                ph.onExit().get(3, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                ph.destroyForcibly();
            }
        });
        try {
            Files.deleteIfExists(record(container));
            Files.deleteIfExists(records.resolve(container + ".log"));
        } catch (IOException e) {
            // gone already, or unreadable: gc tries again
        }
    }

    /** Stops the forwarders of containers not in {@code existing}: what a removal outside scale, or a crash, left. */
    List<String> retainOnly(Set<String> existing) {
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

    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1).strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static void sleep(long millis) {
        dev.scale.providers.Wait.sleep(millis * 1_000_000L);
    }
}
