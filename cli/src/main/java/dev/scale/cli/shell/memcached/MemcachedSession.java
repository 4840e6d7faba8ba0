package dev.scale.cli.shell.memcached;

import dev.scale.cli.shell.MetaWords;
import dev.scale.cli.shell.CommandSession;
import dev.scale.cli.shell.Usage;
import dev.scale.providers.Instance;
import dev.scale.providers.kinds.memcached.Memcache;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * memcached's text protocol, typed the short way ({@code set KEY VALUE [TTL]} rather than a header line and
 * a data block) and answered with the server's own words (STORED, NOT_FOUND, EXISTS), as telnet shows them.
 */
final class MemcachedSession implements CommandSession {
    /** The commands, with their usage; also the words completion offers. */
    static final Map<String, String> COMMANDS = Map.ofEntries(
            Map.entry("get", "get KEY..."), Map.entry("gets", "gets KEY..."),
            Map.entry("set", "set KEY VALUE [TTL-SECONDS]"), Map.entry("add", "add KEY VALUE [TTL-SECONDS]"),
            Map.entry("replace", "replace KEY VALUE [TTL-SECONDS]"), Map.entry("append", "append KEY VALUE"),
            Map.entry("prepend", "prepend KEY VALUE"), Map.entry("cas", "cas KEY VALUE CAS [TTL-SECONDS]"),
            Map.entry("delete", "delete KEY"), Map.entry("incr", "incr KEY [N]"), Map.entry("decr", "decr KEY [N]"),
            Map.entry("touch", "touch KEY TTL-SECONDS"), Map.entry("stats", "stats [items|slabs|settings|sizes]"),
            Map.entry("flush_all", "flush_all"), Map.entry("version", "version"));

    private final Instance instance;
    private volatile Memcache mc;
    private volatile boolean cancelled;

    MemcachedSession(Instance instance) throws IOException {
        this.instance = instance;
        this.mc = Memcache.connect(instance.endpoint());
    }

    @Override
    public Instance instance() {
        return instance;
    }

    @Override
    public void execute(String input, PrintWriter out, PrintWriter err) {
        cancelled = false;
        try {
            out.print(run(input));
        } catch (IOException e) {
            out.println(cancelled ? "(interrupted)" : "ERROR " + e.getMessage());
            reconnect(out);
        }
        out.flush();
    }

    /** Runs one typed command; returns what to print, each line ending in a newline. */
    String run(String input) throws IOException {
        List<String> w = MetaWords.split(input); // "double" or 'single' quotes keep spaces in a value
        if (w.isEmpty()) {
            return "";
        }
        String cmd = w.get(0).toLowerCase(Locale.ROOT);
        String usage = COMMANDS.get(cmd);
        if (usage == null) {
            return "ERROR unknown command '" + w.get(0) + "'; commands: " + String.join(", ", new java.util.TreeSet<>(COMMANDS.keySet())) + "\n";
        }
        try {
            return switch (cmd) {
                case "get", "gets" -> {
                    Usage.need(w.size() >= 2);
                    keys(w.subList(1, w.size()));
                    StringBuilder b = new StringBuilder();
                    for (Memcache.Value v : mc.retrieve(cmd, w.subList(1, w.size()))) {
                        b.append("VALUE ").append(v.key()).append(' ').append(Integer.toUnsignedString(v.flags())).append(' ')
                                .append(v.data().length).append(cmd.equals("gets") ? " " + v.cas() : "").append('\n')
                                .append(new String(v.data(), StandardCharsets.UTF_8)).append('\n');
                    }
                    yield b.append("END\n").toString();
                }
                case "set", "add", "replace" -> {
                    Usage.need(w.size() == 3 || w.size() == 4);
                    keys(w.subList(1, 2));
                    yield mc.store(cmd, w.get(1), 0, w.size() == 4 ? seconds(w.get(3)) : 0, bytes(w.get(2)), null) + "\n";
                }
                case "append", "prepend" -> {
                    Usage.need(w.size() == 3);
                    keys(w.subList(1, 2));
                    yield mc.store(cmd, w.get(1), 0, 0, bytes(w.get(2)), null) + "\n";
                }
                case "cas" -> {
                    Usage.need(w.size() == 4 || w.size() == 5);
                    keys(w.subList(1, 2));
                    yield mc.store(cmd, w.get(1), 0, w.size() == 5 ? seconds(w.get(4)) : 0, bytes(w.get(2)), number(w.get(3))) + "\n";
                }
                case "delete" -> {
                    Usage.need(w.size() == 2);
                    keys(w.subList(1, 2));
                    yield mc.call("delete " + w.get(1)) + "\n";
                }
                case "incr", "decr" -> {
                    Usage.need(w.size() == 2 || w.size() == 3);
                    keys(w.subList(1, 2));
                    yield mc.call(cmd + " " + w.get(1) + " " + (w.size() == 3 ? number(w.get(2)) : 1)) + "\n";
                }
                case "touch" -> {
                    Usage.need(w.size() == 3);
                    keys(w.subList(1, 2));
                    yield mc.call("touch " + w.get(1) + " " + seconds(w.get(2))) + "\n";
                }
                case "stats" -> {
                    Usage.need(w.size() <= 2);
                    StringBuilder b = new StringBuilder();
                    mc.stats(w.size() == 2 ? w.get(1) : null).forEach((k, v) -> b.append("STAT ").append(k).append(' ').append(v).append('\n'));
                    yield b.append("END\n").toString();
                }
                default -> {
                    Usage.need(w.size() == 1);
                    yield mc.call(cmd) + "\n";
                }
            };
        } catch (Usage e) {
            return "ERROR " + e.getMessage() + "; usage: " + usage + "\n";
        }
    }

    private static void keys(List<String> keys) throws Usage {
        for (String k : keys) {
            if (!Memcache.validKey(k)) {
                throw new Usage("bad key '" + k + "': 1-250 bytes, no spaces or control characters");
            }
        }
    }

    private static long seconds(String text) throws Usage {
        long n = number(text);
        if (n < 0) {
            throw new Usage("a time to live is 0 (none) or more seconds");
        }
        return n;
    }

    private static long number(String text) throws Usage {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new Usage("'" + text + "' is not a whole number");
        }
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    private void reconnect(PrintWriter out) {
        close();
        try {
            mc = Memcache.connect(instance.endpoint());
        } catch (IOException e) {
            out.println("ERROR could not reconnect: " + e.getMessage());
        }
    }

    @Override
    public Map<String, String> commands() {
        return COMMANDS;
    }

    @Override
    public void cancel() {
        cancelled = true;
        close();
    }

    @Override
    public void close() {
        try {
            mc.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
