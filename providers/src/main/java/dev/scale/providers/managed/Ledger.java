package dev.scale.providers.managed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Dirs;
import dev.scale.providers.Owner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What scale keeps on this machine about each instance of one managed service ({@code state/managed/SERVICE/NAME.json},
 * 0600): what the service's API does not give back (a password it shows once, who made it, whether it was handed
 * over). Written as soon as the service made something, so that a start killed after that is an orphan gc deletes.
 */
public final class Ledger {
    public static final ObjectMapper JSON = new ObjectMapper();
    private final Path dir;
    /** Names whose start in this process is in progress: not yet theirs to list, and what Ctrl-C removes. */
    private final java.util.Set<String> starting = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public Ledger(Dirs dirs, String service) {
        this.dir = dirs.state().resolve("managed").resolve(service);
    }

    /** A new entry: name, times and this process as its maker, not yet handed over. */
    public static ObjectNode entry(String name, Instant created, Instant expires) {
        return JSON.createObjectNode().put("name", name).put("createdAt", created.toString()).put("expiresAt", expires.toString())
                .put("owner", Owner.current().toString()).put("handedOver", false);
    }

    /** Made by a scale process that died before handing it over. */
    public static boolean orphaned(JsonNode entry) {
        return !entry.path("handedOver").asBoolean()
                && Owner.parse(entry.path("owner").asText(null)).map(Owner::gone).orElse(false);
    }

    public static Instant createdAt(JsonNode entry) {
        return Instant.parse(entry.path("createdAt").asText());
    }

    public static Instant expiresAt(JsonNode entry) {
        return Instant.parse(entry.path("expiresAt").asText());
    }

    /** A start of {@code name} in this process began; {@link #started} when it ends, whichever way. */
    public void starting(String name) {
        starting.add(name);
    }

    public void started(String name) {
        starting.remove(name);
    }

    public boolean isStarting(String name) {
        return starting.contains(name);
    }

    public List<String> startsInProgress() {
        return List.copyOf(starting);
    }

    public boolean has(String name) {
        return Files.exists(file(name));
    }

    public List<String> names() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".json"))
                    .map(f -> f.substring(0, f.length() - 5)).sorted().toList();
        } catch (IOException e) {
            throw ScaleException.environment("cannot read " + dir + ": " + e.getMessage(), null, e);
        }
    }

    /** Empty when there is none, or it cannot be read (then the service's own listing still shows the instance). */
    public Optional<ObjectNode> read(String name) {
        try {
            return Files.exists(file(name)) && JSON.readTree(file(name).toFile()) instanceof ObjectNode o ? Optional.of(o) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Replaces the entry atomically, readable by its owner only: it holds a password. */
    public void write(String name, JsonNode entry) {
        try {
            Dirs.privateDir(dir);
            Path tmp = dir.resolve(name + ".json.tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(entry));
            Files.move(tmp, file(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw ScaleException.environment("cannot write " + file(name) + ": " + e.getMessage(),
                    "check free disk space, or move scale's state with SCALE_STATE_DIR", e);
        }
    }

    /** Removes the entry and its reaper's log. */
    public void delete(String name) {
        try {
            Files.deleteIfExists(file(name));
            Files.deleteIfExists(reaperLog(name));
        } catch (IOException e) {
            // left: gc finds it, and finds the service's side gone
        }
    }

    /** Where the instance's {@link Reaper} writes what its down said. */
    public Path reaperLog(String name) {
        return dir.resolve(name + ".reaper.log");
    }

    /** Marks the instance as the user's ({@code up} returned): its maker's end no longer makes it an orphan. */
    public void handOver(String name) {
        ObjectNode entry = read(name).orElseThrow(() -> ScaleException.failure("the ledger of " + name + " is gone", null));
        write(name, entry.put("handedOver", true));
    }

    private Path file(String name) {
        return dir.resolve(name + ".json");
    }
}
