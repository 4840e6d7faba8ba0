package dev.scale.providers.kubernetes;

import dev.scale.errors.ScaleException;
import dev.scale.providers.Forwarders;
import dev.scale.providers.SharedForwarders;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How scale reaches an instance on a cluster: {@link #dns} inside it; from outside, {@link #portForward} held by this
 * process ({@code try}, {@code run}, probes) or {@link #detached}, a forwarder of its own that outlives the command
 * ({@code up}).
 */
final class Reaches {
    private Reaches() {
    }

    /**
     * The user's cluster's: the DNS name in it; from outside, this command's port-forward, or for instances it hands
     * over a detached forwarder recorded in {@code stateDir}'s {@code tunnels/kubernetes/SERVER_NAMESPACE/}.
     */
    static KubernetesProvider.Reach.Factory factory(Map<String, String> env, Path stateDir, boolean inCluster) {
        return (objects, lasting) -> {
            if (inCluster) {
                return dns(objects);
            }
            if (!lasting) {
                return portForward(objects);
            }
            java.net.URL server = objects.client().getMasterUrl();
            String place = (server.getHost() + "_" + (server.getPort() < 0 ? server.getDefaultPort() : server.getPort()) + "_" + objects.namespace())
                    .replaceAll("[^A-Za-z0-9._-]", "_");
            return detached(objects, stateDir.resolve("tunnels").resolve("kubernetes").resolve(place), env);
        };
    }

    /** Inside the cluster: the instance's Service by its DNS name, {@code scale-NAME.NAMESPACE.svc}, at its own ports. */
    static KubernetesProvider.Reach dns(KubernetesObjects objects) {
        return new KubernetesProvider.Reach() {
            @Override
            public Map<Integer, InetSocketAddress> to(String instance, List<Integer> ports, Instant until) {
                Map<Integer, InetSocketAddress> out = new LinkedHashMap<>();
                String host = KubernetesObjects.objectName(instance) + "." + objects.namespace() + ".svc";
                ports.forEach(p -> out.put(p, InetSocketAddress.createUnresolved(host, p)));
                return out;
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
     * From outside the cluster, for this command only: the API server's port-forward to the instance's Service, from a
     * free port on this machine's 127.0.0.1, held by this process; released with the instance, or when it ends.
     */
    static KubernetesProvider.Reach portForward(KubernetesObjects objects) {
        Map<String, List<LocalPortForward>> held = new ConcurrentHashMap<>();
        Map<String, Map<Integer, Integer>> local = new ConcurrentHashMap<>();
        return new KubernetesProvider.Reach() {
            @Override
            public Map<Integer, InetSocketAddress> to(String instance, List<Integer> ports, Instant until) {
                Map<Integer, InetSocketAddress> out = new LinkedHashMap<>();
                for (int port : ports) {
                    Integer known = local.getOrDefault(instance, Map.of()).get(port);
                    if (known == null) {
                        LocalPortForward forward = objects.client().services().inNamespace(objects.namespace())
                                .withName(KubernetesObjects.objectName(instance)).portForward(port, InetAddress.getLoopbackAddress(), freePort());
                        held.computeIfAbsent(instance, i -> new ArrayList<>()).add(forward);
                        local.computeIfAbsent(instance, i -> new ConcurrentHashMap<>()).put(port, forward.getLocalPort());
                        known = forward.getLocalPort();
                    }
                    out.put(port, new InetSocketAddress("127.0.0.1", known));
                }
                return out;
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

            @Override
            public void releaseAll() {
                List.copyOf(held.keySet()).forEach(this::release);
            }
        };
    }

    /**
     * From outside the cluster, beyond this command: the instance's ports written in {@code records}, where one
     * {@link PortForwarder} JVM per cluster and namespace, detached, forwards them through the API server's port-forward
     * on this machine's 127.0.0.1 until the instance's time to live or until the cluster no longer runs it
     * ({@link SharedForwarders}). Its ports are kept when the forwarder is started again (after a reboot) wherever
     * they are free, so the addresses handed out stay true.
     * @param env the command's environment: the forwarder reads the same kubeconfig ({@code KUBECONFIG}, {@code HOME})
     */
    static KubernetesProvider.Reach detached(KubernetesObjects objects, Path records, Map<String, String> env) {
        SharedForwarders forwarders = new SharedForwarders(records,
                Forwarders.java(PortForwarder.class, List.of(objects.namespace(), records.toString())), environment(env), "the port-forward");
        return new KubernetesProvider.Reach() {
            @Override
            public Map<Integer, InetSocketAddress> to(String instance, List<Integer> ports, Instant until) {
                Map<Integer, Integer> before = new LinkedHashMap<>();
                forwarders.ports(instance).ifPresent(had -> had.forEach(p -> before.put(p.remote(), p.local())));
                boolean serving = forwarders.server().isPresent();
                List<Forwarders.Port> wanted = new ArrayList<>();
                for (int port : ports) {
                    Integer again = before.get(port);
                    wanted.add(new Forwarders.Port(again != null && (serving || Forwarders.free(again)) ? again : freePort(), port));
                }
                forwarders.forward(instance, wanted, until);
                Map<Integer, InetSocketAddress> out = new LinkedHashMap<>();
                wanted.forEach(p -> out.put(p.remote(), new InetSocketAddress("127.0.0.1", p.local())));
                return out;
            }

            @Override
            public boolean lasting() {
                return true;
            }

            @Override
            public boolean keeps(String instance) {
                return forwarders.ports(instance).isPresent();
            }

            @Override
            public void release(String instance) {
                forwarders.close(instance);
            }

            @Override
            public void retainOnly(Set<String> instances) {
                forwarders.retainOnly(instances);
            }

            @Override
            public String describe() {
                return forwarders.describe();
            }
        };
    }

    /** What the forwarder needs of the command's environment to read the same cluster configuration. */
    private static Map<String, String> environment(Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : List.of("KUBECONFIG", "HOME")) {
            if (env.get(name) != null) {
                out.put(name, env.get(name));
            }
        }
        return out;
    }

    private static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw ScaleException.failure("no free port on 127.0.0.1: " + e.getMessage(), e);
        }
    }
}
