package dev.scale.cli.shell.redis;

import dev.scale.cli.shell.Session;
import dev.scale.cli.shell.ShellKind;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Instance;
import dev.scale.providers.kinds.redis.Resp;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Redis in the shell: commands as redis-cli takes and prints them. */
public final class RedisShell implements ShellKind {

    @Override
    public Session open(Instance instance) throws IOException {
        return new RedisSession(instance);
    }

    @Override
    public String initFormat() {
        return "one Redis command a line, quoted as redis-cli quotes";
    }

    @Override
    public int promptColour() {
        return 1; // red
    }

    /** One command a line, quoted as redis-cli quotes; blank lines and lines starting with # are skipped. */
    @Override
    public void init(Instance instance, Path file, String text) {
        try (Resp resp = Resp.connect(instance.endpoint())) {
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
}
