package dev.scale.cli;

import dev.scale.errors.ScaleException;

import dev.scale.cli.context.Context;
import dev.scale.cli.context.ProgressLines;
import dev.scale.cli.context.ShutdownHook;

import dev.scale.cli.output.Format;
import dev.scale.cli.output.OutputOption;
import dev.scale.cli.output.Render;
import dev.scale.providers.Instance;
import dev.scale.providers.lifecycle.Instances;
import dev.scale.providers.Kinds;
import dev.scale.providers.Names;
import dev.scale.providers.Provider;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "up", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Start datastores and print how to connect to them.",
                "Each one answers a real client request before this returns, and is removed by itself when its time to live passes."},
        footer = {"", "Examples:",
                "  scale up redis                          Redis, default version, for the default ttl (1h)",
                "  scale up postgres:16 --ttl 30m --name db",
                "  scale up redis postgres --output json   both at once, connection details as JSON",
                "  eval \"$(scale up redis --output env)\"   start and export REDIS_URL in one go",
                "  scale up redis --replicas 1 --sentinels 3   a primary, a replica and three Sentinels (Docker)",
                "  scale up postgres --replicas 1 --down-after 2s   a primary, a streaming replica and a promoter (Docker)",
                "  scale up rabbitmq --replicas 2   a cluster of three nodes for quorum queues (Docker)",
                "  scale up couchbase --replicas 2   three nodes, two replicas of each document, automatic failover (Docker)"})
final class UpCommand implements Callable<Integer> {
    @ParentCommand
    ScaleCommand parent;

    @Parameters(arity = "1..*", paramLabel = "KIND[:VERSION]", completionCandidates = Datastores.Names.class,
            description = "Of ${COMPLETION-CANDIDATES}; e.g. redis:7.2. See scale kinds.")
    List<String> kinds;

    @Option(names = "--name", paramLabel = "NAME", description = "Instance name (one instance only). Default: the kind, then kind-2, …")
    String name;

    @Option(names = "--ttl", paramLabel = "DURATION", description = "Time to live, e.g. 90s, 30m, 2h (max 7d). Default: 1h, or SCALE_TTL.")
    String ttl;

    @Option(names = "--provider", paramLabel = "PROVIDER", defaultValue = "auto",
            completionCandidates = ProviderNames.class, description = "${COMPLETION-CANDIDATES}: " + ProviderNames.HELP)
    String provider;

    @picocli.CommandLine.Mixin
    PodSize size;

    @Option(names = "--expose", paramLabel = "nodeport|loadbalancer", completionCandidates = Exposures.class, description = "With --provider kubernetes: reach the instances from"
            + " outside the cluster through a NodePort or LoadBalancer Service, not a port-forward (a warning says who can then reach them).")
    String expose;

    /** The values --expose takes, for completion. */
    static final class Exposures implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.List.of("nodeport", "loadbalancer").iterator();
        }
    }

    @Option(names = "--image", paramLabel = "IMAGE", description = "Docker image to run instead of the official one (one instance only).")
    String image;

    @Option(names = "--replicas", paramLabel = "N", description = "Run a primary and N replicas of it, on a Docker network of their own (redis, postgres; rabbitmq: a cluster of N+1 nodes, N at least 2). See scale probe failover.")
    Integer replicas;

    @Option(names = "--sentinels", paramLabel = "N", description = "With --replicas: N Redis Sentinels that promote a replica when the primary fails (3 is the usual; 0: nothing promotes). PostgreSQL always gets one promoter of its own; a RabbitMQ cluster needs none.")
    Integer sentinels;

    @Option(names = "--down-after", paramLabel = "DURATION", description = "With --sentinels (redis) or --replicas (postgres, rabbitmq): how long the primary is unreachable before a failover starts (rabbitmq: before a quorum queue's nodes suspect a silent one). Default: 5s.")
    String downAfter;

    @Mixin
    OutputOption.Connection output;

    @Option(names = "--reveal", description = "Show passwords: in the table, and in JSON on a terminal (JSON into a pipe or a file has them).")
    boolean reveal;

    @Override
    public Integer call() {
        Context ctx = parent.context();
        Format format = output.format();
        List<Kinds.Requested> requested = kinds.stream().map(ctx.kinds()::parse).toList();
        Duration life = Names.parseTtl(ttl != null ? ttl : ctx.config().defaultTtl());
        Instances.checkRequest(requested, name, image);
        dev.scale.providers.Topology topology = topology(replicas, sentinels, downAfter,
                requested.stream().allMatch(r -> r.kind().replication() != null && r.kind().replication().watchesItself()));
        Instances instances = ctx.instances();
        Provider chosen = instances.choose(provider, ctx::info);
        size.applyTo(chosen);
        if (expose != null) {
            if (!(chosen instanceof dev.scale.providers.kubernetes.KubernetesProvider k8s)) {
                throw ScaleException.usage("--expose makes a Kubernetes Service, not an instance of --provider " + chosen.name(),
                        "add --provider kubernetes, or leave it out");
            }
            k8s.expose(expose);
        }
        ProgressLines progress = new ProgressLines(ctx);
        List<Instance> started;
        // Ctrl-C while starting: remove whatever was partly made before the JVM exits.
        chosen.requireLasting();
        try (var cleanup = ShutdownHook.register("scale-up-cleanup", instances::cancelStarts)) {
            started = instances.up(requested, name, life, image, topology, chosen, progress);
            instances.handOver(started); // from here on they are the user's: this process's end is no orphaning
        }
        Render.instances(ctx, started, format, reveal);
        if (format == Format.TABLE) {
            ctx.info("connection variables: scale env " + started.get(0).name()
                    + (reveal ? "" : "; passwords hidden, add --reveal to show them"));
        }
        return 0;
    }

    /**
     * The topology the options ask for, or null for one server; a usage error for options that need --replicas.
     * @param watchedItself whether every kind asked for has a watcher of its own (PostgreSQL's promoter): then
     *     --down-after needs no --sentinels
     */
    static dev.scale.providers.Topology topology(Integer replicas, Integer sentinels, String downAfter, boolean watchedItself) {
        if (replicas == null) {
            if (sentinels != null || downAfter != null) {
                throw dev.scale.errors.ScaleException.usage((sentinels != null ? "--sentinels" : "--down-after") + " needs --replicas",
                        "add --replicas 1, e.g. scale up redis --replicas 1 --sentinels 3");
            }
            return null;
        }
        if (downAfter != null && (sentinels == null || sentinels == 0) && !watchedItself) {
            throw dev.scale.errors.ScaleException.usage("--down-after needs --sentinels", "add --sentinels 3");
        }
        return new dev.scale.providers.Topology(replicas, sentinels == null ? 0 : sentinels,
                downAfter == null ? dev.scale.providers.Topology.DEFAULT_DOWN_AFTER : Names.parseDuration("--down-after", downAfter, false));
    }
}
