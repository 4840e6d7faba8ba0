package dev.scale.providers.kinds.rabbitmq;

import dev.scale.providers.CarriedJars;
import dev.scale.providers.EmbeddedRecipe;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

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
    /** The broker's jars, beside this class. */
    private static final CarriedJars JARS = new CarriedJars(RabbitmqEmbedded.class, "qpid/", "qpid-broker-j-" + QPID_VERSION, "qpid-broker-" + QPID_VERSION + ".jar");

    @Override
    public Optional<String> unavailable(Machine machine) {
        return !JARS.present()
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
        Path lib = JARS.unpacked(s.machine().binaries());
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

}
