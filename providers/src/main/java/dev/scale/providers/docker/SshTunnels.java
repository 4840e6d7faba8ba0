package dev.scale.providers.docker;

import dev.scale.providers.Forwarders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
 *   live (its remote command is a {@code sleep} that long), and is recorded ({@link Forwarders}) in scale's state like an
 *   embedded server: {@code down} and {@code gc} stop it, and {@code ls} or {@code env} start it again where it is gone
 *   (after a reboot).</li>
 * </ul>
 */
final class SshTunnels implements PortTunnels {
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);
    private final Ssh ssh;
    private final Forwarders forwarders;
    private Process api;
    private Path apiDir;
    private boolean hooked;

    SshTunnels(Ssh ssh, Path stateDir) {
        this.ssh = ssh;
        // one folder per remote engine: another DOCKER_HOST's containers are not this one's to clean up after
        this.forwarders = new Forwarders(stateDir.resolve("tunnels")
                .resolve(ssh.where().substring("ssh://".length()).replaceAll("[^A-Za-z0-9._@-]", "_")));
    }

    Ssh ssh() {
        return ssh;
    }

    @Override
    public String where() {
        return ssh.where();
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
                String why = Forwarders.lastLine(log);
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

    /**
     * Forwards a container's published ports from this machine's 127.0.0.1, unless its forwarder already runs; the
     * forwarder ends by itself at {@code until}.
     */
    @Override
    public void forward(String container, List<Integer> ports, Instant until) {
        List<Forwarders.Port> same = ports.stream().map(p -> new Forwarders.Port(p, p)).toList();
        Optional<Forwarders.Forwarder> running = forwarders.running(container);
        if (running.isPresent() && new java.util.HashSet<>(running.get().ports()).equals(new java.util.HashSet<>(same))) {
            return;
        }
        // none, a dead one's record, or one for ports the engine has since changed (a restart): started anew
        long seconds = Math.max(1, Duration.between(Instant.now(), until).toSeconds() + 5);
        List<String> options = new ArrayList<>(List.of("-n", "-T"));
        for (int p : ports) {
            options.addAll(List.of("-L", "127.0.0.1:" + p + ":127.0.0.1:" + p));
        }
        forwarders.start(container, same, ssh.command(options, List.of("sleep", Long.toString(seconds))), "ssh (" + ssh.where() + ")", java.util.Map.of());
    }

    /** Stops a container's forwarder, if any, and forgets it. */
    @Override
    public Forwarders forwarders() {
        return forwarders;
    }

    private static void sleep(long millis) {
        dev.scale.providers.Wait.sleep(millis * 1_000_000L);
    }
}
