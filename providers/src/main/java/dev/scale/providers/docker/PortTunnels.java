package dev.scale.providers.docker;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * How containers on an engine on another machine are reached from this one: each container publishes its ports on
 * that machine's 127.0.0.1 only, and a detached forwarder of its own ({@link dev.scale.providers.Forwarders}) makes
 * them reachable on this machine's 127.0.0.1 at the same port numbers, so every address in the connection contract
 * reads the same on both sides. Over SSH ({@link SshTunnels}), or through the engine's API itself for a TLS
 * {@code tcp://} engine ({@link ExecTunnels}).
 */
interface PortTunnels {
    /** The engine, as DOCKER_HOST says it. */
    String where();

    /** Forwards the container's published ports, unless its forwarder already runs; the forwarder ends at {@code until}. */
    void forward(String container, List<Integer> ports, Instant until);

    /** The containers' forwarders, as recorded. */
    dev.scale.providers.Forwarding forwarders();

    /** Stops a container's forwarder, if any, and forgets it. */
    default void close(String container) {
        forwarders().close(container);
    }

    /** Stops the forwarders of containers not in {@code existing}: what a removal outside scale, or a crash, left. */
    default List<String> retainOnly(Set<String> existing) {
        return forwarders().retainOnly(existing);
    }
}
