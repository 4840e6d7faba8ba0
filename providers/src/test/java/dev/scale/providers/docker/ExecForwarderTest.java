package dev.scale.providers.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.scale.providers.RequireDocker;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The relay a TLS {@code tcp://} engine's forwarder runs per connection ({@link ExecForwarder#relay}), on this
 * machine's real engine: a client's bytes go into a process run in the container ({@code docker exec -i}) that copies
 * them to the server's own port on the container's loopback, and the answers come back out of the engine's frames.
 * The whole path over TLS, from another machine, is RemoteDockerTest's.
 */
class ExecForwarderTest {
    @Test
    void aClientTalksToTheServerInsideTheContainerThroughTheEnginesApi() throws Exception {
        DockerApi api = RequireDocker.engine().api();
        String image = System.getenv().getOrDefault("SCALE_IMAGE_REDIS", "scale-ci/redis:7.0");
        ObjectNode body = DockerApi.JSON.createObjectNode().put("Image", image);
        body.putArray("Cmd").add("redis-server").add("--save").add("").add("--requirepass").add("s3cret");
        body.putObject("Labels").put("dev.scale.test", "exec-forwarder");
        body.putObject("HostConfig").put("AutoRemove", false);
        String id = api.create("scale-test-exec-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff)), body);
        try {
            api.start(id);
            Thread.sleep(300);
            try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                Thread relay = new Thread(() -> {
                    try {
                        ExecForwarder.relay(server.accept(), api, id, 6379);
                    } catch (java.io.IOException e) {
                        // the test fails below
                    }
                });
                relay.start();
                String big = "y".repeat(300_000);
                String reply;
                try (Socket client = new Socket("127.0.0.1", server.getLocalPort())) {
                    client.setSoTimeout(20_000);
                    OutputStream out = client.getOutputStream();
                    // a value of many frames both ways, then its length back
                    out.write(("AUTH s3cret\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + big.length() + "\r\n" + big + "\r\nGET k\r\nQUIT\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    InputStream in = client.getInputStream();
                    reply = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                }
                assertThat(reply).startsWith("+OK\r\n+OK\r\n$300000\r\n" + big.substring(0, 100));
                assertThat(reply).endsWith(big + "\r\n+OK\r\n");
                relay.join(10_000);
                assertThat(relay.isAlive()).as("the relay ends with the server's closing").isFalse();
            }
        } finally {
            api.remove(id);
        }
    }
}
