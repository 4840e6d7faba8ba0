package dev.scale.providers.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Progress;
import dev.scale.providers.Spec;
import dev.scale.providers.Topology;
import dev.scale.providers.Wait;
import dev.scale.providers.docker.DockerApi.NotFound;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A replicated instance on the engine ({@code up redis --replicas 1 --sentinels 3}): one bridge network of its own, one
 * container per member on it, reachable there by the member's host name ({@code NAME-0}, {@code NAME-s1}), each
 * publishing its port on 127.0.0.1 only.
 * <ul>
 *   <li>The primary's container is the instance's, named as any instance's ({@code scale-NAME}, pending until handed
 *   over); the others are {@code scale-NAME.HOST-SUFFIX} and carry {@link #MEMBER_OF}: {@code ls} shows one line, and
 *   {@code down}/{@code gc} remove every member and the network.</li>
 *   <li>Each member publishes at a host port chosen once and kept in a label: a restarted member (the failover probe
 *   starts a killed primary again) comes back on the same port, so the names-to-ports map of the contract holds.</li>
 *   <li>Members are not removed by the engine when they stop (a killed primary stays, to be started again as a real
 *   node keeps its disk). At the time to live each stops by its own timer; {@code gc} removes what is left.</li>
 * </ul>
 */
final class DockerTopologies {
    static final String MEMBER_OF = DockerProvider.LABEL + ".member-of";
    static final String TOPOLOGY = DockerProvider.LABEL + ".topology";
    static final String ROLE = DockerProvider.LABEL + ".role";
    static final String HOST = DockerProvider.LABEL + ".host";
    static final String HOST_PORT = DockerProvider.LABEL + ".host-port";

    private DockerTopologies() {
    }

    /** {@code replicas=1,sentinels=3,down-after-ms=5000}: what the head's label keeps. */
    static String describe(Topology t) {
        return "replicas=" + t.replicas() + ",sentinels=" + t.sentinels() + ",down-after-ms=" + t.downAfter().toMillis();
    }

    static Topology parse(String label) {
        Map<String, Integer> v = new java.util.HashMap<>();
        for (String part : label.split(",")) {
            String[] kv = part.split("=", 2);
            v.put(kv[0], Integer.parseInt(kv[1]));
        }
        return new Topology(v.get("replicas"), v.get("sentinels"), java.time.Duration.ofMillis(v.get("down-after-ms")));
    }

    /** A port free on 127.0.0.1 now; the engine refuses it at start if another took it meanwhile (then another is tried). */
    static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw ScaleException.failure("no free port on 127.0.0.1: " + e.getMessage(), e);
        }
    }

    /** Makes the topology's network, with a name of its own (the members find each other by host name, not by it). */
    static String network(DockerApi docker, Spec spec, List<String> madeNetworks) {
        String network = "scale-" + spec.name() + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
        madeNetworks.add(docker.createNetwork(network, Map.of(DockerProvider.MANAGED, "true", MEMBER_OF, spec.name())));
        return network;
    }

    /**
     * Puts a member on the topology's network under its host name, publishing {@code port} at a fixed host port and each
     * of its services at the host port given for it (kept in a label {@code host-port.SERVICE}).
     */
    static void place(ObjectNode body, String network, Topology.Member m, int hostPort, Map<String, Integer> serviceHostPorts) {
        body.put("Hostname", m.host());
        ObjectNode host = (ObjectNode) body.get("HostConfig");
        host.put("NetworkMode", network);
        host.put("AutoRemove", false);
        ObjectNode bindings = host.putObject("PortBindings");
        ObjectNode exposed = body.putObject("ExposedPorts");
        if (m.port() > 0) { // a member that serves nothing publishes nothing
            bindings.putArray(m.port() + "/tcp").addObject().put("HostIp", "127.0.0.1").put("HostPort", Integer.toString(hostPort));
            exposed.putObject(m.port() + "/tcp");
        }
        ObjectNode labels = (ObjectNode) body.get("Labels");
        m.services().forEach((service, port) -> {
            int at = serviceHostPorts.get(service);
            bindings.putArray(port + "/tcp").addObject().put("HostIp", "127.0.0.1").put("HostPort", Integer.toString(at));
            exposed.putObject(port + "/tcp");
            labels.put(HOST_PORT + "." + service, Integer.toString(at));
        });
        body.putObject("NetworkingConfig").putObject("EndpointsConfig").putObject(network).putArray("Aliases").add(m.host());
        labels.put(ROLE, m.role().word());
        labels.put(HOST, m.host());
        labels.put(HOST_PORT, Integer.toString(hostPort));
    }

    /** When a topology's start must be done: twice the kind's start timeout, from now. */
    static long deadline(Spec spec) {
        return System.nanoTime() + spec.kind().startTimeout().toNanos() * 2;
    }

    /** Waits until every member answers and they have found each other, within the kind's start timeout. */
    static void awaitSettled(Spec spec, Map<Topology.Member, Endpoint> at, Progress progress) {
        progress.step(spec.name(), "waiting for " + at.size() + " members to find each other");
        try {
            Wait.until(deadline(spec), spec.name(), () -> {
                for (var e : at.entrySet()) {
                    if (e.getKey().role() != Topology.Role.SENTINEL) {
                        spec.kind().probe(e.getValue());
                    }
                }
                spec.kind().replication().settled(spec.name(), spec.topology(), at);
                return true;
            });
        } catch (Wait.TimedOut e) {
            throw ScaleException.failure(spec.kind().name() + " topology '" + spec.name() + "' did not settle within "
                    + spec.kind().startTimeout().toSeconds() * 2 + "s (" + e.lastReason() + ")", e.getCause());
        }
    }

    /**
     * The endpoint's other ports: each member's key ({@code sentinel:NAME-s0}) and host port, then its services'
     * ({@code mgmt:NAME-0}), in member order; members that publish nothing are left out.
     */
    static Map<String, Integer> ports(List<JsonNode> members) {
        Map<String, Integer> out = new LinkedHashMap<>();
        String servicePrefix = HOST_PORT + ".";
        members.stream().sorted(java.util.Comparator.comparing(c -> String.valueOf(DockerProvider.label(c, HOST))))
                .filter(c -> !"0".equals(DockerProvider.label(c, HOST_PORT)))
                .forEach(c -> {
                    String host = DockerProvider.label(c, HOST);
                    out.put(("sentinel".equals(DockerProvider.label(c, ROLE)) ? "sentinel" : "server") + ":" + host, Integer.parseInt(DockerProvider.label(c, HOST_PORT)));
                    c.path("Labels").properties().forEach(l -> {
                        if (l.getKey().startsWith(servicePrefix)) {
                            out.put(l.getKey().substring(servicePrefix.length()) + ":" + host, Integer.parseInt(l.getValue().asText()));
                        }
                    });
                });
        return out;
    }


    /** The members of a topology (its head included: it carries the label too), stopped ones too. */
    static List<JsonNode> members(DockerApi docker, String instance) {
        return docker.containers(Map.of(DockerProvider.MANAGED, "true", MEMBER_OF, instance), null);
    }

    /** Removes the networks of a topology; whether there were any. */
    static boolean removeNetworks(DockerApi docker, String instance) {
        List<JsonNode> nets = docker.networks(Map.of(DockerProvider.MANAGED, "true", MEMBER_OF, instance));
        for (JsonNode n : nets) {
            try {
                docker.removeNetwork(n.path("Id").asText());
            } catch (NotFound gone) {
                // removed meanwhile
            }
        }
        return !nets.isEmpty();
    }

    /** Instances whose network or members are left with no head: what a crash during start or a partial removal leaves. */
    static List<String> headless(DockerApi docker, java.util.Set<String> heads) {
        List<String> out = new ArrayList<>();
        for (JsonNode c : docker.containers(Map.of(DockerProvider.MANAGED, "true"), null)) {
            String of = DockerProvider.label(c, MEMBER_OF);
            if (of != null && !heads.contains(of) && !out.contains(of)) {
                out.add(of);
            }
        }
        for (JsonNode n : docker.networks(Map.of(DockerProvider.MANAGED, "true"))) {
            String of = DockerProvider.label(n, MEMBER_OF);
            if (of != null && !heads.contains(of) && !out.contains(of)) {
                out.add(of);
            }
        }
        return out;
    }
}
