package dev.scale.providers.docker;

import com.github.dockerjava.api.DockerClient;
import dev.scale.providers.ScaleException;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.time.Duration;
import java.util.ArrayList;
import org.testcontainers.shaded.com.github.dockerjava.core.DefaultDockerClientConfig;
import org.testcontainers.shaded.com.github.dockerjava.core.DockerClientImpl;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.testcontainers.dockerclient.DockerClientProviderStrategy;
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
        List<Supplier<DockerClientProviderStrategy>> strategies = new ArrayList<>();
        if (env.containsKey("DOCKER_HOST") || System.getProperty("docker.host") != null) {
            // An engine the user named is the only one to use, as with the docker CLI.
            strategies.add(EnvironmentAndSystemPropertyClientProviderStrategy::new);
        } else {
            strategies.add(RootlessDockerClientProviderStrategy::new);
            strategies.add(UnixSocketClientProviderStrategy::new);
            strategies.add(DockerDesktopClientProviderStrategy::new);
        }
        List<String> failures = new ArrayList<>();
        for (Supplier<DockerClientProviderStrategy> make : strategies) {
            try {
                DockerClientProviderStrategy strategy = make.get();
                TransportConfig transport = strategy.getTransportConfig();
                DockerClient candidate = clientFor(transport);
                candidate.pingCmd().exec();
                client = candidate;
                return;
            } catch (Exception | LinkageError e) {
                String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
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
