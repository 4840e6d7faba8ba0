package dev.scale.providers.kubernetes;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TEST DOUBLE of a Kubernetes cluster as seen from outside it, for the kubernetes provider's port-forwards: no
 * cluster can run on the machine this was written on.
 * <ul>
 *   <li>The API server is fabric8's mock server in CRUD mode (it stores objects, runs no controller), plus an answer to
 *   {@code pods/NAME/portforward} that speaks the real API server's port-forward protocol (a WebSocket, a first frame
 *   per channel naming the port, then data frames behind channel byte 0) and relays the bytes to the pod's server.</li>
 *   <li>The "kubelet" makes a pod for each Job scale creates, Ready, with a real redis-server on 127.0.0.1 that has the
 *   password of the Job's Secret, as the pod's container would get it through {@code SCALE_PASSWORD}.</li>
 *   <li>{@link #kubeconfig()} is a kubeconfig file naming the double, at namespace {@code team-b}, for a scale command
 *   (or its detached {@link PortForwarder}) to read as it reads a user's.</li>
 * </ul>
 * What it cannot show, a real cluster's scheduling and networking, is left to {@code KubernetesLiveTest}.
 */
public final class KubernetesDouble implements AutoCloseable {
    private static final Pattern PORT_FORWARD = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)/portforward\\?ports=(\\d+)");
    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final Path kubeconfig;
    private final Map<String, Process> servers = new ConcurrentHashMap<>();
    /** The real redis-server of each pod, by pod name. */
    private final Map<String, Integer> podPorts = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private final Thread kubelet;

    /** Starts the double; its kubeconfig is written in {@code dir}. */
    public static KubernetesDouble start(Path dir) throws IOException {
        return new KubernetesDouble(dir);
    }

    private KubernetesDouble(Path dir) throws IOException {
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
        KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();
        Dispatcher dispatcher = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                Matcher m = PORT_FORWARD.matcher(request.getPath());
                return m.matches() ? portForward(m.group(2), Integer.parseInt(m.group(3))) : crud.dispatch(request);
            }
        };
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
        kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: double
                  cluster:
                    server: http://127.0.0.1:%d
                contexts:
                - name: double
                  context: {cluster: double, user: someone, namespace: team-b}
                current-context: double
                users:
                - name: someone
                  user: {token: not-a-secret}
                """.formatted(server.getPort()));
        kubelet = new Thread(this::kubelet, "test-kubelet");
        kubelet.setDaemon(true);
        kubelet.start();
    }

    /** The kubeconfig naming the double (namespace {@code team-b}). */
    public Path kubeconfig() {
        return kubeconfig;
    }

    /** A client of the double's API server, as a test's own view of the cluster. */
    public KubernetesClient client() {
        return client;
    }

    /** A new client of the double's API server, as a scale command makes one. */
    public KubernetesClient newClient() {
        return server.createClient();
    }

    /** The port of the real server behind a pod. */
    public Integer podPort(String pod) {
        return podPorts.get(pod);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        kubelet.join(2000);
        servers.values().forEach(Process::destroyForcibly);
        client.close();
        server.destroy();
    }

    /** The API server's port-forward: a WebSocket relaying channel 0 to the pod's real server. */
    private MockResponse portForward(String pod, int port) {
        Integer target = podPorts.get(pod);
        if (target == null) {
            return new MockResponse().setResponseCode(404).setBody("no such pod");
        }
        return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
            Socket socket;
            OutputStream toPod;

            @Override
            public void onOpen(WebSocket ws, Response response) {
                try {
                    socket = new Socket("127.0.0.1", target);
                    toPod = socket.getOutputStream();
                } catch (IOException e) {
                    ws.close(1011, "pod unreachable");
                    return;
                }
                // as the API server does: each channel's first frame names the port (little-endian)
                ws.send(new byte[] {0, (byte) (port & 0xff), (byte) (port >> 8)});
                ws.send(new byte[] {1, (byte) (port & 0xff), (byte) (port >> 8)});
                Thread pump = new Thread(() -> {
                    byte[] buf = new byte[8192];
                    try (InputStream in = socket.getInputStream()) {
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            byte[] frame = new byte[n + 1];
                            System.arraycopy(buf, 0, frame, 1, n);
                            ws.send(frame);
                        }
                    } catch (IOException e) {
                        // the client went
                    }
                    ws.close(1000, "");
                }, "test-port-forward");
                pump.setDaemon(true);
                pump.start();
            }

            @Override
            public void onMessage(WebSocket ws, ByteString bytes) {
                onMessage(ws, bytes.toByteArray());
            }

            @Override
            public void onMessage(WebSocket ws, byte[] frame) {
                try {
                    if (frame.length > 1 && frame[0] == 0) {
                        toPod.write(frame, 1, frame.length - 1);
                        toPod.flush();
                    }
                } catch (IOException e) {
                    ws.close(1011, "pod went");
                }
            }

            @Override
            public void onClosing(WebSocket ws, int code, String reason) {
                closeQuietly();
            }

            @Override
            public void onClosed(WebSocket ws, int code, String reason) {
                closeQuietly();
            }

            private void closeQuietly() {
                try {
                    socket.close();
                } catch (IOException | RuntimeException e) {
                    // closed
                }
            }
        });
    }

    /** The cluster's side: a pod per Job scale makes, with a real redis-server that has the Secret's password. */
    private void kubelet() {
        while (running) {
            for (Job job : client.batch().v1().jobs().inAnyNamespace().list().getItems()) {
                String ns = job.getMetadata().getNamespace();
                String pod = job.getMetadata().getName() + "-x1";
                if (servers.containsKey(pod)) {
                    continue;
                }
                var secret = client.secrets().inNamespace(ns).withName(job.getMetadata().getName()).get();
                if (secret == null) {
                    continue;
                }
                String password = secret.getStringData() != null && secret.getStringData().containsKey("password")
                        ? secret.getStringData().get("password")
                        : new String(Base64.getDecoder().decode(secret.getData().get("password")), StandardCharsets.UTF_8);
                try {
                    int port;
                    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                        port = s.getLocalPort();
                    }
                    servers.put(pod, new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                            "--requirepass", password).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start());
                    podPorts.put(pod, port);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(pod)
                        .withLabels(job.getSpec().getTemplate().getMetadata().getLabels()).endMetadata()
                        .withSpec(job.getSpec().getTemplate().getSpec()).withNewStatus().withPhase("Running").addNewCondition().withType("Ready")
                        .withStatus("True").endCondition().endStatus().build()).create();
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

}
