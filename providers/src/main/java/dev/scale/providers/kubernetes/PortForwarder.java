package dev.scale.providers.kubernetes;

import dev.scale.providers.ForwardServer;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.PortForward;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The detached forwarder of the instances handed over ({@code up}) from outside a cluster: one JVM per cluster and
 * namespace ({@link ForwardServer}, started by {@link Reaches#detached}), that carries each connection to an
 * instance's local port through the API server's port-forward to the instance's Service, after the scale command has
 * ended. It reads the kubeconfig the scale command read (its environment's {@code KUBECONFIG} or
 * {@code ~/.kube/config}). An instance's ports close at its time to live, or as soon as the cluster no longer runs its
 * Job (deleted by {@code down} or {@code kubectl}, finished at its deadline); an API server that does not answer ends
 * nothing. Arguments: {@code NAMESPACE FOLDER}.
 */
public final class PortForwarder {
    private PortForwarder() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: PortForwarder NAMESPACE FOLDER");
            System.exit(2);
        }
        String namespace = args[0];
        int code = 0;
        try (KubernetesClient client = KubernetesProvider.client(System.getenv())) {
            ForwardServer.serve(Path.of(args[1]), new ForwardServer.Relay() {
                @Override
                public void relay(String instance, int remote, Socket socket) throws IOException {
                    PortForwarder.relay(client, namespace, instance, remote, socket);
                }

                @Override
                public Set<String> gone(Set<String> instances) {
                    return PortForwarder.gone(client, namespace, instances);
                }
            });
        } catch (RuntimeException e) {
            System.err.println("port-forwards in namespace " + namespace + " failed: " + e.getMessage());
            code = 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.exit(code); // the HTTP client's threads would keep the JVM
    }

    /** One connection, through the API server's port-forward to the instance's Service, until either side ends. */
    static void relay(KubernetesClient client, String namespace, String instance, int remote, Socket socket) throws IOException {
        CompletableFuture<Void> clientDone = new CompletableFuture<>();
        ReadableByteChannel raw = Channels.newChannel(socket.getInputStream());
        ReadableByteChannel in = new ReadableByteChannel() { // says when the client has closed its side
            @Override
            public int read(ByteBuffer dst) throws IOException {
                int n = raw.read(dst);
                if (n < 0) {
                    clientDone.complete(null);
                }
                return n;
            }

            @Override
            public boolean isOpen() {
                return raw.isOpen();
            }

            @Override
            public void close() throws IOException {
                clientDone.complete(null);
                raw.close();
            }
        };
        try (PortForward forward = client.services().inNamespace(namespace).withName(KubernetesObjects.objectName(instance))
                .portForward(remote, in, Channels.newChannel(socket.getOutputStream()))) {
            while (forward.isAlive() && !clientDone.isDone()) {
                try {
                    clientDone.get(200, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    // still going
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (java.util.concurrent.ExecutionException e) {
                    return;
                }
            }
        }
    }

    /** Of the instances, those whose Job is deleted or finished; none when the API server does not answer. */
    static Set<String> gone(KubernetesClient client, String namespace, Set<String> instances) {
        Set<String> running = new HashSet<>();
        try {
            for (Job job : client.batch().v1().jobs().inNamespace(namespace).withLabel(KubernetesObjects.MANAGED, "true").list().getItems()) {
                var s = job.getStatus();
                boolean finished = s != null && ((s.getFailed() != null && s.getFailed() > 0) || (s.getSucceeded() != null && s.getSucceeded() > 0)
                        || s.getCompletionTime() != null);
                if (!finished && job.getMetadata().getLabels() != null) {
                    running.add(job.getMetadata().getLabels().get(KubernetesObjects.INSTANCE));
                }
            }
        } catch (KubernetesClientException e) {
            return Set.of();
        }
        Set<String> out = new HashSet<>(instances);
        out.removeAll(running);
        return out;
    }
}
