package dev.scale.probes.stores.couchbase;

import com.couchbase.client.java.AsyncCollection;
import com.couchbase.client.java.codec.RawBinaryTranscoder;
import com.couchbase.client.java.kv.GetOptions;
import com.couchbase.client.java.kv.UpsertOptions;
import dev.scale.probes.Driver;
import dev.scale.probes.KeyChooser;
import dev.scale.probes.Op;
import dev.scale.probes.Run;
import dev.scale.probes.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * The kv probe on Couchbase, through the SDK's asynchronous API: each client keeps {@code pipeline}
 * operations in flight and sends the next batch when they answer (or, in an open loop, at its
 * intended time). The SDK does its own I/O on its event loops; one thread here only schedules.
 */
public final class CouchbaseDriver implements Driver {
    private static final String PREFIX = "scale:kv:";
    private static final UpsertOptions WRITE = UpsertOptions.upsertOptions().transcoder(RawBinaryTranscoder.INSTANCE);
    private static final GetOptions READ = GetOptions.getOptions().transcoder(RawBinaryTranscoder.INSTANCE);
    private final CouchbaseStore store;
    private volatile long highestKey = -1;

    public CouchbaseDriver(CouchbaseStore store) {
        this.store = store;
    }

    @Override
    public void load(Workload w, LongConsumer written) {
        AsyncCollection c = store.collection().async();
        byte[] value = w.value();
        for (long from = 0; from < w.keys(); from += 1000) {
            List<CompletableFuture<?>> batch = new ArrayList<>();
            for (long k = from; k < Math.min(w.keys(), from + 1000); k++) {
                batch.add(c.upsert(PREFIX + k, value, WRITE));
            }
            CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).join();
            written.accept(Math.min(w.keys(), from + 1000));
        }
        highestKey = w.keys() - 1;
    }

    private final class Client {
        final SplittableRandom random;
        long nextIntended;

        Client(long seed) {
            random = new SplittableRandom(seed);
        }
    }

    @Override
    public void run(Workload w, Run run) throws InterruptedException {
        AsyncCollection c = store.collection().async();
        byte[] value = w.value();
        KeyChooser chooser = KeyChooser.of(w.distribution(), w.keys());
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "scale-couchbase-driver");
            t.setDaemon(true);
            return t;
        });
        CountDownLatch stopped = new CountDownLatch(w.clients());
        long interval = w.openLoop() ? w.batchIntervalNanos() : 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < w.clients(); i++) {
            Client client = new Client(1000L + i);
            client.nextIntended = t0 + interval * i / w.clients();
            timer.execute(() -> batch(c, w, run, chooser, value, client, timer, stopped));
        }
        stopped.await(); // each client stops at its next batch once the run is stopped; the SDK times out what hangs
        timer.shutdownNow();
        highestKey = Math.max(highestKey, run.newestKey());
    }

    private void batch(AsyncCollection c, Workload w, Run run, KeyChooser chooser, byte[] value, Client client,
                       ScheduledExecutorService timer, CountDownLatch stopped) {
        if (run.stopped()) {
            stopped.countDown();
            return;
        }
        long now = System.nanoTime();
        long intended = now;
        if (w.openLoop()) {
            if (now < client.nextIntended) {
                timer.schedule(() -> batch(c, w, run, chooser, value, client, timer, stopped), client.nextIntended - now, TimeUnit.NANOSECONDS);
                return;
            }
            run.backlog(now - client.nextIntended);
            intended = client.nextIntended;
            client.nextIntended += w.batchIntervalNanos();
        }
        long start = now;
        long due = intended;
        List<CompletableFuture<?>> inFlight = new ArrayList<>(w.pipeline());
        for (int i = 0; i < w.pipeline(); i++) {
            Op op = w.mix().choose(client.random);
            long key = op == Op.INSERT ? run.insertKey() : chooser.next(client.random, run.newestKey());
            String id = PREFIX + key;
            CompletableFuture<?> f = switch (op) {
                case READ -> c.get(id, READ);
                case READ_MODIFY_WRITE -> c.get(id, READ).thenCompose(r -> c.upsert(id, value, WRITE));
                default -> c.upsert(id, value, WRITE);
            };
            inFlight.add(f.whenComplete((r, e) -> {
                if (e != null && !CouchbaseStore.notFound(e)) {
                    run.error();
                } else {
                    run.record(op, due, start, System.nanoTime());
                }
            }));
        }
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new))
                .whenComplete((r, e) -> timer.execute(() -> batch(c, w, run, chooser, value, client, timer, stopped)));
    }

    @Override
    public void cleanUp(Workload w) {
        long last = Math.max(highestKey, w.keys() - 1);
        List<String> keys = new ArrayList<>();
        for (long k = 0; k <= last; k++) {
            keys.add(PREFIX + k);
        }
        store.removeAll(keys);
    }

    @Override
    public void close() {
    }
}
