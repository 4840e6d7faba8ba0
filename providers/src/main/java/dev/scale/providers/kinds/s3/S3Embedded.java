package dev.scale.providers.kinds.s3;

import dev.scale.providers.CarriedJars;
import dev.scale.providers.EmbeddedRecipe;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * With no Docker engine, S3Proxy with its filesystem backend, from the jars the module embedded-s3 carries (never on
 * scale's class path), unpacked once into the cache and run by the JVM that runs scale, as a process of its own, with
 * the launcher that module compiles. Per instance: the objects under its directory ({@code data/}, the bucket a folder
 * made before the start), one key and its secret in a 0600 settings file, never in an argument, and 127.0.0.1 only.
 */
final class S3Embedded implements EmbeddedRecipe {
    static final String S3PROXY_VERSION = "2.6.0";
    private static final Class<?> ANCHOR = dev.scale.embedded.s3.Carried.class;
    private static final String LAUNCHER = "dev.scale.embedded.s3.S3ProxyLauncher";
    private static final CarriedJars JARS = new CarriedJars(ANCHOR, "lib/", "s3proxy-" + S3PROXY_VERSION, "s3proxy-" + S3PROXY_VERSION + ".jar");

    @Override
    public Optional<String> unavailable(Machine machine) {
        return JARS.present() ? Optional.empty()
                : Optional.of("this build of scale carries no embedded S3 server; start a Docker engine and use --provider docker");
    }

    @Override
    public String source() {
        return "S3Proxy " + S3PROXY_VERSION + " (filesystem-nio2 backend), carried in scale's jar, run by scale's Java";
    }

    @Override
    public String version(Machine machine) {
        return S3PROXY_VERSION;
    }

    @Override
    public List<String> prepare(Setup s) throws IOException {
        Path lib = JARS.unpacked(s.machine().binaries());
        Path classes = launcher(lib.getParent());
        Path data = Files.createDirectories(s.dir().resolve("data"));
        Files.createDirectories(data.resolve(s.endpoint().database())); // the bucket: a directory of the filesystem backend
        Path settings = s.dir().resolve("s3proxy.properties");
        Files.writeString(Files.createFile(settings, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                "port=" + s.endpoint().port() + "\nbasedir=" + data + "\nidentity=" + s.endpoint().username()
                        + "\ncredential=" + s.endpoint().password().reveal() + "\n", StandardCharsets.UTF_8);
        Path tmp = Files.createDirectories(s.dir().resolve("tmp"));
        String javaCommand = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(javaCommand, "-Xms16m", "-Xmx128m", "-XX:+UseSerialGC", "-XX:-UsePerfData",
                "-Djava.net.preferIPv4Stack=true", "-Djava.io.tmpdir=" + tmp,
                "-cp", lib.resolve("*") + java.io.File.pathSeparator + classes, LAUNCHER, settings.toString());
    }

    /**
     * The launcher's class file beside the jars, in a directory named after its bytes: a build with another launcher
     * never runs this one's.
     */
    private static Path launcher(Path unpacked) throws IOException {
        String resource = LAUNCHER.replace('.', '/') + ".class";
        byte[] bytes;
        try (InputStream in = ANCHOR.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("this build of scale carries no S3 launcher");
            }
            bytes = in.readAllBytes();
        }
        Path dir = unpacked.resolve("launcher-" + HexFormat.of().toHexDigits(java.util.Arrays.hashCode(bytes)));
        Path file = dir.resolve(resource);
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            Path partial = Files.createTempFile(file.getParent(), "launcher", ".tmp");
            Files.write(partial, bytes);
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
        }
        return dir;
    }
}
