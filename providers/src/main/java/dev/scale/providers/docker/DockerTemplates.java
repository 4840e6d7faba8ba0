package dev.scale.providers.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Dirs;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Kind;
import dev.scale.providers.Owner;
import dev.scale.providers.Secret;
import dev.scale.providers.Wait;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Images of initialised servers, committed on the engine once per source image and kind format, so that an
 * instance starts from data that exists instead of running the image's initialisation (PostgreSQL's initdb: most
 * of its three seconds). Each template's password is kept in scale's cache (0600), never in the image; an instance
 * started from it is given its own password before anyone gets it ({@link Kind.Template#adopt}).
 *
 * <p>A template is found by labels: the source image's id and the kind's template format, so a template of another
 * server version or another format is never used. {@code scale cache clear} removes the images and the passwords.
 */
final class DockerTemplates {
    static final String TEMPLATE = DockerProvider.LABEL + ".template";
    static final String OF = TEMPLATE + ".of";
    static final String FORMAT = TEMPLATE + ".format";
    /** Set on the container that prepares a template: never an instance, removed once the image is committed. */
    static final String MAKER = TEMPLATE + ".maker";
    private static final Object MAKING = new Object();

    /** A template image and the password its server answers with until adopted. */
    record Prepared(String image, Secret password) {
    }

    private final Path passwords;

    DockerTemplates(Path cacheDir) {
        this.passwords = cacheDir.resolve("templates").resolve("docker");
    }

    /** The template for this source image and kind, when one was committed and its password is still in the cache. */
    Optional<Prepared> find(DockerApi docker, Kind kind, String sourceId) {
        for (JsonNode image : docker.imagesLabelled(OF + "=" + sourceId)) {
            String id = image.path("Id").asText();
            if (!kind.template().format().equals(image.path("Labels").path(FORMAT).asText())) {
                continue;
            }
            Optional<Secret> password = password(id);
            if (password.isPresent()) {
                return Optional.of(new Prepared(id, password.get()));
            }
            try {
                docker.removeImage(id); // its password is gone (cache cleared): nothing can log in to a copy of it
            } catch (RuntimeException inUse) {
                // an instance still runs from it; it goes with the next cache clear
            }
        }
        return Optional.empty();
    }

    /**
     * Runs the source image once with the template's settings, stops its server cleanly, and commits what it made.
     * @param entrypoint the wrapper and the source image's own entrypoint, as an instance runs them
     */
    /** How this machine reaches a maker's published port: as it is on a local engine; through a forwarder on a remote one. */
    interface Reach {
        void open(String id, int port);

        void close(String id);
    }

    Prepared make(DockerApi docker, Kind kind, JsonNode sourceInfo, String sourceId, List<String> entrypoint, Map<String, String> env,
                  Secret password, Reach reach) {
        synchronized (MAKING) {
            Optional<Prepared> made = find(docker, kind, sourceId);
            if (made.isPresent()) {
                return made.get(); // another thread of this up made it meanwhile
            }
            removeAbandonedMakers(docker);
            List<String> makerEnv = new java.util.ArrayList<>();
            env.forEach((k, v) -> makerEnv.add(k + "=" + v));
            kind.template().containerEnv().forEach((k, v) -> makerEnv.add(k + "=" + v));
            ObjectNode body = DockerProvider.containerBody(sourceId, Map.of(MAKER, "true", DockerProvider.OWNER, Owner.current().toString()),
                    makerEnv, entrypoint, kind.containerCommand(), List.of(kind.containerPort()));
            body.put("StopSignal", "SIG" + kind.stopSignal());
            String id = docker.create("scale-template-" + kind.name() + "-" + Long.toHexString(System.nanoTime()), body);
            try {
                docker.start(id);
                JsonNode info = docker.inspect(id);
                Endpoint login = new Endpoint("127.0.0.1", DockerProvider.boundPort(info, kind.containerPort()), kind.defaultUsername(), password, kind.defaultDatabase());
                reach.open(id, login.port());
                Wait.until(System.nanoTime() + kind.startTimeout().toNanos(), kind.name() + " template", () -> {
                    if (!docker.inspect(id).path("State").path("Running").asBoolean()) {
                        throw ScaleException.failure("its container stopped: " + docker.logTail(id, 3), null);
                    }
                    return kind.probe(login);
                });
                docker.stop(id, 30);
                long exit = docker.await(id);
                if (exit != 0) {
                    throw ScaleException.failure("its server did not stop cleanly (exit " + exit + "): " + docker.logTail(id, 3), null);
                }
                if (!docker.exists(id, kind.template().dataFile())) {
                    // an image that ignores the template's settings initialised its data elsewhere (a volume): not committed
                    throw ScaleException.failure("the image keeps no " + kind.template().dataFile() + " outside its volumes", null);
                }
                ObjectNode config = DockerApi.JSON.createObjectNode();
                config.putArray("Env").add("SCALE_PASSWORD=");  // the template's password stays in scale's cache only
                for (String field : List.of("Entrypoint", "Cmd")) {
                    if (sourceInfo.path("Config").path(field).isArray()) {
                        config.set(field, sourceInfo.path("Config").path(field)); // the source image's, not scale's wrapper
                    }
                }
                ObjectNode imageLabels = config.putObject("Labels");
                imageLabels.put(TEMPLATE, "true");
                imageLabels.put(OF, sourceId);
                imageLabels.put(FORMAT, kind.template().format());
                String image = docker.commit(id, "scale-template/" + kind.name(), tag(sourceId, kind), kind.template().imageChanges(), config);
                keep(image, password);
                return new Prepared(image, password);
            } catch (Wait.TimedOut e) {
                throw ScaleException.failure("its server did not answer (" + e.lastReason() + ")", e);
            } finally {
                reach.close(id);
                try {
                    docker.remove(id);
                } catch (RuntimeException gone) {
                    // removed already
                }
            }
        }
    }

    private static String tag(String sourceId, Kind kind) {
        String hex = sourceId.replaceFirst("^sha256:", "");
        return hex.substring(0, Math.min(12, hex.length())) + "-" + kind.template().format();
    }

    /** Makers whose scale process died before removing them (killed while it prepared a template). */
    private static void removeAbandonedMakers(DockerApi docker) {
        for (JsonNode c : docker.containers(Map.of(MAKER, "true"), null)) {
            boolean gone = Owner.parse(c.path("Labels").path(DockerProvider.OWNER).asText(null)).map(Owner::gone).orElse(true);
            if (gone) {
                try {
                    docker.remove(c.path("Id").asText());
                } catch (RuntimeException already) {
                    // another process cleaned it
                }
            }
        }
    }

    /** Removes every template image on the engine (the passwords go with scale's cache); how many images went. */
    int clear(DockerApi docker) {
        removeAbandonedMakers(docker);
        int removed = 0;
        for (JsonNode image : docker.imagesLabelled(TEMPLATE + "=true")) {
            try {
                docker.removeImage(image.path("Id").asText());
                removed++;
            } catch (DockerApi.NotFound gone) {
                // removed meanwhile
            } catch (DockerApi.Conflict inUse) {
                // an instance runs from it: its password is gone below, so no new instance will; the next clear removes it
            }
        }
        return removed;
    }

    private Path file(String imageId) {
        return passwords.resolve(imageId.replaceFirst("^sha256:", "") + ".password");
    }

    private Optional<Secret> password(String imageId) {
        try {
            return Optional.of(Secret.of(Files.readString(file(imageId), StandardCharsets.UTF_8).strip()));
        } catch (IOException missing) {
            return Optional.empty();
        }
    }

    private void keep(String imageId, Secret password) {
        try {
            Dirs.privateDir(passwords);
            Path tmp = Files.createTempFile(passwords, ".password-", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, password.reveal(), StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
            Files.move(tmp, file(imageId), java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw ScaleException.environment("cannot keep the template's password in " + passwords + ": " + e.getMessage(),
                    "check free disk space and permissions, or move the cache with XDG_CACHE_HOME", e);
        }
    }
}
