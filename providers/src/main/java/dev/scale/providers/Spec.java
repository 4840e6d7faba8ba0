package dev.scale.providers;

import java.time.Duration;

/**
 * What the user asked for: one instance of a kind.
 *
 * @param version the version asked for, or null for the kind's default
 * @param image   an image the user named for this instance (Docker only), or null
 * @param topology replicas and watchers ({@code up --replicas}), or null for one server
 */
public record Spec(String name, Kind kind, String version, String image, Duration ttl, Topology topology) {
    public Spec(String name, Kind kind, String version, String image, Duration ttl) {
        this(name, kind, version, image, ttl, null);
    }

    public Spec named(String other) {
        return new Spec(other, kind, version, image, ttl, topology);
    }

    public String versionOrDefault() {
        return version == null ? kind.defaultVersion() : version;
    }
}
