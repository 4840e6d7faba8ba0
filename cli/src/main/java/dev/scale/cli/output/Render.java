package dev.scale.cli.output;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.scale.cli.context.Context;
import dev.scale.providers.ConnectionEnv;
import dev.scale.providers.Instance;
import dev.scale.errors.ScaleException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The output formats for instances. Tables redact secrets unless asked; machine formats carry them. */
public final class Render {
    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private Render() {
    }

    /**
     * Instances as a table (passwords hidden unless {@code reveal}), JSON, or their variables. JSON is for programs:
     * into a pipe or a file it carries the passwords; on a terminal, where a person reads it, they are hidden unless
     * {@code reveal}, as in the table.
     */
    public static void instances(Context ctx, List<Instance> instances, Format format, boolean reveal) {
        PrintWriter out = ctx.out();
        boolean secrets = reveal || !ctx.terminal();
        switch (format) {
            case TABLE -> table(out, instances, reveal, ctx.clock().instant());
            case JSON -> out.println(json(instances.stream().map(i -> fields(i, ctx.clock().instant(), secrets)).toList()));
            case ENV, DOTENV, GITHUB -> env(ctx, instances, format);
        }
        out.flush();
    }

    public static Map<String, Object> fields(Instance i, Instant now) {
        return fields(i, now, true);
    }

    /** An instance's fields; without {@code secrets}, its password is **** wherever it stands (password, url, env). */
    public static Map<String, Object> fields(Instance i, Instant now, boolean secrets) {
        dev.scale.providers.Secret pw = i.endpoint().password();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", i.name());
        m.put("kind", i.kind().name());
        m.put("version", i.version());
        m.put("provider", i.provider());
        m.put("state", i.expired(now) ? "expired" : i.state().name().toLowerCase(Locale.ROOT));
        m.put("host", i.endpoint().host());
        m.put("port", i.endpoint().port());
        m.put("username", i.endpoint().username());
        m.put("password", secrets ? pw.reveal() : pw.redactIn(pw.reveal()));
        if (i.endpoint().database() != null) {
            m.put("database", i.endpoint().database());
        }
        if (!i.endpoint().ports().isEmpty()) {
            m.put("ports", new java.util.TreeMap<>(i.endpoint().ports())); // a multi-service kind's other ports (Couchbase: mgmt, n1ql)
        }
        m.put("url", secrets ? i.url() : pw.redactIn(i.url()));
        m.put("createdAt", i.createdAt().toString());
        m.put("expiresAt", i.expiresAt().toString());
        m.put("ttlEnforcedBy", dev.scale.providers.lifecycle.Instances.ttlEnforcedBy(i.provider()));
        Map<String, String> env = new LinkedHashMap<>(i.kind().env(i.endpoint()));
        if (!secrets) {
            env.replaceAll((k, v) -> pw.redactIn(v));
        }
        m.put("env", env);
        return m;
    }

    public static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void table(PrintWriter out, List<Instance> instances, boolean reveal, Instant now) {
        if (instances.isEmpty()) {
            out.println("no instances");
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (Instance i : instances) {
            String url = reveal ? i.url() : i.endpoint().password().redactIn(i.url());
            String state = i.expired(now) ? "expired" : i.state().name().toLowerCase(Locale.ROOT);
            rows.add(List.of(i.name(), i.kind().name(), i.version(), i.provider(), state,
                    human(Duration.between(i.createdAt(), now)), human(i.timeLeft(now)), url));
        }
        out.print(Table.aligned(List.of("NAME", "KIND", "VERSION", "PROVIDER", "STATE", "AGE", "TIME LEFT", "URL"), rows));
    }

    public static String human(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + (s % 60 == 0 ? "" : (s % 60) + "s");
        }
        if (s < 86400) {
            return (s / 3600) + "h" + ((s % 3600) / 60 == 0 ? "" : ((s % 3600) / 60) + "m");
        }
        return (s / 86400) + "d" + ((s % 86400) / 3600 == 0 ? "" : ((s % 86400) / 3600) + "h");
    }

    /** {@code export X='v'} (shell), {@code X=v} (dotenv), or appended to $GITHUB_ENV with masks (github). */
    public static void env(Context ctx, List<Instance> instances, Format format) {
        Map<String, String> vars = ConnectionEnv.of(instances);
        PrintWriter out = ctx.out();
        switch (format) {
            case ENV -> vars.forEach((k, v) -> out.println("export " + k + "=" + shellQuote(v)));
            case DOTENV -> vars.forEach((k, v) -> out.println(k + "=" + dotenvQuote(v)));
            case JSON -> out.println(json(vars));
            case GITHUB -> github(ctx, instances, vars);
            default -> throw new IllegalArgumentException(format.name());
        }
        out.flush();
    }

    private static void github(Context ctx, List<Instance> instances, Map<String, String> vars) {
        String file = ctx.env().get("GITHUB_ENV");
        if (file == null || file.isBlank()) {
            throw ScaleException.usage("the github format appends to the file named by $GITHUB_ENV, which is not set",
                    "run it in a GitHub Actions step, or use --output env");
        }
        for (Instance i : instances) {
            ctx.out().println("::add-mask::" + i.endpoint().password().reveal());
        }
        StringBuilder lines = new StringBuilder();
        vars.forEach((k, v) -> lines.append(k).append('=').append(v).append('\n'));
        try {
            Files.writeString(Path.of(file), lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw ScaleException.failure("cannot append to $GITHUB_ENV (" + file + "): " + e.getMessage(), e);
        }
        ctx.info("added " + vars.size() + " variables to $GITHUB_ENV: " + String.join(", ", vars.keySet()));
    }

    public static String shellQuote(String v) {
        return "'" + v.replace("'", "'\\''") + "'";
    }

    public static String dotenvQuote(String v) {
        return v.matches("[A-Za-z0-9_./:@?&=%+-]*") ? v : "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
