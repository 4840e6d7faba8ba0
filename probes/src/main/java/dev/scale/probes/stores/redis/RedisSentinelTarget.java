package dev.scale.probes.stores.redis;

import dev.scale.probes.History.Outcome;
import dev.scale.probes.SetTest;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Secret;
import dev.scale.providers.kinds.redis.Resp;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The set test on Redis behind Sentinel, as a client that follows failovers does it: each writer keeps a connection
 * to the primary the Sentinels name, SADDs its id, and on a refusal (READONLY from a demoted node) or a lost
 * connection asks the Sentinels again. A write whose connection broke after it was sent is UNKNOWN; one that could
 * not be sent is REFUSED. A watcher asks the Sentinels every 20 ms and notes when they first name another primary.
 */
public final class RedisSentinelTarget implements SetTest.Target {
    static final String KEY = "scale:failover:set";
    private final String key;
    /** Every connection a writer opened, closed with the target. */
    private final java.util.Set<Resp> opened = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final List<Endpoint> sentinels;
    private final String master;
    private final Secret password;
    private final int timeoutMillis;
    private final Callable<?> fault;
    private final Callable<?> heal;
    private final java.util.function.UnaryOperator<String> addresses;
    private final ThreadLocal<Resp> connection = new ThreadLocal<>();
    private volatile String initial;
    private volatile long promoted = -1;
    private volatile boolean watching = true;
    private final Thread watcher;

    /**
     * @param sentinels where the Sentinels listen
     * @param master the name they monitor the primary by
     * @param fault breaks the primary; heal undoes it (both done by whoever runs the topology)
     */
    public RedisSentinelTarget(List<Endpoint> sentinels, String master, Secret password, int timeoutMillis, Callable<?> fault, Callable<?> heal)
            throws IOException {
        this(sentinels, master, password, timeoutMillis, fault, heal, java.util.function.UnaryOperator.identity(), KEY);
    }

    /**
     * @param addresses maps the {@code host:port} a Sentinel names to where this client reaches it: inside a Docker
     *     network the Sentinels name members by container name, and a client outside reaches each through the port
     *     published for it on 127.0.0.1 (what Jedis's HostAndPortMapper does)
     */
    public RedisSentinelTarget(List<Endpoint> sentinels, String master, Secret password, int timeoutMillis, Callable<?> fault, Callable<?> heal,
                               java.util.function.UnaryOperator<String> addresses, String key) throws IOException {
        this.key = key;
        this.addresses = addresses;
        this.sentinels = sentinels;
        this.master = master;
        this.password = password;
        this.timeoutMillis = timeoutMillis;
        this.fault = fault;
        this.heal = heal;
        this.initial = primary();
        watcher = new Thread(this::watch, "sentinel-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** The primary the first Sentinel that answers names: host:port. */
    String primary() throws IOException {
        IOException last = null;
        for (Endpoint s : sentinels) {
            try (Resp r = Resp.connect(s, timeoutMillis)) {
                Resp.Reply reply = r.call(List.of("SENTINEL", "get-master-addr-by-name", master));
                if (reply instanceof Resp.Multi m && m.items() != null && m.items().size() == 2) {
                    return Resp.text(m.items().get(0)) + ":" + Resp.text(m.items().get(1));
                }
                last = new IOException("Sentinel at " + s.port() + " answered " + reply);
            } catch (IOException e) {
                last = e;
            }
        }
        throw last == null ? new IOException("no Sentinel") : last;
    }

    private void watch() {
        while (watching) {
            try {
                String now = primary();
                if (promoted < 0 && !now.equals(initial)) {
                    promoted = System.nanoTime();
                }
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                // a Sentinel down or busy: ask again
            }
        }
    }

    private Resp connect() throws IOException {
        String[] hostPort = addresses.apply(primary()).split(":");
        return Resp.connect(new Endpoint(hostPort[0], Integer.parseInt(hostPort[1]), "default", password, "0"), timeoutMillis);
    }

    @Override
    public Outcome add(int id) {
        Resp r = connection.get();
        if (r == null) {
            try {
                r = connect();
                connection.set(r);
                opened.add(r);
            } catch (IOException e) {
                return Outcome.REFUSED; // nothing was sent
            }
        }
        try {
            Resp.Reply reply = r.callRaw(List.of(bytes("SADD"), bytes(key), bytes(Integer.toString(id))));
            if (reply instanceof Resp.Int) {
                return Outcome.ACKNOWLEDGED;
            }
            drop(); // READONLY, or another refusal: ask the Sentinels again next time
            return Outcome.REFUSED;
        } catch (ConnectException e) {
            drop();
            return Outcome.REFUSED;
        } catch (IOException e) {
            drop(); // sent, and the answer never came: it may or may not have happened
            return Outcome.UNKNOWN;
        }
    }

    private void drop() {
        Resp r = connection.get();
        connection.remove();
        if (r != null) {
            opened.remove(r);
            try {
                r.close();
            } catch (IOException ignored) {
                // gone either way
            }
        }
    }

    @Override
    public BitSet readBack() throws IOException {
        BitSet present = new BitSet();
        try (Resp r = connect()) {
            Resp.Reply reply = r.call(List.of("SMEMBERS", key));
            if (!(reply instanceof Resp.Multi m)) {
                throw new IOException("SMEMBERS answered " + reply);
            }
            for (Resp.Reply item : m.items()) {
                present.set(Integer.parseInt(Resp.text(item)));
            }
        }
        return present;
    }

    @Override
    public void fault() throws Exception {
        fault.call();
    }

    @Override
    public void heal() throws Exception {
        heal.call();
    }

    @Override
    public long promotedNanos() {
        return promoted;
    }

    @Override
    public void close() {
        watching = false;
        watcher.interrupt();
        for (Resp r : opened) {
            try {
                r.close();
            } catch (IOException ignored) {
                // gone either way
            }
        }
        opened.clear();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

}
