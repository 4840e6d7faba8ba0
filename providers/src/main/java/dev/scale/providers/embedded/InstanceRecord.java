package dev.scale.providers.embedded;

import java.time.Instant;

/**
 * What {@code instance.json} (mode 0600) holds for one embedded instance.
 *
 * @param owner      the scale process that made it ({@link dev.scale.providers.Owner}), until handed over
 * @param handedOver whether {@code up} handed it to the user; null in records written before owners were kept
 */
record InstanceRecord(String name, String kind, String version, int port, String username, String password,
                      String database, Instant createdAt, Instant expiresAt, String owner, Boolean handedOver) {

    InstanceRecord withVersion(String serverVersion) {
        return new InstanceRecord(name, kind, serverVersion, port, username, password, database, createdAt, expiresAt, owner, handedOver);
    }

    InstanceRecord asHandedOver() {
        return new InstanceRecord(name, kind, version, port, username, password, database, createdAt, expiresAt, null, true);
    }

    /** Never handed over, and the process that made it is gone. */
    boolean orphaned() {
        return Boolean.FALSE.equals(handedOver) && dev.scale.providers.Owner.parse(owner).map(dev.scale.providers.Owner::gone).orElse(false);
    }
}
