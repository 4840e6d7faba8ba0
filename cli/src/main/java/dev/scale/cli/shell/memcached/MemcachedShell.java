package dev.scale.cli.shell.memcached;

import dev.scale.cli.shell.Session;
import dev.scale.cli.shell.ShellKind;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Instance;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** memcached in the shell: its text protocol's commands, typed as {@code set KEY VALUE [TTL]}. */
public final class MemcachedShell implements ShellKind {

    @Override
    public Session open(Instance instance) throws IOException {
        return new MemcachedSession(instance);
    }

    @Override
    public String initFormat() {
        return "one shell command a line (set KEY VALUE [TTL], incr KEY N, …)";
    }

    @Override
    public int promptColour() {
        return 2; // green
    }

    /** One shell command a line; blank lines and # comments are skipped; a reply that is an error stops the load. */
    @Override
    public void init(Instance instance, Path file, String text) {
        try (MemcachedSession session = new MemcachedSession(instance)) {
            List<String> lines = text.lines().toList();
            for (int n = 0; n < lines.size(); n++) {
                String line = lines.get(n).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String reply = session.run(line).strip();
                if (reply.startsWith("ERROR") || reply.startsWith("CLIENT_ERROR") || reply.startsWith("SERVER_ERROR")
                        || reply.equals("NOT_STORED") || reply.equals("NOT_FOUND") || reply.equals("EXISTS")) {
                    throw ScaleException.failure("init " + instance.name() + " from " + file + ":" + (n + 1) + ": " + reply, null);
                }
            }
        } catch (IOException e) {
            throw ScaleException.failure("init " + instance.name() + ": " + e.getMessage(), e);
        }
    }
}
