package dev.scale.providers.kubernetes;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The detached forwarder of an instance handed over ({@code up}) from outside its cluster: a JVM of its own, started
 * by {@link Reaches#detached} and recorded by {@link dev.scale.providers.Forwarders}, that holds the API server's
 * port-forwards to the instance's Service on this machine's 127.0.0.1 after the scale command has ended.
 * <p>
 * It reads the kubeconfig the scale command read (its environment's {@code KUBECONFIG} or {@code ~/.kube/config}), and
 * ends by itself: at the instance's time to live, or as soon as the cluster no longer runs the instance's Job (deleted
 * by {@code down}, or finished at its deadline). While the API server does not answer it keeps waiting, until the time
 * to live. Arguments: {@code NAMESPACE OBJECT-NAME UNTIL-EPOCH-SECONDS LOCAL:REMOTE...}.
 */
public final class PortForwarder {
    private static final Duration CHECK_EVERY = Duration.ofSeconds(5);

    private PortForwarder() {
    }

    public static void main(String[] args) {
        if (args.length < 4) {
            System.err.println("usage: PortForwarder NAMESPACE OBJECT UNTIL-EPOCH-SECONDS LOCAL:REMOTE...");
            System.exit(2);
        }
        String namespace = args[0];
        String object = args[1];
        Instant until = Instant.ofEpochSecond(Long.parseLong(args[2]));
        List<LocalPortForward> open = new ArrayList<>();
        int code = 0;
        try (KubernetesClient client = KubernetesProvider.client(System.getenv())) {
            for (int i = 3; i < args.length; i++) {
                String[] p = args[i].split(":");
                open.add(client.services().inNamespace(namespace).withName(object)
                        .portForward(Integer.parseInt(p[1]), InetAddress.getLoopbackAddress(), Integer.parseInt(p[0])));
            }
            while (Instant.now().isBefore(until)) {
                long left = Duration.between(Instant.now(), until).toMillis();
                Thread.sleep(Math.max(1, Math.min(CHECK_EVERY.toMillis(), left)));
                if (gone(client, namespace, object)) {
                    break;
                }
            }
        } catch (RuntimeException e) {
            System.err.println("port-forward to " + object + " in namespace " + namespace + " failed: " + firstLine(e));
            code = 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (LocalPortForward f : open) {
                try {
                    f.close();
                } catch (java.io.IOException | RuntimeException e) {
                    // ending anyway
                }
            }
        }
        System.exit(code); // the HTTP client's threads would keep the JVM
    }

    /** Whether the instance's Job is deleted or finished; an API server that does not answer is not a gone instance. */
    private static boolean gone(KubernetesClient client, String namespace, String object) {
        try {
            Job job = client.batch().v1().jobs().inNamespace(namespace).withName(object).get();
            if (job == null) {
                return true;
            }
            var s = job.getStatus();
            return s != null && ((s.getFailed() != null && s.getFailed() > 0) || (s.getSucceeded() != null && s.getSucceeded() > 0)
                    || s.getCompletionTime() != null);
        } catch (KubernetesClientException e) {
            return false;
        }
    }

    private static String firstLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = String.valueOf(e.getMessage() != null ? e.getMessage() : root.toString());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
