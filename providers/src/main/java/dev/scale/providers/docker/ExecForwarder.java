package dev.scale.providers.docker;

import dev.scale.providers.ForwardServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The detached forwarder of the containers on a TLS {@code tcp://} engine ({@link ExecTunnels}): one JVM per engine
 * ({@link ForwardServer}) that relays each connection to a container's local port through the engine's API into the
 * container, to the server's own port on the container's loopback. Reads the engine from its environment
 * (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) as scale does. A container's ports close at its time to live, or
 * as soon as the engine no longer has it. Arguments: {@code FOLDER}.
 */
public final class ExecForwarder {
    /**
     * Run in the container by bash, the port its only argument: connects to the server, copies both ways, and ends
     * when either side does (the server closing, or this end closing the exec's input). It waits for both copies
     * before it exits: a child left behind would be reparented to the container's PID 1, and PostgreSQL's postmaster,
     * PID 1 in its image, takes any child of its own that ends by a signal for a crashed backend and restarts every
     * session ("all server processes terminated; reinitializing"), which is how this was found.
     */
    static final String RELAY = "exec 3<>\"/dev/tcp/127.0.0.1/$1\" || exit 1; exec 4<&0; cat <&3 & r=$!; cat <&4 >&3 & w=$!;"
            + " wait -n; kill $r $w 2>/dev/null; wait";

    private ExecForwarder() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: ExecForwarder FOLDER");
            System.exit(2);
        }
        int code = 0;
        try {
            DockerApi api = new DockerEngine(System.getenv()).api();
            ForwardServer.serve(Path.of(args[0]), new ForwardServer.Relay() {
                @Override
                public void relay(String container, int remote, Socket client) {
                    ExecForwarder.relay(client, api, container, remote);
                }

                @Override
                public Set<String> gone(Set<String> containers) {
                    Set<String> out = new HashSet<>();
                    for (String c : containers) {
                        try {
                            api.inspect(c); // stopped is not gone: a restart, a failover probe's fault, brings it back
                        } catch (DockerApi.NotFound e) {
                            out.add(c);
                        } catch (RuntimeException e) {
                            // the engine not answering for a moment is not a gone container
                        }
                    }
                    return out;
                }
            });
        } catch (RuntimeException e) {
            System.err.println("relays through " + System.getenv("DOCKER_HOST") + " failed: " + e.getMessage());
            code = 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.exit(code);
    }

    /** One connection: the client's bytes into the exec's input, the exec's output back; either end closing ends both. */
    static void relay(Socket client, DockerApi api, String container, int remote) {
        try (client; DockerApi.Attached exec = api.exec(container, List.of("bash", "-c", RELAY, "scale-relay", Integer.toString(remote)))) {
            client.setTcpNoDelay(true);
            Thread up = ForwardServer.daemon(() -> {
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
}
