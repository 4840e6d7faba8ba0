package dev.scale.providers;

/**
 * How to reach a running datastore. The same shape for every provider: nothing above providers
 * knows whether this is a container, an embedded process or a managed service.
 *
 * @param database null where the kind has no database name (Redis)
 */
public record Endpoint(String host, int port, String username, Secret password, String database) {
}
