package dev.scale.providers.kinds.rabbitmq;

import dev.scale.errors.ScaleException;
import dev.scale.providers.BinaryCache;
import dev.scale.providers.EmbeddedRecipe;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * With no Docker engine, a real AMQP 0-9-1 broker: Apache Qpid Broker-J, whose jars scale carries (providers' pom
 * copies them beside this class, never onto scale's class path), unpacked once into the cache and run by the JVM
 * that runs scale, as a process of its own. Per instance: its work directory (Derby message store, the broker's
 * own configuration) in the instance's directory, one user {@code scale} whose password is in a 0600 properties
 * file (never in an argument), AMQP 0-9-1 only, on 127.0.0.1 only, no management port. It is not RabbitMQ: the
 * version it reports says {@code qpid-}, and what RabbitMQ alone has (its management API, streams, quorum queues)
 * is not there. Its configuration (qpid-config.json) brings it closer where it can: a port it cannot bind fails the
 * start instead of a broker that listens on nothing; a rejected or nacked message without requeue is dropped, as
 * RabbitMQ does, not redelivered; RabbitMQ's own queue arguments (x-message-ttl, …) are accepted and logged, not
 * enforced, instead of closing the connection; and messages keep their order on a durable queue whatever their
 * persistence (so a transient message on a durable queue also outlives a restart, which RabbitMQ's would not).
 */
final class RabbitmqEmbedded implements EmbeddedRecipe {
    static final String QPID_VERSION = "9.2.0";
    /** Where the broker's jars are, beside this class. */
    private static final String JARS = "qpid/";

    @Override
    public Optional<String> unavailable(Machine machine) {
        return RabbitmqEmbedded.class.getResource(JARS + "qpid-broker-" + QPID_VERSION + ".jar") == null
                ? Optional.of("this build of scale carries no embedded AMQP broker; start a Docker engine and use --provider docker")
                : Optional.empty();
    }

    @Override
    public String source() {
        return "Apache Qpid Broker-J " + QPID_VERSION + " (AMQP 0-9-1), carried in scale's jar, run by scale's Java";
    }

    @Override
    public String version(Machine machine) {
        return "qpid-" + QPID_VERSION;
    }

    @Override
    public List<String> prepare(Setup s) throws IOException {
        Path lib = jars(s.machine().binaries());
        Path config = s.dir().resolve("qpid-config.json");
        try (InputStream in = RabbitmqEmbedded.class.getResourceAsStream("qpid-config.json")) {
            Files.write(config, in.readAllBytes());
        }
        Path secret = s.dir().resolve("broker.properties");
        Files.writeString(Files.createFile(secret, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                "scale.password=" + s.endpoint().password().reveal() + "\n", StandardCharsets.UTF_8);
        Path work = Files.createDirectories(s.dir().resolve("work"));
        Path tmp = Files.createDirectories(s.dir().resolve("tmp"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "-Xms8m", "-Xmx64m", "-XX:MaxDirectMemorySize=256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                "-Djava.net.preferIPv4Stack=true", "-Djava.io.tmpdir=" + tmp, "-Dqpid.work_dir=" + work, "-Duser.dir=" + s.dir(),
                "-cp", lib.resolve("*").toString(), "org.apache.qpid.server.Main",
                "--initial-config-path", config.toString(), "-props", secret.toString(),
                "-prop", "qpid.amqp_port=" + s.endpoint().port());
    }

    /**
     * The broker's jars in the cache, unpacked from scale's jar (or its classes directory) the first time, in a
     * directory named after the set of jars (their names carry their versions): another build's set is never used.
     */
    private static Path jars(BinaryCache cache) throws IOException {
        List<String> carried = carried();
        String set = Integer.toHexString(String.join(",", carried.stream().sorted().toList()).hashCode());
        return cache.unpacked("qpid-broker-j-" + QPID_VERSION + "-" + set, "lib/qpid-broker-" + QPID_VERSION + ".jar", tmp -> {
            Path lib = Files.createDirectories(tmp.resolve("lib"));
            for (String name : carried) {
                try (InputStream in = RabbitmqEmbedded.class.getResourceAsStream(JARS + name)) {
                    if (in == null) {
                        throw BinaryCache.unsupported("the AMQP broker");
                    }
                    Files.copy(in, lib.resolve(name));
                }
            }
        }).resolve("lib");
    }

    /** {@link #carried}, read once per process: it opens scale's jar (its whole central directory). */
    private static volatile List<String> carried;

    /** The jar files beside this class, read from where it was loaded: scale's jar, or a classes directory. */
    private static List<String> carried() throws IOException {
        List<String> known = carried;
        if (known == null) {
            known = List.copyOf(readCarried());
            carried = known;
        }
        return known;
    }

    private static List<String> readCarried() throws IOException {
        String prefix = RabbitmqEmbedded.class.getPackageName().replace('.', '/') + "/" + JARS;
        Path from;
        try {
            from = Path.of(RabbitmqEmbedded.class.getProtectionDomain().getCodeSource().getLocation().toURI());
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
                zip.stream().map(ZipEntry::getName).filter(n -> n.startsWith(prefix) && n.endsWith(".jar"))
                        .forEach(n -> names.add(n.substring(prefix.length())));
            }
        }
        if (names.isEmpty()) {
            throw ScaleException.environment("this build of scale carries no embedded AMQP broker", "use --provider docker", null);
        }
        return names;
    }
}
