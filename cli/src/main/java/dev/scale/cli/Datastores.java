package dev.scale.cli;

import dev.scale.cli.shell.ShellKind;
import dev.scale.cli.shell.couchbase.CouchbaseShell;
import dev.scale.cli.shell.memcached.MemcachedShell;
import dev.scale.cli.shell.postgres.PostgresShell;
import dev.scale.cli.shell.rabbitmq.RabbitmqShell;
import dev.scale.cli.shell.redis.RedisShell;
import dev.scale.cli.shell.s3.S3Shell;
import dev.scale.errors.ScaleException;
import dev.scale.probes.StoreAdapter;
import dev.scale.probes.stores.couchbase.CouchbaseAdapter;
import dev.scale.probes.stores.memcached.MemcachedAdapter;
import dev.scale.probes.stores.postgres.PostgresAdapter;
import dev.scale.probes.stores.redis.RedisAdapter;
import dev.scale.probes.stores.redis.RedisQueues;
import dev.scale.probes.stores.rabbitmq.RabbitmqQueues;
import dev.scale.probes.stores.rabbitmq.RabbitmqReplicated;
import dev.scale.probes.stores.couchbase.CouchbaseReplicated;
import dev.scale.probes.stores.postgres.PostgresQueues;
import dev.scale.probes.QueueStore;
import dev.scale.probes.ObjectStore;
import dev.scale.probes.Replicated;
import dev.scale.probes.Restarter;
import dev.scale.probes.stores.postgres.PostgresReplicated;
import dev.scale.probes.stores.redis.RedisSentinels;
import dev.scale.probes.stores.postgres.PostgresObjects;
import dev.scale.probes.stores.redis.RedisObjects;
import dev.scale.probes.stores.s3.S3Objects;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Instance;
import dev.scale.providers.Kind;
import dev.scale.providers.Kinds;
import dev.scale.providers.kinds.couchbase.CouchbaseKind;
import dev.scale.providers.kinds.memcached.MemcachedKind;
import dev.scale.providers.kinds.postgres.PostgresKind;
import dev.scale.providers.kinds.rabbitmq.RabbitmqKind;
import dev.scale.providers.kinds.redis.RedisKind;
import dev.scale.providers.kinds.s3.S3Kind;
import java.util.List;
import java.util.function.Function;

/**
 * The registry: every datastore scale knows, one line each, with its three parts (what it is and how it runs,
 * how the probes use it, how the shell speaks to it). The only place that names the kinds; help texts,
 * completion, {@code --on} validation, {@code scale kinds} and README's table all read it.
 */
final class Datastores {

    /**
     * One datastore's parts, each from its own package in its own module. A kind still being built may lack its
     * probes' adapter or its shell (null): up, ls, env, run and down work, and what it lacks says so in one line.
     */
    record Datastore(Kind kind, Function<Endpoint, StoreAdapter> store, Function<Endpoint, QueueStore> queues, Function<Endpoint, ObjectStore> objects,
                     Replicated.Factory replicated, ShellKind shell) {
    }

    static final List<Datastore> ALL = List.of(
            new Datastore(new RedisKind(), RedisAdapter::new, RedisQueues::new, RedisObjects::new, RedisSentinels::of, new RedisShell()),
            new Datastore(new PostgresKind(), PostgresAdapter::new, PostgresQueues::new, PostgresObjects::new, PostgresReplicated::of, new PostgresShell()),
            new Datastore(new CouchbaseKind(), CouchbaseAdapter::new, null, null, CouchbaseReplicated::of, new CouchbaseShell()),
            new Datastore(new MemcachedKind(), MemcachedAdapter::new, null, null, null, new MemcachedShell()),
            new Datastore(new RabbitmqKind(), null, RabbitmqQueues::new, null, RabbitmqReplicated::of, new RabbitmqShell()),
            new Datastore(new S3Kind(), null, null, S3Objects::new, null, new S3Shell()));

    private static final Kinds KINDS = new Kinds(ALL.stream().map(Datastore::kind).toList());

    private Datastores() {
    }

    static Kinds kinds() {
        return KINDS;
    }

    static Datastore of(Kind kind) {
        return ALL.stream().filter(d -> d.kind().name().equals(kind.name())).findFirst()
                .orElseThrow(() -> ScaleException.usage("unknown kind '" + kind.name() + "'", "known kinds: " + KINDS.names()));
    }

    static ShellKind shell(Kind kind) {
        ShellKind shell = of(kind).shell();
        if (shell == null) {
            throw ScaleException.usage("scale has no shell for " + kind.name() + " yet",
                    "start one with scale up " + kind.name() + " and use a client of your own with scale env");
        }
        return shell;
    }

    /** The probes' adapter for an instance, connected to its endpoint. */
    static StoreAdapter store(Instance instance) {
        requireKeys(instance.kind(), instance.name());
        return of(instance.kind()).store().apply(instance.endpoint());
    }

    /** Refuses a kind whose instances keep no keys (an event broker, an object store), saying which probe measures it instead. */
    static void requireKeys(Kind kind, String on) {
        Datastore d = of(kind);
        if (d.store() == null) {
            String instead = instead(d, on);
            throw instead != null
                    ? ScaleException.usage(kind.name() + " keeps no keys: the key/value probes measure " + kinds(Datastore::store), instead)
                    : ScaleException.usage("the key/value probes do not measure " + kind.name() + " yet; they measure " + kinds(Datastore::store));
        }
    }

    /**
     * Refuses, before a disposable instance of it starts, a kind the probe cannot measure: a broker for a key/value
     * probe, memcached for the queue probe, a broker for the objects probe; says which kinds it does measure and which
     * probe measures this one.
     */
    static void requireMeasurable(dev.scale.probes.VerdictProbe probe, Kind kind, String on) {
        Datastore d = of(kind);
        if (probe.measuresQueues() && d.queues() == null) {
            throw ScaleException.usage(kind.name() + " carries no messages: the queue probe measures " + kinds(Datastore::queues), instead(d, on));
        }
        if (probe.measuresObjects() && d.objects() == null) {
            throw ScaleException.usage(kind.name() + " keeps no objects: the objects probe measures " + kinds(Datastore::objects), instead(d, on));
        }
        if (probe.measuresFailover() && d.replicated() == null) {
            throw ScaleException.usage(kind.name() + " does not run replicated in scale: the failover probe measures " + kinds(Datastore::replicated),
                    "start one with scale up redis --replicas 1 --sentinels 3 --name ha, then scale probe failover --on ha");
        }
        if (probe.measuresFailover()) {
            throw ScaleException.usage("the failover probe measures a replicated instance, not a disposable " + kind.name(),
                    "start one with " + replicatedExample(kind) + " --name ha, then scale probe failover --on ha");
        }
        if (!probe.measuresQueues() && !probe.measuresObjects()) {
            requireKeys(kind, on);
        }
    }

    private static String kinds(Function<Datastore, ?> part) {
        return String.join(", ", ALL.stream().filter(a -> part.apply(a) != null).map(a -> a.kind().name()).toList());
    }

    /** The probe that measures what this kind keeps: its keys, its messages, its objects. */
    private static String instead(Datastore d, String on) {
        String probe = d.store() != null ? "kv" : d.queues() != null ? "queue" : d.objects() != null ? "objects" : null;
        return probe == null ? null : "measure it with scale probe " + probe + " --on " + on;
    }

    /**
     * What the probes can use of an instance: its key/value, queue and object adapters, each null where the kind has
     * none, and a way to restart its server for each where scale started it (not a server given by its URL).
     */
    static dev.scale.probes.fit.Fit.Store probed(String label, Instance instance, dev.scale.cli.context.Context ctx) {
        Datastore d = of(instance.kind());
        boolean ours = !instance.provider().equals("url");
        // a replicated instance is not restarted as a whole (scale restart refuses it): its failover row measures a node's loss
        boolean restartable = ours && dev.scale.providers.Topology.servers(instance.endpoint().ports()).isEmpty();
        Restarter<QueueStore> queues = d.queues() == null || !restartable ? null : lines -> d.queues().apply(restart(instance, ctx, lines));
        Restarter<ObjectStore> objects = d.objects() == null || !restartable ? null : lines -> d.objects().apply(restart(instance, ctx, lines));
        Replicated replicated = !ours || d.replicated() == null ? null
                : d.replicated().of(instance.kind().env(instance.endpoint()), new Replicated.Faults() {
                    @Override
                    public void apply(String member, dev.scale.providers.Topology.Fault fault) {
                        ctx.instances().fault(instance, member, fault);
                    }

                    @Override
                    public List<String> undoLeftovers() {
                        return ctx.instances().undoLeftoverFaults(instance);
                    }
                });
        return new dev.scale.probes.fit.Fit.Store(label, instance.kind().name(), instance.version(),
                d.store() == null ? null : d.store().apply(instance.endpoint()), d.queues() == null ? null : d.queues().apply(instance.endpoint()), queues,
                d.objects() == null ? null : d.objects().apply(instance.endpoint()), objects, replicated,
                replicated != null ? null : single(instance));
    }

    /** The usual replicated topology of a kind that runs replicated. */
    private static String replicatedExample(Kind kind) {
        return "scale up " + kind.name() + " --replicas " + kind.replication().replicasToFailOver() + (kind.replication().watchesItself() ? "" : " --sentinels 3");
    }

    /** Why the failover probe has nothing to measure on an instance. */
    private static String single(Instance instance) {
        Kind kind = instance.kind();
        if (kind.replication() == null) {
            return "a single server: " + kind.name() + " does not run replicated in scale";
        }
        String replicated = replicatedExample(kind);
        if (dev.scale.providers.Topology.servers(instance.endpoint().ports()).isEmpty()) {
            return "a single server: nothing to fail over to (start a replicated one: " + replicated + ")";
        }
        return "replicas, but nothing that promotes one when the primary fails (" + replicated + ")";
    }

    private static Endpoint restart(Instance instance, dev.scale.cli.context.Context ctx, java.util.function.Consumer<String> lines) {
        return ctx.instances().restart(instance.name(), (name, line) -> lines.accept(line)).endpoint();
    }

    /** The kinds' names, for picocli's completion candidates and ${COMPLETION-CANDIDATES} in help texts. */
    static final class Names implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return ALL.stream().map(d -> d.kind().name()).iterator();
        }
    }
}
