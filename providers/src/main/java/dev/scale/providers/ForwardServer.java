package dev.scale.providers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The process side of {@link SharedForwarders}: one JVM per remote place that forwards the ports of every instance
 * there, as the place's folder lists them (a file per instance: {@code UNTIL-EPOCH-SECONDS LOCAL:REMOTE,...}). It
 * reads the folder four times a second: a file added opens its instance's local ports on 127.0.0.1, a file removed
 * ({@code down}) closes them and cuts their connections. An instance ends by itself at its time to live, or when the
 * place no longer has it ({@link Relay#gone}, asked every 5 s); the process ends 5 s after it has no instance left.
 */
public final class ForwardServer {
    private static final Duration READ_EVERY = Duration.ofMillis(250);
    private static final Duration ASK_EVERY = Duration.ofSeconds(5);
    private static final Duration GRACE = Duration.ofSeconds(5);
    private final Path dir;
    private final Relay relay;
    private final Map<String, Served> served = new HashMap<>();

    /** How bytes reach the remote place, per connection. */
    public interface Relay {
        /** Carries one connection to the instance {@code key}'s {@code remote} port, until either side ends. */
        void relay(String key, int remote, Socket client) throws IOException;

        /** Of {@code keys}, those the place no longer has (deleted, finished, stopped); none when it cannot be asked. */
        Set<String> gone(Set<String> keys);
    }

    private record Served(String line, List<ServerSocket> sockets, Set<Socket> clients) {
        void stop() {
            for (ServerSocket s : sockets) {
                closeQuietly(s);
            }
            for (Socket c : clients) {
                closeQuietly(c);
            }
        }
    }

    private ForwardServer(Path dir, Relay relay) {
        this.dir = dir;
        this.relay = relay;
    }

    /** Serves the folder {@code dir} until no instance is left in it; errors go to standard error, a line each. */
    public static void serve(Path dir, Relay relay) throws InterruptedException {
        new ForwardServer(dir, relay).run();
    }

    private void run() throws InterruptedException {
        long lastAsked = System.nanoTime();
        long emptySince = System.nanoTime();
        while (true) {
            Map<String, String> wanted = SharedForwarders.keys(dir);
            for (String key : new ArrayList<>(served.keySet())) {
                if (!wanted.getOrDefault(key, "").equals(served.get(key).line())) {
                    served.remove(key).stop();
                }
            }
            for (Map.Entry<String, String> e : wanted.entrySet()) {
                if (!served.containsKey(e.getKey())) {
                    open(e.getKey(), e.getValue());
                }
            }
            for (String key : new ArrayList<>(served.keySet())) {
                if (!Instant.now().isBefore(SharedForwarders.until(served.get(key).line()))) {
                    end(key); // its time to live
                }
            }
            if (!served.isEmpty() && System.nanoTime() - lastAsked > ASK_EVERY.toNanos()) {
                lastAsked = System.nanoTime();
                for (String key : relay.gone(new HashSet<>(served.keySet()))) {
                    end(key);
                }
            }
            if (!served.isEmpty()) {
                emptySince = System.nanoTime();
            } else if (System.nanoTime() - emptySince > GRACE.toNanos()) {
                return;
            }
            Thread.sleep(READ_EVERY.toMillis());
        }
    }

    /** Opens an instance's local ports; a port it cannot take is said in {@code KEY.err} and the instance dropped. */
    private void open(String key, String line) {
        List<ServerSocket> sockets = new ArrayList<>();
        Set<Socket> clients = ConcurrentHashMap.newKeySet();
        for (Forwarders.Port p : SharedForwarders.portsOf(line)) {
            ServerSocket server;
            try {
                server = new ServerSocket(p.local(), 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                sockets.forEach(ForwardServer::closeQuietly);
                String why = "cannot listen on 127.0.0.1:" + p.local() + ": " + e.getMessage();
                System.err.println(key + ": " + why);
                try {
                    Files.writeString(dir.resolve(key + ".err"), why + "\n");
                    Files.deleteIfExists(dir.resolve(key));
                } catch (IOException io) {
                    // the waiting command times out instead
                }
                return;
            }
            sockets.add(server);
            daemon(() -> accept(server, key, p.remote(), clients), "accept-" + p.local());
        }
        served.put(key, new Served(line, sockets, clients));
    }

    private void end(String key) {
        Served s = served.remove(key);
        if (s != null) {
            s.stop();
        }
        try {
            Files.deleteIfExists(dir.resolve(key));
        } catch (IOException e) {
            // read again next round
        }
    }

    private void accept(ServerSocket server, String key, int remote, Set<Socket> clients) {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            clients.add(client);
            daemon(() -> {
                try {
                    client.setTcpNoDelay(true);
                    relay.relay(key, remote, client);
                } catch (IOException | RuntimeException e) {
                    // the place refused this connection: the client sees it close
                } finally {
                    closeQuietly(client);
                    clients.remove(client);
                }
            }, "relay-" + key);
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closed
        }
    }

    /** Starts a daemon thread. */
    public static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, "scale-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
