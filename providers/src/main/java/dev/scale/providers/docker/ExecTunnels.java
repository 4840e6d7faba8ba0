package dev.scale.providers.docker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.scale.providers.Forwarders;
import dev.scale.providers.SharedForwarders;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tunnels to the containers of a TLS {@code tcp://} engine on another machine, which has no SSH to forward
 * through: the engine's own API carries the bytes. One detached {@link ExecForwarder} JVM per engine listens on
 * this machine's 127.0.0.1 at each container's published port numbers and, per connection, runs a relay in the
 * container ({@code docker exec -i}, bash's {@code /dev/tcp} to the server's own port on the container's loopback), so
 * every byte travels in the engine's TLS connection, checked against DOCKER_CERT_PATH's certificates as the API calls
 * are. Recorded, started again and stopped per container as the SSH forwarders are ({@link SharedForwarders}).
 * <p>
 * What it needs of the image: bash, as every official image scale runs has (Debian, Ubuntu); an image without one
 * refuses the relay, and its connections close at once.
 */
final class ExecTunnels implements PortTunnels {
    private final DockerEngine engine;
    private final String where;
    private final SharedForwarders forwarders;

    ExecTunnels(DockerEngine engine, Map<String, String> env, String where, Path stateDir) {
        this.engine = engine;
        this.where = where;
        Path records = stateDir.resolve("tunnels").resolve(where.replaceAll("[^A-Za-z0-9._@-]", "_"));
        Map<String, String> environment = new LinkedHashMap<>();
        for (String name : List.of("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "HOME")) {
            if (env.get(name) != null) {
                environment.put(name, env.get(name));
            }
        }
        this.forwarders = new SharedForwarders(records, Forwarders.java(ExecForwarder.class, List.of(records.toString())), environment,
                "the relay through " + where);
    }

    @Override
    public String where() {
        return where;
    }

    @Override
    public void forward(String container, List<Integer> ports, Instant until) {
        // the container's own port behind each published one: the relay connects to it inside the container
        Map<Integer, Integer> inside = new LinkedHashMap<>();
        JsonNode published = engine.api().inspect(container).path("NetworkSettings").path("Ports");
        published.fields().forEachRemaining(e -> e.getValue().forEach(binding -> {
            int host = binding.path("HostPort").asInt(0);
            if (ports.contains(host)) {
                inside.put(host, Integer.parseInt(e.getKey().replaceFirst("/.*", "")));
            }
        }));
        List<Forwarders.Port> wanted = new ArrayList<>();
        ports.stream().filter(inside::containsKey).forEach(p -> wanted.add(new Forwarders.Port(p, inside.get(p))));
        forwarders.forward(container, wanted, until);
    }

    @Override
    public SharedForwarders forwarders() {
        return forwarders;
    }
}
