package dev.scale.providers;

import java.time.Duration;
import java.time.Instant;

/**
 * A datastore scale started. Its truth lives where it runs (container labels, an embedded record),
 * so any scale process can rebuild this value.
 */
public record Instance(
        String name,
        Kind kind,
        String version,
        String provider,
        Endpoint endpoint,
        Instant createdAt,
        Instant expiresAt,
        State state) {

    public enum State {
        /** Answering, or at least its process or container is running. */
        RUNNING,
        /** Its process or container is gone, but something of it is left for `down` to remove. */
        DEAD,
        /** Running, but the scale process that made it died before handing it over: nobody will remove it but gc or its TTL. */
        ORPHANED
    }

    public String url() {
        return kind.url(endpoint);
    }

    public boolean expired(Instant now) {
        return !now.isBefore(expiresAt);
    }

    public Duration timeLeft(Instant now) {
        Duration left = Duration.between(now, expiresAt);
        return left.isNegative() ? Duration.ZERO : left;
    }
}
