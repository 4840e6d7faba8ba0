package dev.scale.providers.kinds.redis;

import dev.scale.providers.BinaryCache;
import dev.scale.providers.EmbeddedRecipe;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * redis-server from embedded-redis's jar (one platform's binary, chosen at build time), configured to
 * listen on 127.0.0.1 only, with the instance's password and no persistence (no dump.rdb left behind).
 */
final class RedisEmbedded implements EmbeddedRecipe {
    private final String resource;

    RedisEmbedded() {
        Properties p = new Properties();
        try (InputStream in = RedisEmbedded.class.getResourceAsStream("binary.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        resource = p.getProperty("resource");
    }

    @Override
    public Optional<String> unavailable(Machine machine) {
        return resource == null || RedisEmbedded.class.getResource("/" + resource) == null
                ? Optional.of("this build of scale carries no embedded redis for " + BinaryCache.platform()
                        + "; start a Docker engine or use --provider docker")
                : Optional.empty();
    }

    @Override
    public String source() {
        return "redis-server " + version(null) + ", carried in scale's jar";
    }

    /** Major.minor only: embedded-redis's file names lag its binaries (the "6.2.6" file is a 6.2.11 server). */
    @Override
    public String version(Machine machine) {
        // e.g. redis-server-6.2.6-v5-linux-amd64
        String[] parts = (resource == null ? "redis-server-0-x" : resource).split("-");
        String[] numbers = parts.length > 2 ? parts[2].split("\\.") : new String[] {"unknown"};
        return numbers.length >= 2 ? numbers[0] + "." + numbers[1] : numbers[0];
    }

    @Override
    public List<String> prepare(Setup s) throws IOException {
        Path server = binaries(s.machine().binaries());
        String conf = String.join("\n",
                "port " + s.endpoint().port(), "bind 127.0.0.1", "protected-mode yes", "requirepass " + s.endpoint().password().reveal(),
                "save \"\"", "appendonly no", "dir " + quoteConf(s.dir().toString()), "daemonize no", "");
        Path file = s.dir().resolve("redis.conf");
        Files.writeString(Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                conf, StandardCharsets.UTF_8);
        return List.of(server.toString(), file.toString());
    }

    private Path binaries(BinaryCache cache) {
        Path dir = cache.unpacked("redis-" + version(null) + "-" + BinaryCache.platform(), "redis-server", tmp -> {
            try (InputStream in = resource == null ? null : RedisEmbedded.class.getResourceAsStream("/" + resource)) {
                if (in == null) {
                    throw BinaryCache.unsupported("redis-server");
                }
                Path target = tmp.resolve("redis-server");
                Files.copy(in, target);
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        });
        return dir.resolve("redis-server");
    }

    private static String quoteConf(String path) {
        return "\"" + path.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
