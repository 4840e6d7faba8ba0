package dev.scale.providers;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a datastore is, independent of where it runs: its image, its port, how to tell it is ready,
 * and its connection contract (URL and environment variables).
 */
public sealed interface Kind permits RedisKind, PostgresKind, CouchbaseKind {

    /** The name users type: {@code redis}, {@code postgres}. */
    String name();

    /** Other names accepted on the command line ({@code postgresql}, {@code pg}). */
    List<String> aliases();

    String defaultVersion();

    /** The official image for a version, e.g. {@code redis:7.4}. */
    String officialImage(String version);

    /** The port clients connect to first; it becomes {@link Endpoint#port()}. */
    int containerPort();

    /** Other ports the kind serves on, by name (Couchbase: mgmt 8091, n1ql 8093); published like the main one. */
    default Map<String, Integer> servicePorts() {
        return Map.of();
    }

    /**
     * Set-up a fresh server needs before it can take clients (Couchbase: cluster, admin user, bucket),
     * run once after the container started; nothing for kinds whose image does it from its environment.
     *
     * @param containerAddress the container's own address on Docker's network
     * @param deadline         {@link System#nanoTime()} by which it must be done
     */
    default void initialize(Endpoint endpoint, String containerAddress, long deadline, Progress progress, String instanceName) throws Exception {
    }

    /** The user a new instance is created with; null where the kind has none. */
    String defaultUsername();

    /** The database a new instance is created with; null where the kind has none. */
    String defaultDatabase();

    /** Environment for the official image's entrypoint to create the user, password and database. */
    Map<String, String> containerEnv(Endpoint endpoint);

    /** Arguments for the official image (after its entrypoint); may read {@code SCALE_PASSWORD}. */
    List<String> containerCommand();

    /**
     * Shell lines run inside the container before the image's entrypoint, with the secret in
     * {@code $SCALE_PASSWORD}: they keep the password out of every process's arguments.
     */
    String containerPrelude();

    /** The signal that shuts the server down promptly and cleanly. */
    String stopSignal();

    /** How long a healthy start may take before scale gives up. */
    Duration startTimeout();

    /**
     * One real client request with authentication (Redis {@code PING}, PostgreSQL {@code SELECT 1}).
     * @return the server's own version string
     * @throws Exception when the server does not answer correctly yet
     */
    String probe(Endpoint endpoint) throws Exception;

    String url(Endpoint endpoint);

    /** The connection contract's environment variables, unprefixed, in a stable order. */
    Map<String, String> env(Endpoint endpoint);
}
