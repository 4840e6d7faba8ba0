package dev.scale.providers.embedded;

import java.time.Instant;

/** What {@code instance.json} (mode 0600) holds for one embedded instance. */
record InstanceRecord(String name, String kind, String version, int port, String username, String password,
                      String database, Instant createdAt, Instant expiresAt) {
}
