package dev.scale.providers.docker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The detached forwarder of a container on a TLS {@code tcp://} engine ({@link ExecTunnels}): listens on this
 * machine's 127.0.0.1 at each LOCAL port and relays each connection through the engine's API into the container, to
 * its REMOTE port on the container's own loopback. Reads the engine from its environment (DOCKER_HOST,
 * DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) as scale does. Ends at UNTIL, or as soon as the container is gone or stopped.
 * Arguments: {@code CONTAINER UNTIL-EPOCH-SECONDS LOCAL:REMOTE...}.
 */
public final class ExecForwarder {
    private static final Duration CHECK_EVERY = Duration.ofSeconds(5);
    /**
     * Run in the container by bash, the port its only argument: connects to the server, copies both ways, and ends
     * when either side does (the server closing, or this end closing the exec's input).
     */
    static final String RELAY = "exec 3<>\"/dev/tcp/127.0.0.1/$1\" || exit 1; exec 4<&0; cat <&3 & r=$!; cat <&4 >&3 & w=$!;"
            + " wait -n; kill $r $w 2>/dev/null";

    private ExecForwarder() {
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: ExecForwarder CONTAINER UNTIL-EPOCH-SECONDS LOCAL:REMOTE...");
            System.exit(2);
        }
        String container = args[0];
        Instant until = Instant.ofEpochSecond(Long.parseLong(args[1]));
        int code = 0;
        List<ServerSocket> listening = new ArrayList<>();
        try {
            DockerApi api = new DockerEngine(System.getenv()).api();
            for (int i = 2; i < args.length; i++) {
                String[] p = args[i].split(":");
                ServerSocket server = new ServerSocket(Integer.parseInt(p[0]), 50, InetAddress.getLoopbackAddress());
                listening.add(server);
                int remote = Integer.parseInt(p[1]);
                daemon(() -> accept(server, api, container, remote), "accept-" + p[0]);
            }
            while (Instant.now().isBefore(until)) {
                Thread.sleep(Math.max(1, Math.min(CHECK_EVERY.toMillis(), Duration.between(Instant.now(), until).toMillis())));
                if (gone(api, container)) {
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("relay to " + container + " failed: " + e.getMessage());
            code = 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ServerSocket s : listening) {
            try {
                s.close();
            } catch (IOException e) {
                // ending anyway
            }
        }
        System.exit(code);
    }

    private static boolean gone(DockerApi api, String container) {
        try {
            return !api.inspect(container).path("State").path("Running").asBoolean(false);
        } catch (DockerApi.NotFound e) {
            return true;
        } catch (RuntimeException e) {
            return false; // the engine not answering for a moment is not a gone container
        }
    }

    private static void accept(ServerSocket server, DockerApi api, String container, int remote) {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            daemon(() -> relay(client, api, container, remote), "relay");
        }
    }

    /** One connection: the client's bytes into the exec's input, the exec's output back; either end closing ends both. */
    static void relay(Socket client, DockerApi api, String container, int remote) {
        try (client; DockerApi.Attached exec = api.exec(container, List.of("bash", "-c", RELAY, "scale-relay", Integer.toString(remote)))) {
            client.setTcpNoDelay(true);
            Thread up = daemon(() -> {
                byte[] buf = new byte[16384];
                try {
                    InputStream in = client.getInputStream(); // not closed here: that would close the socket the output still needs
                    OutputStream out = exec.stdin();
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException e) {
                    // either side went
                }
                try {
                    exec.close(); // the relay's input ends: it stops, and so does the output below
                } catch (IOException e) {
                    // closed
                }
            }, "relay-up");
            byte[] buf = new byte[16384];
            OutputStream out = client.getOutputStream();
            int n;
            try {
                while ((n = exec.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // either side went
            }
            up.interrupt();
        } catch (IOException | RuntimeException e) {
            // the engine refused the exec (the container is going): the client sees its connection close
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, "scale-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
