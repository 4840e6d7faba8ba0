package dev.scale.providers;

import java.time.Duration;

/**
 * What the user asked for: one instance of a kind.
 *
 * @param version the version asked for, or null for the kind's default
 * @param image   an image the user named for this instance (Docker only), or null
 */
public record Spec(String name, Kind kind, String version, String image, Duration ttl) {
    public String versionOrDefault() {
        return version == null ? kind.defaultVersion() : version;
    }
}
