package dev.scale.cli.shell.couchbase;

import dev.scale.cli.shell.PsqlTable;
import dev.scale.cli.shell.SqlText;

import dev.scale.cli.shell.Session;

import com.couchbase.client.core.error.CouchbaseException;
import com.couchbase.client.java.AsyncCollection;
import com.couchbase.client.java.codec.RawBinaryTranscoder;
import com.couchbase.client.java.json.JsonArray;
import com.couchbase.client.java.json.JsonObject;
import com.couchbase.client.java.kv.DecrementOptions;
import com.couchbase.client.java.kv.GetOptions;
import com.couchbase.client.java.kv.IncrementOptions;
import com.couchbase.client.java.kv.InsertOptions;
import com.couchbase.client.java.kv.MutationResult;
import com.couchbase.client.java.kv.ReplaceOptions;
import com.couchbase.client.java.kv.UpsertOptions;
import com.couchbase.client.java.query.QueryResult;
import dev.scale.probes.stores.couchbase.CouchbaseStore;
import dev.scale.providers.Instance;
import dev.scale.providers.Names;
import dev.scale.errors.ScaleException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Couchbase in the shell: key/value commands on the bucket's default collection, and SQL++ for anything
 * else, ended by ';' as in cbq, printed as a table. Values that parse as JSON are stored as JSON documents,
 * others as text.
 */
final class CouchbaseSession implements Session {
    static final List<String> COMMANDS = List.of("get", "upsert", "insert", "replace", "remove", "incr", "decr");
    private static final List<String> KEYWORDS = List.of("SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "INSERT", "INTO", "VALUES",
            "UPSERT", "UPDATE", "SET", "DELETE", "JOIN", "ON", "KEYS", "USE", "GROUP", "BY", "ORDER", "LIMIT", "OFFSET", "AS",
            "RAW", "COUNT", "SUM", "META", "CREATE", "INDEX", "PRIMARY", "DROP", "EXPLAIN", "IN", "IS", "MISSING", "NULL", "LIKE");
    private final Instance instance;
    private final CouchbaseStore store;
    private volatile CompletableFuture<?> running;

    CouchbaseSession(Instance instance) {
        this.instance = instance;
        this.store = new CouchbaseStore(instance.endpoint());
        store.collection(); // connect now, so that a wrong address or password shows at once
    }

    @Override
    public Instance instance() {
        return instance;
    }

    private static boolean keyValue(String input) {
        String first = input.strip().split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
        return COMMANDS.contains(first);
    }

    @Override
    public boolean complete(String input) {
        return input.isBlank() || keyValue(input) || SqlText.complete(input);
    }

    @Override
    public void execute(String input, PrintWriter out, PrintWriter err) {
        if (input.isBlank()) {
            return;
        }
        try {
            out.print(keyValue(input) ? run(input) : query(input));
        } catch (CancellationException e) {
            out.println("(interrupted)");
        } catch (IllegalArgumentException | ScaleException e) {
            err.println(e instanceof ScaleException se ? se.oneLine() : e.getMessage());
        } catch (CouchbaseException e) {
            err.println("(error) " + describe(e));
        }
        out.flush();
        err.flush();
    }

    /** A short description of an SDK error: its kind and, for SQL++, the server's first message. */
    static String describe(CouchbaseException e) {
        String name = e.getClass().getSimpleName().replace("Exception", "");
        String message = e.getMessage() == null ? "" : e.getMessage();
        int json = message.indexOf(" {");
        String first = (json > 0 ? message.substring(0, json) : message).strip();
        if (e.context() != null && e.context().toString().contains("\"msg\":\"")) {
            String ctx = e.context().toString();
            int at = ctx.indexOf("\"msg\":\"") + 7;
            first = ctx.substring(at, ctx.indexOf('"', at));
        }
        return name + ": " + first;
    }

    private <T> T await(CompletableFuture<T> f) {
        running = f;
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            running = null;
        }
    }

    /** One key/value command, as typed: {@code upsert KEY VALUE [EXPIRY]}, {@code get KEY}, {@code incr KEY [DELTA]}. */
    String run(String input) {
        List<String> args = words(input);
        String command = args.get(0).toLowerCase(Locale.ROOT);
        AsyncCollection c = store.collection().async();
        record Form(String usage, int minWords, int maxWords) {
        }
        Form form = switch (command) {
            case "get", "remove" -> new Form(command + " KEY", 2, 2);
            case "incr", "decr" -> new Form(command + " KEY [DELTA]", 2, 3);
            default -> new Form(command + " KEY VALUE [EXPIRY, e.g. 30s]", 3, 4);
        };
        if (args.size() < form.minWords() || args.size() > form.maxWords()) {
            throw new IllegalArgumentException("usage: " + form.usage());
        }
        String key = args.get(1);
        switch (command) {
            case "get" -> {
                byte[] raw = await(c.get(key, GetOptions.getOptions().transcoder(RawBinaryTranscoder.INSTANCE))).contentAsBytes();
                return new String(raw, StandardCharsets.UTF_8) + "\n";
            }
            case "remove" -> {
                await(c.remove(key));
                return "OK\n";
            }
            case "incr", "decr" -> {
                long delta = args.size() == 3 ? parseLong(args.get(2)) : 1;
                long value = command.equals("incr")
                        ? await(c.binary().increment(key, IncrementOptions.incrementOptions().delta(delta).initial(delta))).content()
                        : await(c.binary().decrement(key, DecrementOptions.decrementOptions().delta(delta).initial(0))).content();
                return value + "\n";
            }
            default -> {
                Object value = document(args.get(2));
                Duration expiry = args.size() == 4 ? Names.parseDuration("expiry", args.get(3), false) : Duration.ZERO;
                if (!expiry.isZero() && expiry.toMillis() < 1000) {
                    throw new IllegalArgumentException("Couchbase counts expiry in whole seconds: give at least 1s");
                }
                MutationResult r = switch (command) {
                    case "upsert" -> await(c.upsert(key, value, UpsertOptions.upsertOptions().expiry(expiry)));
                    case "insert" -> await(c.insert(key, value, InsertOptions.insertOptions().expiry(expiry)));
                    default -> await(c.replace(key, value, ReplaceOptions.replaceOptions().expiry(expiry)));
                };
                return "OK (cas " + r.cas() + ")\n";
            }
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number: " + s);
        }
    }

    /** JSON objects and arrays become JSON documents; anything else is stored as the text typed. */
    private static Object document(String text) {
        String t = text.strip();
        try {
            if (t.startsWith("{")) {
                return JsonObject.fromJson(t);
            }
            if (t.startsWith("[")) {
                return JsonArray.fromJson(t);
            }
        } catch (RuntimeException notJson) {
            throw new IllegalArgumentException("not valid JSON: " + t);
        }
        return t;
    }

    /** Words as typed, with "double" or 'single' quotes around values that hold spaces, and JSON kept whole. */
    static List<String> words(String input) {
        List<String> out = new ArrayList<>();
        String s = input.strip();
        int i = 0;
        while (i < s.length()) {
            char ch = s.charAt(i);
            if (Character.isWhitespace(ch)) {
                i++;
                continue;
            }
            if (ch == '{' || ch == '[') {
                int depth = 0;
                int j = i;
                boolean inString = false;
                for (; j < s.length(); j++) {
                    char d = s.charAt(j);
                    if (d == '"' && (j == 0 || s.charAt(j - 1) != '\\')) {
                        inString = !inString;
                    } else if (!inString && (d == '{' || d == '[')) {
                        depth++;
                    } else if (!inString && (d == '}' || d == ']') && --depth == 0) {
                        break;
                    }
                }
                if (j >= s.length()) {
                    throw new IllegalArgumentException("unbalanced JSON: " + s.substring(i));
                }
                out.add(s.substring(i, j + 1));
                i = j + 1;
            } else if (ch == '"' || ch == '\'') {
                int end = s.indexOf(ch, i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("unbalanced quotes");
                }
                out.add(s.substring(i + 1, end));
                i = end + 1;
            } else {
                int j = i;
                while (j < s.length() && !Character.isWhitespace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
        }
        return out;
    }

    /** A SQL++ statement; its rows as a table, one column per field of the first rows (or one column for RAW values). */
    String query(String input) {
        String statement = input.strip();
        if (statement.endsWith(";")) {
            statement = statement.substring(0, statement.length() - 1);
        }
        QueryResult r = await(store.cluster().async().query(statement));
        List<Object> rows = r.rowsAs(Object.class);
        if (rows.isEmpty()) {
            return "(0 rows)\n\n";
        }
        Set<String> columns = new LinkedHashSet<>();
        boolean objects = rows.stream().allMatch(row -> row instanceof java.util.Map);
        if (objects) {
            for (Object row : rows) {
                ((java.util.Map<?, ?>) row).keySet().forEach(k -> columns.add(String.valueOf(k)));
            }
        } else {
            columns.add("value");
        }
        String[] names = columns.toArray(String[]::new);
        boolean[] right = new boolean[names.length];
        java.util.Arrays.fill(right, true);
        List<String[]> table = new ArrayList<>();
        for (Object row : rows) {
            String[] cells = new String[names.length];
            for (int c = 0; c < names.length; c++) {
                Object v = objects ? ((java.util.Map<?, ?>) row).get(names[c]) : row;
                cells[c] = v == null ? "" : v instanceof String str ? str : json(v);
                if (!(v instanceof Number)) {
                    right[c] = false;
                }
            }
            table.add(cells);
        }
        return PsqlTable.format(names, right, table);
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private static String json(Object v) {
        try {
            return JSON.writeValueAsString(v);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return String.valueOf(v);
        }
    }

    @Override
    public void cancel() {
        CompletableFuture<?> f = running;
        if (f != null) {
            f.cancel(true);
        }
    }

    @Override
    public List<String> words() {
        List<String> all = new ArrayList<>();
        COMMANDS.forEach(c -> all.add(c.toUpperCase(Locale.ROOT)));
        all.addAll(KEYWORDS);
        all.add("`" + instance.endpoint().database() + "`");
        return all;
    }

    @Override
    public void close() {
        store.close();
    }
}
