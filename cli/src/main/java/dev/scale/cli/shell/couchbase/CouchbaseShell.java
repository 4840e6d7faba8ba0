package dev.scale.cli.shell.couchbase;

import dev.scale.cli.shell.Session;
import dev.scale.cli.shell.ShellKind;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Instance;
import java.nio.file.Path;
import java.util.List;

/** Couchbase in the shell: key/value commands, and SQL++ ended by ';' printed as tables. */
public final class CouchbaseShell implements ShellKind {

    @Override
    public Session open(Instance instance) {
        return new CouchbaseSession(instance);
    }

    @Override
    public String initFormat() {
        return "one shell command a line: key/value commands (upsert KEY VALUE …) or SQL++";
    }

    @Override
    public int promptColour() {
        return 3; // yellow
    }

    /** One shell command a line: key/value commands (upsert KEY VALUE …) or SQL++; blank lines and # comments are skipped. */
    @Override
    public void init(Instance instance, Path file, String text) {
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
}
