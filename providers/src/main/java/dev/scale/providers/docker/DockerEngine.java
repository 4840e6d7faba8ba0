package dev.scale.providers.docker;

import com.github.dockerjava.api.DockerClient;
import dev.scale.errors.ScaleException;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.time.Duration;
import java.util.ArrayList;
import org.testcontainers.shaded.com.github.dockerjava.core.DefaultDockerClientConfig;
import org.testcontainers.shaded.com.github.dockerjava.core.DockerClientImpl;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.testcontainers.dockerclient.DockerDesktopClientProviderStrategy;
import org.testcontainers.dockerclient.EnvironmentAndSystemPropertyClientProviderStrategy;
import org.testcontainers.dockerclient.RootlessDockerClientProviderStrategy;
import org.testcontainers.dockerclient.TransportConfig;
import org.testcontainers.dockerclient.UnixSocketClientProviderStrategy;

/**
 * Finds a Docker engine the way Testcontainers does ({@code DOCKER_HOST} and Testcontainers' own
 * settings first, then the rootless socket, the default socket, Docker Desktop's socket), using
 * Testcontainers' strategies directly rather than {@code DockerClientFactory}, which would write
 * {@code ~/.testcontainers.properties}.
 */
public final class DockerEngine {
    public static final String HOW_TO_GET_ONE =
            "start a Docker engine (or set DOCKER_HOST), or use --provider embedded";

    private final Map<String, String> env;
    private DockerClient client;
    private String unreachable;

    public DockerEngine(Map<String, String> env) {
        this.env = env;
    }

    /** The engine's client, or an environment error (exit 3) saying how to get one. */
    public synchronized DockerClient client() {
        if (client == null && unreachable == null) {
            connect();
        }
        if (client == null) {
            throw ScaleException.environment("no Docker engine is reachable (" + unreachable + ")", HOW_TO_GET_ONE, null);
        }
        return client;
    }

    /** Whether an engine answers a ping; never throws. */
    public boolean reachable() {
        try {
            client();
            return true;
        } catch (ScaleException e) {
            return false;
        }
    }

    /**
     * A plain docker-java client for the transport. Not Testcontainers' {@code getClientForConfig}: its auth
     * delegate initialises {@code DockerClientFactory}, which persists its choice in the user's home.
     * Registry credentials still come from {@code ~/.docker/config.json} through docker-java's defaults.
     */
    private static DockerClient clientFor(TransportConfig transport) {
        DockerHttpClient http = new ZerodepDockerHttpClient.Builder()
                .dockerHost(transport.getDockerHost())
                .sslConfig(transport.getSslConfig())
                .connectionTimeout(Duration.ofSeconds(5))
                .build();
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(transport.getDockerHost().toString())
                .build();
        return DockerClientImpl.getInstance(config, http);
    }

    @SuppressWarnings("deprecation")
    private void connect() {
        List<Supplier<TransportConfig>> strategies = new ArrayList<>();
        String dockerHost = env.get("DOCKER_HOST");
        if (dockerHost != null && !dockerHost.isBlank()) {
            // An engine the user named is the only one to use, as with the docker CLI. Read from scale's
            // environment rather than the process's, so that what scale was given is what it uses.
            strategies.add(() -> {
                DefaultDockerClientConfig.Builder named = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(dockerHost);
                if (env.get("DOCKER_TLS_VERIFY") != null) {
                    named.withDockerTlsVerify(env.get("DOCKER_TLS_VERIFY"));
                }
                if (env.get("DOCKER_CERT_PATH") != null) {
                    named.withDockerCertPath(env.get("DOCKER_CERT_PATH"));
                }
                DefaultDockerClientConfig config = named.build();
                return TransportConfig.builder().dockerHost(config.getDockerHost()).sslConfig(config.getSSLConfig()).build();
            });
        } else {
            EnvironmentAndSystemPropertyClientProviderStrategy configured = new EnvironmentAndSystemPropertyClientProviderStrategy();
            if (configured.isApplicable()) {  // docker.host in Testcontainers' own settings
                strategies.add(configured::getTransportConfig);
            }
            strategies.add(() -> new RootlessDockerClientProviderStrategy().getTransportConfig());
            strategies.add(() -> new UnixSocketClientProviderStrategy().getTransportConfig());
            strategies.add(() -> new DockerDesktopClientProviderStrategy().getTransportConfig());
        }
        List<String> failures = new ArrayList<>();
        for (Supplier<TransportConfig> strategy : strategies) {
            String where = "";
            try {
                TransportConfig transport = strategy.get();
                where = transport.getDockerHost() + ": ";
                DockerClient candidate = clientFor(transport);
                candidate.pingCmd().exec();
                client = candidate;
                return;
            } catch (Exception | LinkageError e) {
                Throwable root = e;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                String why = where + (root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage());
                if (!failures.contains(why)) {
                    failures.add(why);
                }
            }
        }
        unreachable = failures.isEmpty() ? "none found" : String.join("; ", failures).replace('\n', ' ');
        if (unreachable.length() > 200) {
            unreachable = unreachable.substring(0, 200) + "…";
        }
    }
}
