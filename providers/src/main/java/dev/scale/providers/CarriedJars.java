package dev.scale.providers;

import dev.scale.errors.ScaleException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A server written in Java that scale carries as its jars, in a folder of resources beside a class of scale's own (in
 * its jar, or a classes directory), never on scale's class path: unpacked once into the cache, in a directory named
 * after the set of jars (their names carry their versions), so another build's set is never used.
 *
 * @param anchor  the class the folder is beside
 * @param folder  the folder's name, relative to the anchor's package ({@code qpid/})
 * @param product what it is, for the cache directory's name and for errors ({@code qpid-broker-j-9.2.0})
 * @param marker  a jar that must be among them ({@code qpid-broker-9.2.0.jar}): its absence means this build carries none
 */
public record CarriedJars(Class<?> anchor, String folder, String product, String marker) {
    /** The jar names per folder, read once per process: reading them opens scale's jar (its whole central directory). */
    private static final java.util.Map<String, List<String>> NAMES = new ConcurrentHashMap<>();

    /** Whether this build carries them at all. */
    public boolean present() {
        return anchor.getResource(folder + marker) != null;
    }

    /** The directory in the cache that holds the jars, unpacked the first time. */
    public Path unpacked(BinaryCache cache) throws IOException {
        List<String> carried = names();
        String set = Integer.toHexString(String.join(",", carried.stream().sorted().toList()).hashCode());
        return cache.unpacked(product + "-" + set, "lib/" + marker, tmp -> {
            Path lib = Files.createDirectories(tmp.resolve("lib"));
            for (String name : carried) {
                try (InputStream in = anchor.getResourceAsStream(folder + name)) {
                    if (in == null) {
                        throw BinaryCache.unsupported(product);
                    }
                    Files.copy(in, lib.resolve(name));
                }
            }
        }).resolve("lib");
    }

    private List<String> names() throws IOException {
        String prefix = anchor.getPackageName().replace('.', '/') + "/" + folder;
        List<String> known = NAMES.get(prefix);
        if (known == null) {
            known = List.copyOf(read(prefix));
            NAMES.put(prefix, known);
        }
        return known;
    }

    /** The jar files in the folder, read from where the anchor was loaded: scale's jar, or a classes directory. */
    private List<String> read(String prefix) throws IOException {
        Path from;
        try {
            from = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            throw new IOException("cannot tell where scale's classes are: " + e.getMessage(), e);
        }
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(from)) {
            try (var list = Files.list(from.resolve(prefix))) {
                list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).forEach(names::add);
            }
        } else {
            try (ZipFile zip = new ZipFile(from.toFile())) {
                zip.stream().map(ZipEntry::getName).filter(n -> n.startsWith(prefix) && n.endsWith(".jar") && n.indexOf('/', prefix.length()) < 0)
                        .forEach(n -> names.add(n.substring(prefix.length())));
            }
        }
        if (names.isEmpty()) {
            throw ScaleException.environment("this build of scale carries no " + product, "use --provider docker", null);
        }
        return names;
    }
}
