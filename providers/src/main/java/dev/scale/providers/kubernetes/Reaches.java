package dev.scale.providers.kubernetes;

import dev.scale.errors.ScaleException;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** How this process reaches an instance on a cluster: {@link #dns} inside it, {@link #portForward} from outside. */
final class Reaches {
    private Reaches() {
    }

    /** Inside the cluster: the instance's Service by its DNS name, {@code scale-NAME.NAMESPACE.svc}, at its own port. */
    static KubernetesProvider.Reach dns(KubernetesObjects objects) {
        return new KubernetesProvider.Reach() {
            @Override
            public InetSocketAddress to(String instance, int port) {
                return InetSocketAddress.createUnresolved(KubernetesObjects.objectName(instance) + "." + objects.namespace() + ".svc", port);
            }

            @Override
            public boolean lasting() {
                return true;
            }

            @Override
            public void release(String instance) {
            }
        };
    }

    /**
     * From outside the cluster: the API server's port-forward to the instance's Service, from a free port on this
     * machine's 127.0.0.1, held by this process; released with the instance, or when this process ends.
     */
    static KubernetesProvider.Reach portForward(KubernetesObjects objects) {
        Map<String, List<LocalPortForward>> held = new ConcurrentHashMap<>();
        Map<String, Map<Integer, Integer>> local = new ConcurrentHashMap<>();
        return new KubernetesProvider.Reach() {
            @Override
            public InetSocketAddress to(String instance, int port) {
                Integer known = local.getOrDefault(instance, Map.of()).get(port);
                if (known != null) {
                    return new InetSocketAddress("127.0.0.1", known);
                }
                int free;
                try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    free = s.getLocalPort();
                } catch (IOException e) {
                    throw ScaleException.failure("no free port on 127.0.0.1: " + e.getMessage(), e);
                }
                LocalPortForward forward = objects.client().services().inNamespace(objects.namespace()).withName(KubernetesObjects.objectName(instance))
                        .portForward(port, InetAddress.getLoopbackAddress(), free);
                held.computeIfAbsent(instance, i -> new ArrayList<>()).add(forward);
                local.computeIfAbsent(instance, i -> new ConcurrentHashMap<>()).put(port, forward.getLocalPort());
                return new InetSocketAddress("127.0.0.1", forward.getLocalPort());
            }

            @Override
            public boolean lasting() {
                return false;
            }

            @Override
            public void release(String instance) {
                for (LocalPortForward f : held.getOrDefault(instance, List.of())) {
                    try {
                        f.close();
                    } catch (IOException e) {
                        // closed already
                    }
                }
                held.remove(instance);
                local.remove(instance);
            }
        };
    }
}
