package dev.scale.providers.kubernetes;

import dev.scale.errors.ScaleException;
import dev.scale.providers.Forwarders;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
     * From outside the cluster, beyond this command: a {@link PortForwarder} JVM per instance, detached and recorded
     * ({@link Forwarders}) in {@code records}, holding the API server's port-forwards on this machine's 127.0.0.1 until
     * the instance's time to live or until the cluster no longer runs it. A forwarder found gone (a reboot) is started
     * again on the same local ports where they are free, so the addresses handed out stay true.
     * @param env the command's environment: the forwarder reads the same kubeconfig ({@code KUBECONFIG}, {@code HOME})
     */
    static KubernetesProvider.Reach detached(KubernetesObjects objects, Path records, Map<String, String> env) {
        Forwarders forwarders = new Forwarders(records);
        return new KubernetesProvider.Reach() {
            @Override
            public Map<Integer, InetSocketAddress> to(String instance, List<Integer> ports, Instant until) {
                Optional<Forwarders.Forwarder> recorded = forwarders.forwarder(instance);
                Map<Integer, Integer> before = new LinkedHashMap<>();
                recorded.ifPresent(f -> f.ports().forEach(p -> before.put(p.remote(), p.local())));
                if (recorded.flatMap(Forwarders.Forwarder::process).isEmpty() || !before.keySet().equals(new HashSet<>(ports))) {
                    List<Forwarders.Port> wanted = new ArrayList<>();
                    for (int port : ports) {
                        Integer again = before.get(port);
                        wanted.add(new Forwarders.Port(again != null && Forwarders.free(again) ? again : freePort(), port));
                    }
                    forwarders.start(instance, wanted, command(objects.namespace(), instance, until, wanted), "the port-forward", environment(env));
                    before.clear();
                    wanted.forEach(p -> before.put(p.remote(), p.local()));
                }
                Map<Integer, InetSocketAddress> out = new LinkedHashMap<>();
                ports.forEach(p -> out.put(p, new InetSocketAddress("127.0.0.1", before.get(p))));
                return out;
            }

            @Override
            public boolean lasting() {
                return true;
            }

            @Override
            public boolean keeps(String instance) {
                return forwarders.forwarder(instance).isPresent();
            }

            @Override
            public void release(String instance) {
                forwarders.close(instance);
            }

            @Override
            public void retainOnly(Set<String> instances) {
                forwarders.retainOnly(instances);
            }
        };
    }

    /** The forwarder's JVM, with the cluster's arguments. */
    static List<String> command(String namespace, String instance, Instant until, List<Forwarders.Port> ports) {
        List<String> args = new ArrayList<>(List.of(namespace, KubernetesObjects.objectName(instance), Long.toString(until.getEpochSecond())));
        ports.forEach(p -> args.add(p.local() + ":" + p.remote()));
        return Forwarders.java(PortForwarder.class, args);
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
