package dev.scale.cli.shell;

import dev.scale.probes.redis.Resp;

import dev.scale.providers.Endpoint;
import dev.scale.providers.Instance;
import dev.scale.providers.ScaleException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;

/** Loads a file into a fresh instance before `scale run`'s command: SQL for PostgreSQL, commands for Redis and Couchbase. */
public final class Init {
    private Init() {
    }

    public static void load(Instance instance, Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ScaleException.usage("cannot read init file " + file + ": " + e.getMessage());
        }
        switch (instance.kind().name()) {
            case "postgres" -> sql(instance, file, text);
            case "couchbase" -> couchbase(instance, file, text);
            default -> redis(instance, file, text);
        }
    }

    private static void sql(Instance instance, Path file, String text) {
        Endpoint e = instance.endpoint();
        Properties props = new Properties();
        props.setProperty("user", e.username());
        props.setProperty("password", e.password().reveal());
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + e.host() + ":" + e.port() + "/" + e.database(), props);
             Statement st = c.createStatement()) {
            for (String statement : SqlText.statements(text, true)) {
                try {
                    st.execute(statement);
                } catch (SQLException ex) {
                    throw ScaleException.failure("init " + instance.name() + " from " + file + " failed at \""
                            + firstLine(statement) + "\": " + ex.getMessage(), ex);
                }
            }
        } catch (SQLException ex) {
            throw ScaleException.failure("init " + instance.name() + ": cannot connect: " + ex.getMessage(), ex);
        }
    }

    /** One command a line, quoted as redis-cli quotes; blank lines and lines starting with # are skipped. */
    private static void redis(Instance instance, Path file, String text) {
        Endpoint e = instance.endpoint();
        try (Resp resp = Resp.connect(e.host(), e.port(), e.username(), e.password().reveal())) {
            List<String> lines = text.lines().toList();
            for (int n = 0; n < lines.size(); n++) {
                String line = lines.get(n).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                List<byte[]> args;
                try {
                    args = RedisText.split(line);
                } catch (RedisText.BadQuotes bad) {
                    throw ScaleException.usage(file + ":" + (n + 1) + ": unbalanced quotes");
                }
                if (resp.callRaw(args) instanceof Resp.Error err) {
                    throw ScaleException.failure("init " + instance.name() + " from " + file + ":" + (n + 1) + ": " + err.text(), null);
                }
            }
        } catch (IOException ex) {
            throw ScaleException.failure("init " + instance.name() + ": " + ex.getMessage(), ex);
        }
    }

    /** One shell command a line: key/value commands (upsert KEY VALUE …) or SQL++; blank lines and # comments are skipped. */
    private static void couchbase(Instance instance, Path file, String text) {
        try (CouchbaseSession session = new CouchbaseSession(instance)) {
            List<String> lines = text.lines().toList();
            for (int n = 0; n < lines.size(); n++) {
                String line = lines.get(n).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                try {
                    if (CouchbaseSession.COMMANDS.contains(line.split("\\s+", 2)[0].toLowerCase(java.util.Locale.ROOT))) {
                        session.run(line);
                    } else {
                        session.query(line);
                    }
                } catch (RuntimeException ex) {
                    String why = ex instanceof com.couchbase.client.core.error.CouchbaseException ce ? CouchbaseSession.describe(ce) : ex.getMessage();
                    throw ScaleException.failure("init " + instance.name() + " from " + file + ":" + (n + 1) + ": " + why, ex);
                }
            }
        }
    }

    private static String firstLine(String s) {
        String line = s.lines().findFirst().orElse("");
        return line.length() > 60 ? line.substring(0, 60) + "…" : line;
    }
}
