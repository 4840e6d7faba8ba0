package dev.scale.providers;

import java.util.Map;

/**
 * How to reach a running datastore. The same shape for every provider: nothing above providers
 * knows whether this is a container, an embedded process or a managed service.
 *
 * @param port     the port clients connect to first (Couchbase: key/value)
 * @param database null where the kind has no database name (Redis); Couchbase: the bucket
 * @param ports    a kind's other services by name, as reachable from here (Couchbase: mgmt, n1ql); empty for one-port kinds
 */
public record Endpoint(String host, int port, String username, Secret password, String database, Map<String, Integer> ports) {

    public Endpoint {
        ports = ports == null ? Map.of() : Map.copyOf(ports);
    }

    public Endpoint(String host, int port, String username, Secret password, String database) {
        this(host, port, username, password, database, Map.of());
    }
}
