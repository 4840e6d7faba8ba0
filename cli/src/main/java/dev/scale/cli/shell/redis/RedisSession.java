package dev.scale.cli.shell.redis;

import dev.scale.cli.shell.Session;

import dev.scale.providers.kinds.redis.Resp;

import dev.scale.providers.Instance;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/** Redis commands as typed, replies as redis-cli prints them. */
final class RedisSession implements Session {
    private static final List<String> FALLBACK_COMMANDS = List.of("APPEND", "DECR", "DECRBY", "DEL", "EXISTS", "EXPIRE",
            "GET", "GETSET", "HDEL", "HGET", "HGETALL", "HSET", "INCR", "INCRBY", "INFO", "KEYS", "LPOP", "LPUSH", "LRANGE",
            "MGET", "MSET", "PEXPIRE", "PING", "PTTL", "RPOP", "RPUSH", "SADD", "SCAN", "SET", "SETEX", "SMEMBERS", "TTL",
            "TYPE", "ZADD", "ZRANGE", "ZSCORE");

    private final Instance instance;
    private volatile Resp resp;
    private volatile boolean cancelled;
    private List<String> commands;

    RedisSession(Instance instance) throws IOException {
        this.instance = instance;
        this.resp = connect();
    }

    /** Over TLS when the instance requires it; a refused certificate's message names SCALE_CA_FILE. */
    private Resp connect() throws IOException {
        return Resp.connect(instance.endpoint());
    }

    @Override
    public Instance instance() {
        return instance;
    }

    @Override
    public void execute(String input, PrintWriter out, PrintWriter err) {
        List<byte[]> args;
        try {
            args = RedisText.split(input);
        } catch (RedisText.BadQuotes e) {
            out.println(e.getMessage());
            return;
        }
        if (args.isEmpty()) {
            return;
        }
        cancelled = false;
        try {
            out.print(RedisText.format(resp.callRaw(args)));
        } catch (IOException e) {
            if (cancelled) {
                out.println("(interrupted)");
            } else {
                out.println("(error) " + e.getMessage());
            }
            reconnect(out);
        }
        out.flush();
    }

    private void reconnect(PrintWriter out) {
        try {
            resp.close();
        } catch (IOException ignored) {
            // already broken
        }
        try {
            resp = connect();
        } catch (IOException e) {
            out.println("(error) could not reconnect: " + e.getMessage());
        }
    }

    /** Closing the socket is the only way to stop a blocked command (BLPOP 0); the next command reconnects. */
    @Override
    public void cancel() {
        cancelled = true;
        try {
            resp.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    @Override
    public synchronized List<String> words() {
        if (commands == null) {
            TreeSet<String> names = new TreeSet<>();
            try (Resp r = connect()) {
                if (r.call(List.of("COMMAND")) instanceof Resp.Multi all && all.items() != null) {
                    for (Resp.Reply info : all.items()) {
                        if (info instanceof Resp.Multi m && m.items() != null && !m.items().isEmpty()
                                && m.items().get(0) instanceof Resp.Bulk b && b.value() != null) {
                            names.add(new String(b.value(), StandardCharsets.UTF_8).toUpperCase(Locale.ROOT));
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the server would not say: offer the common ones
            }
            commands = new ArrayList<>(names.isEmpty() ? new TreeSet<>(FALLBACK_COMMANDS) : names);
        }
        return commands;
    }

    @Override
    public boolean wordsAfterFirst() {
        return false;
    }

    @Override
    public void close() {
        try {
            resp.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
