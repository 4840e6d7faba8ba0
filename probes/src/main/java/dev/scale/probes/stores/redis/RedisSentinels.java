package dev.scale.probes.stores.redis;

import dev.scale.probes.Replicated;
import dev.scale.probes.SetTest;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Secret;
import dev.scale.providers.kinds.redis.Resp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Redis behind Sentinel as the failover probe drives it, built from the connection contract alone, as an
 * application's client is: {@code REDIS_SENTINELS}, {@code REDIS_SENTINEL_MASTER}, {@code REDIS_PASSWORD} and
 * {@code REDIS_HOST_MAP} (the Sentinels name members by their host names on the instance's network).
 */
public final class RedisSentinels implements Replicated {
    private final List<Endpoint> sentinels = new ArrayList<>();
    private final String master;
    private final Secret password;
    private final Map<String, String> hostMap = new HashMap<>();
    private final Faults faults;
    private final List<String> keys = new ArrayList<>();

    /**
     * @param contract the instance's connection variables ({@code Kind.env})
     * @return null where the contract names no Sentinels (one server, or replicas with nothing to promote them)
     */
    public static RedisSentinels of(Map<String, String> contract, Faults faults) {
        return contract.containsKey("REDIS_SENTINELS") ? new RedisSentinels(contract, faults) : null;
    }

    private RedisSentinels(Map<String, String> contract, Faults faults) {
        this.master = contract.get("REDIS_SENTINEL_MASTER");
        this.password = Secret.of(contract.getOrDefault("REDIS_PASSWORD", ""));
        this.faults = faults;
        for (String hp : contract.get("REDIS_SENTINELS").split(",")) {
            int colon = hp.lastIndexOf(':');
            sentinels.add(new Endpoint(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1)), "default", password, null));
        }
        for (String pair : contract.getOrDefault("REDIS_HOST_MAP", "").split(",")) {
            String[] kv = pair.split("=", 2);
            if (kv.length == 2) {
                hostMap.put(kv[0], kv[1]);
            }
        }
    }

    /** Members that keep data: what the host map names. */
    private int servers() {
        return hostMap.size();
    }

    @Override
    public String primary() throws IOException {
        String address = ask(List.of("SENTINEL", "get-master-addr-by-name", master)).get(0);
        return address;
    }

    /** The first answer of a Sentinel that gives one, as text items. */
    private List<String> ask(List<String> command) throws IOException {
        IOException last = null;
        for (Endpoint s : sentinels) {
            try (Resp r = Resp.connect(s, 2000)) {
                Resp.Reply reply = r.call(command);
                if (reply instanceof Resp.Multi m && m.items() != null && !m.items().isEmpty()) {
                    return m.items().stream().map(Resp::text).toList();
                }
                last = new IOException("Sentinel at " + s.port() + " answered " + reply + " to " + command.get(1));
            } catch (IOException e) {
                last = e;
            }
        }
        throw last == null ? new IOException("no Sentinel") : last;
    }

    @Override
    public SetTest.Target target(int timeoutMillis, Runnable fault, Runnable heal) throws IOException {
        String key = "scale:failover:" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        keys.add(key);
        return new RedisSentinelTarget(sentinels, master, password, timeoutMillis, () -> {
            fault.run();
            return null;
        }, () -> {
            heal.run();
            return null;
        }, a -> hostMap.getOrDefault(a, a), key);
    }

    @Override
    public Faults faults() {
        return faults;
    }

    /**
     * Every Sentinel names the same primary, flagged master and answering, knows the other Sentinels, and sees every
     * other server as a replica that is up with its link to the primary up: the killed primary, started again, has
     * been made a replica of the new one.
     */
    @Override
    public String whole() {
        String primary = null;
        for (Endpoint s : sentinels) {
            try (Resp r = Resp.connect(s, 2000)) {
                Map<String, String> m = Resp.fields(r.call(List.of("SENTINEL", "MASTER", master)));
                String named = m.get("ip") + ":" + m.get("port");
                if (primary != null && !primary.equals(named)) {
                    return "the Sentinels name different primaries";
                }
                primary = named;
                if (!"master".equals(m.get("flags"))) {
                    return "the primary is flagged " + m.get("flags");
                }
                if (!String.valueOf(sentinels.size() - 1).equals(m.get("num-other-sentinels"))) {
                    return "a Sentinel knows " + m.get("num-other-sentinels") + " others";
                }
                Resp.Reply replicas = r.call(List.of("SENTINEL", "REPLICAS", master));
                int up = 0;
                if (replicas instanceof Resp.Multi list) {
                    for (Resp.Reply one : list.items()) {
                        Map<String, String> rm = Resp.fields(one);
                        if ("slave".equals(rm.get("flags")) && "ok".equals(rm.get("master-link-status"))) {
                            up++;
                        }
                    }
                }
                if (up < servers() - 1) {
                    return up + " of " + (servers() - 1) + " replicas up and following " + named;
                }
            } catch (IOException e) {
                return "a Sentinel does not answer: " + e.getMessage();
            }
        }
        String[] at = hostMap.getOrDefault(primary, primary).split(":");
        try (Resp r = Resp.connect(new Endpoint(at[0], Integer.parseInt(at[1]), "default", password, null), 2000)) {
            Resp.Reply role = r.call(List.of("ROLE"));
            if (!(role instanceof Resp.Multi m) || !"master".equals(Resp.text(m.items().get(0)))) {
                return "the named primary answers ROLE " + role;
            }
        } catch (IOException | RuntimeException e) {
            return "the named primary does not answer: " + e.getMessage();
        }
        return null;
    }


    @Override
    public void clean() throws Exception {
        if (keys.isEmpty()) {
            return;
        }
        List<String> named = ask(List.of("SENTINEL", "get-master-addr-by-name", master));
        String primary = named.get(0) + ":" + named.get(1);
        String[] at = hostMap.getOrDefault(primary, primary).split(":");
        try (Resp r = Resp.connect(new Endpoint(at[0], Integer.parseInt(at[1]), "default", password, null), 5000)) {
            List<String> del = new ArrayList<>(List.of("DEL"));
            del.addAll(keys);
            r.call(del);
        }
        keys.clear();
    }

    @Override
    public void close() {
    }

}
