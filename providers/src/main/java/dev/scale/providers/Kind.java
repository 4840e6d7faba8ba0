package dev.scale.providers;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a datastore is, independent of where it runs: its image, its ports, how to tell it is ready, its
 * connection contract (URL and environment variables), and how it runs as a local process, or why it
 * cannot. One implementation per datastore, each in its own package under {@code dev.scale.providers.kinds};
 * nothing outside that package knows a particular kind.
 */
public interface Kind {

    /** The name users type: {@code redis}, {@code postgres}. */
    String name();

    /** Other names accepted on the command line ({@code postgresql}, {@code pg}). */
    List<String> aliases();

    /** Whether {@code name}, as typed (any case), is this kind's name or one of its aliases. */
    default boolean answersTo(String name) {
        String wanted = name == null ? "" : name.toLowerCase(java.util.Locale.ROOT);
        return name().equals(wanted) || aliases().contains(wanted);
    }

    /** What it is, in a few words, for help texts and README's table: "key/value store with TTL". */
    String summary();

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

    /** Whether clients must log in; false gives instances no password (memcached's text protocol has none). */
    default boolean authenticates() {
        return true;
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

    /**
     * The official image's entrypoint, for where scale cannot ask the image (a Kubernetes pod runs the kind's prelude,
     * then this, with {@link #containerCommand}); the Docker provider reads the image's own.
     */
    default List<String> imageEntrypoint() {
        return List.of("docker-entrypoint.sh");
    }

    /** Memory a laptop-sized server of this kind needs, in MiB: a Kubernetes pod's request and limit. */
    default int memoryMiB() {
        return 256;
    }

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

    /**
     * Removes everything the endpoint's user made in it, for a server scale can reach but no API can delete (Neon's
     * claimable databases): the data goes at once, the empty server at the service's own expiry.
     * @throws UnsupportedOperationException where the kind cannot
     */
    default void empty(Endpoint endpoint) throws Exception {
        throw new UnsupportedOperationException(name() + " cannot be emptied by scale");
    }

    /**
     * A fresh database in the server, with a login of its own that owns it and a random password: {@code scale db new}.
     * @param from the database it is a copy of; null for an empty one
     * @return how to reach it as its own login
     * @throws UnsupportedOperationException where the kind has no databases to make
     */
    default Endpoint newDatabase(Endpoint admin, String database, String from) throws Exception {
        throw new UnsupportedOperationException(name() + " has no databases to make");
    }

    /** Removes a database {@link #newDatabase} made, and its login. */
    default void dropDatabase(Endpoint admin, String database) throws Exception {
        throw new UnsupportedOperationException(name() + " has no databases to remove");
    }

    String url(Endpoint endpoint);

    /** The connection contract's environment variables, unprefixed, in a stable order. */
    Map<String, String> env(Endpoint endpoint);

    /** The URL schemes that address this kind's servers ({@code redis}, {@code postgresql}), first the one {@link #url} writes. */
    List<String> urlSchemes();

    /** An example URL for error messages and help: {@code redis://default:PASSWORD@HOST:6379/0}. */
    String urlExample();

    /**
     * The endpoint a URL of one of {@link #urlSchemes} names, with this kind's defaults for what it leaves out
     * (port, user, database).
     * @throws dev.scale.errors.ScaleException a usage error when the URL lacks what this kind needs
     */
    Endpoint endpointOf(URI url);

    /**
     * How a server of this kind is prepared once and copied per instance, or null where it is not: its data made
     * once (PostgreSQL's {@code initdb}, most of its start-up) and then copied, for each instance, by the provider
     * (a data directory in scale's cache, an image committed on the Docker engine).
     */
    default Template template() {
        return null;
    }

    /**
     * The kind's part of starting from a template: where the data lives in a container, and how a server started
     * from it gets the instance's own password. A template's server answers with the template's password until
     * {@link #adopt} replaces it, on 127.0.0.1 only, before the instance is handed to anyone.
     */
    interface Template {
        /** Changes whenever what a template holds changes: a template of another format is never used. */
        String format();

        /** Environment for a container that prepares the template, so that its data lands outside any volume. */
        Map<String, String> containerEnv();

        /** A file that exists in a container's file system once the template's data is made there, outside any volume. */
        String dataFile();

        /** Dockerfile-style changes for the image committed from it ({@code ENV PGDATA=...}). */
        List<String> imageChanges();

        /** Gives the server, answering to the template's login, the instance's own password; the template's stops working. */
        void adopt(Endpoint templateLogin, Secret password) throws Exception;
    }

    /** How this kind runs as a replicated topology ({@code up --replicas}), or null where scale cannot run it so. */
    default Topology.Replication replication() {
        return null;
    }

    /** How this kind runs as a process on this machine, with no Docker; {@link EmbeddedRecipe#none} says why it cannot. */
    EmbeddedRecipe embedded();
}
