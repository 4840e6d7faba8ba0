package dev.scale.providers.docker;

import dev.scale.errors.ScaleException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * Finds a Docker engine where the docker CLI and Testcontainers look: {@code DOCKER_HOST} (with
 * {@code DOCKER_TLS_VERIFY} and {@code DOCKER_CERT_PATH}) when set, and then only there; else Testcontainers'
 * own {@code docker.host} setting, the rootless sockets, the default socket and Docker Desktop's. The first that
 * answers a ping is used. Nothing is written: not {@code ~/.testcontainers.properties}, not a docker context.
 */
public final class DockerEngine {
    public static final String HOW_TO_GET_ONE =
            "start a Docker engine (or set DOCKER_HOST), or use --provider embedded";

    private final Map<String, String> env;
    private final Path stateDir;
    private DockerApi api;
    private String unreachable;
    private SshTunnels tunnels;
    private ExecTunnels execTunnels;

    public DockerEngine(Map<String, String> env) {
        this(env, dev.scale.providers.Dirs.fromEnv(env).state());
    }

    /** @param stateDir where the tunnels to a remote engine ({@code DOCKER_HOST=ssh://…}) are recorded */
    public DockerEngine(Map<String, String> env, Path stateDir) {
        this.env = env;
        this.stateDir = stateDir;
    }

    /**
     * The tunnels to the engine when it is on another machine over SSH ({@code DOCKER_HOST=ssh://…}), which also
     * carry its API; empty otherwise.
     */
    synchronized java.util.Optional<SshTunnels> sshTunnels() {
        String named = env.get("DOCKER_HOST");
        if (tunnels == null && Ssh.isSsh(named)) {
            tunnels = new SshTunnels(Ssh.parse(named, env), stateDir);
        }
        return java.util.Optional.ofNullable(tunnels);
    }

    /**
     * How the containers of an engine on another machine are reached from this one: over SSH, or through the API of a
     * TLS {@code tcp://} engine ({@link ExecTunnels}); empty for an engine on this machine, whose published ports are
     * this machine's own.
     */
    synchronized java.util.Optional<PortTunnels> tunnels() {
        if (sshTunnels().isPresent()) {
            return java.util.Optional.of(tunnels);
        }
        if (remoteTcpHost().isPresent() && on(env.get("DOCKER_TLS_VERIFY"))) {
            if (execTunnels == null) {
                execTunnels = new ExecTunnels(this, env, env.get("DOCKER_HOST").trim(), stateDir);
            }
            return java.util.Optional.of(execTunnels);
        }
        return java.util.Optional.empty();
    }

    /** The engine's API, or an environment error (exit 3) saying how to get one. */
    public synchronized DockerApi api() {
        refusePlainTcp();
        sshTunnels(); // a DOCKER_HOST=ssh://… scale cannot pass to ssh is a usage error, not an engine that does not answer
        if (api == null && unreachable == null) {
            connect();
        }
        if (api == null) {
            throw ScaleException.environment("no Docker engine is reachable (" + unreachable + ")", HOW_TO_GET_ONE, null);
        }
        return api;
    }

    /** Closes the tunnel to a remote engine's API, if one was opened; the next call opens another. */
    public synchronized void close() {
        if (tunnels != null) {
            tunnels.closeApi();
        }
        api = null;
        unreachable = null;
    }

    /** Whether an engine answers a ping; never throws. */
    public boolean reachable() {
        try {
            api();
            return true;
        } catch (ScaleException e) {
            return false;
        }
    }

    /**
     * An engine on another machine over plain TCP is refused: whoever can reach its port drives it (root on that
     * machine, in effect), and scale's instances' passwords travel in the clear in their containers' settings.
     */
    private void refusePlainTcp() {
        if (remoteTcpHost().isPresent() && !on(env.get("DOCKER_TLS_VERIFY"))) {
            String host = remoteTcpHost().get();
            String named = env.get("DOCKER_HOST");
            throw ScaleException.usage("DOCKER_HOST " + named.trim() + " is plain TCP to another machine: anyone who can reach that port drives"
                    + " the engine, and the instances' passwords would cross the network in the clear",
                    "use DOCKER_HOST=ssh://USER@" + host + ", or TLS (DOCKER_TLS_VERIFY=1 with DOCKER_CERT_PATH)");
        }
    }

    /** The host of a {@code DOCKER_HOST=tcp://…} engine on another machine (not this one's loopback); empty otherwise. */
    java.util.Optional<String> remoteTcpHost() {
        String named = env.get("DOCKER_HOST");
        if (named == null || !named.trim().startsWith("tcp://")) {
            return java.util.Optional.empty();
        }
        String host;
        try {
            host = URI.create(named.trim()).getHost();
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty(); // connect() says what is wrong with it
        }
        boolean loopback = host == null || host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
        return loopback ? java.util.Optional.empty() : java.util.Optional.of(host);
    }

    /** Where scale looks, in order: each a DOCKER_HOST-style address and whether to verify TLS, with its certificates. */
    private record Candidate(String host, boolean tls, Path certs) {
    }

    private List<Candidate> candidates() {
        List<Candidate> out = new ArrayList<>();
        String home = System.getProperty("user.home");
        String named = env.get("DOCKER_HOST");
        if (named != null && !named.isBlank()) {
            // An engine the user named is the only one to use, as with the docker CLI. Read from scale's
            // environment rather than the process's, so that what scale was given is what it uses.
            out.add(new Candidate(named.trim(), on(env.get("DOCKER_TLS_VERIFY")), certs(env.get("DOCKER_CERT_PATH"), home)));
            return out;
        }
        Properties tc = new Properties();
        Path tcFile = Path.of(home, ".testcontainers.properties");
        if (Files.isRegularFile(tcFile)) {
            try (InputStream in = Files.newInputStream(tcFile)) {
                tc.load(in);
            } catch (IOException | IllegalArgumentException e) {
                // unreadable: Testcontainers' settings are then not scale's either
            }
        }
        if (tc.getProperty("docker.host") != null) {
            out.add(new Candidate(tc.getProperty("docker.host").trim(), on(tc.getProperty("docker.tls.verify")),
                    certs(tc.getProperty("docker.cert.path"), home)));
        }
        Set<Path> sockets = new LinkedHashSet<>();
        String runtime = env.get("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isBlank()) {
            sockets.add(Path.of(runtime, "docker.sock"));
        }
        sockets.add(Path.of(home, ".docker", "run", "docker.sock"));
        sockets.add(Path.of(home, ".docker", "desktop", "docker.sock"));
        uid().ifPresent(uid -> sockets.add(Path.of("/run/user", uid, "docker.sock")));
        sockets.add(Path.of("/var/run/docker.sock"));
        for (Path socket : sockets) {
            if (Files.exists(socket)) {
                out.add(new Candidate("unix://" + socket, false, null));
            }
        }
        return out;
    }

    private static boolean on(String flag) {
        return flag != null && !flag.isBlank() && !flag.equals("0") && !flag.equalsIgnoreCase("false");
    }

    private static Path certs(String path, String home) {
        return path != null && !path.isBlank() ? Path.of(path) : Path.of(home, ".docker");
    }

    private static java.util.Optional<String> uid() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return java.util.Optional.of(String.valueOf(uid));
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    private void connect() {
        List<String> failures = new ArrayList<>();
        for (Candidate candidate : candidates()) {
            try {
                api = DockerApi.connect(Ssh.isSsh(candidate.host()) ? overSsh() : transport(candidate));
                return;
            } catch (IOException | RuntimeException e) {
                String why = candidate.host() + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                if (!failures.contains(why)) {
                    failures.add(why);
                }
            }
        }
        unreachable = failures.isEmpty() ? "no Docker socket found" : String.join("; ", failures).replace('\n', ' ');
        if (unreachable.length() > 200) {
            unreachable = unreachable.substring(0, 200) + "…";
        }
    }

    /** The API of an engine on another machine, through a socket ssh forwards for as long as this process runs. */
    private DockerApi.Transport overSsh() throws IOException {
        SshTunnels t = sshTunnels().orElseThrow(() -> new IOException("scale takes an ssh:// engine from DOCKER_HOST only"));
        DockerApi.Transport local = DockerApi.unix(t.apiSocket());
        return new DockerApi.Transport() {
            @Override
            public DockerApi.Connection open() throws IOException {
                return local.open();
            }

            @Override
            public String where() {
                return t.ssh().where();
            }
        };
    }

    private static DockerApi.Transport transport(Candidate candidate) throws IOException {
        String host = candidate.host();
        if (host.startsWith("unix://")) {
            Path socket = Path.of(host.substring("unix://".length()));
            if (!Files.exists(socket)) {
                throw new IOException("no such socket");
            }
            return DockerApi.unix(socket);
        }
        if (host.startsWith("tcp://")) {
            URI uri = URI.create(host);
            if (uri.getHost() == null) {
                throw new IOException("not a host:port address");
            }
            int port = uri.getPort() > 0 ? uri.getPort() : candidate.tls() ? 2376 : 2375;
            return DockerApi.tcp(uri.getHost(), port, candidate.tls() ? tls(candidate.certs()) : null);
        }
        int scheme = host.indexOf("://");
        throw new IOException("scale reaches an engine through unix://, tcp:// or ssh://, not " + (scheme > 0 ? host.substring(0, scheme + 3) : host));
    }

    /**
     * The TLS context for an engine behind {@code DOCKER_TLS_VERIFY}: the CA, certificate and key of the cert
     * directory ({@code ca.pem}, {@code cert.pem}, {@code key.pem}), read with docker-java's PEM support, the one
     * place scale still loads it: only for such an engine.
     */
    private static SSLContext tls(Path certs) throws IOException {
        try {
            return new org.testcontainers.shaded.com.github.dockerjava.core.LocalDirectorySSLConfig(certs.toString()).getSSLContext();
        } catch (Exception e) {
            throw new IOException("cannot read the TLS certificates in " + certs + " (" + e.getMessage() + ")", e);
        }
    }
}
