package dev.scale.probes;

/**
 * What the ttl probe needs from one store beyond a {@link KvSession}: how many of its keys still physically
 * exist, and, where TTL is emulated, the sweep that deletes expired rows.
 */
public interface TtlStore {
    KvSession session() throws Exception;

    /** Called before the keys are written (a baseline for {@link #present}). */
    void before(String prefix) throws Exception;

    /** How many of the probe's keys still physically exist, without touching (and so expiring) them. */
    long present(String prefix) throws Exception;

    /** Deletes expired rows once (emulated TTL only); returns rows deleted. */
    long sweep() throws Exception;

    void cleanUp(String prefix) throws Exception;
}
