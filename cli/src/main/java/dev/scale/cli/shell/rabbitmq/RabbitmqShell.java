package dev.scale.cli.shell.rabbitmq;

import dev.scale.cli.shell.Session;
import dev.scale.cli.shell.ShellKind;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Instance;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

/** An AMQP 0-9-1 broker in the shell: declare, bind, publish, consume, follow, purge, delete, queues. */
public final class RabbitmqShell implements ShellKind {

    @Override
    public Session open(Instance instance) throws Exception {
        return new RabbitmqSession(instance);
    }

    @Override
    public String initFormat() {
        return "one shell command a line (declare queue NAME, bind QUEUE EXCHANGE KEY, publish KEY BODY, …)";
    }

    @Override
    public int promptColour() {
        return 5; // magenta
    }

    /** One shell command a line; blank lines and # comments are skipped; an error or a returned message stops the load. */
    @Override
    public void init(Instance instance, Path file, String text) {
        RabbitmqSession session;
        try {
            session = new RabbitmqSession(instance);
        } catch (Exception e) {
            throw ScaleException.failure("init " + instance.name() + ": " + RabbitmqSession.reason(e), e);
        }
        try (session) {
            List<String> lines = text.lines().toList();
            for (int n = 0; n < lines.size(); n++) {
                String line = lines.get(n).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (line.split("\\s+")[0].equalsIgnoreCase("follow")) {
                    throw ScaleException.failure("init " + instance.name() + " from " + file + ":" + (n + 1) + ": follow never ends; use consume QUEUE N", null);
                }
                StringWriter reply = new StringWriter();
                session.execute(line, new PrintWriter(reply), new PrintWriter(reply));
                String first = reply.toString().strip();
                if (first.startsWith("ERROR") || first.startsWith("returned:")) {
                    throw ScaleException.failure("init " + instance.name() + " from " + file + ":" + (n + 1) + ": " + first.lines().findFirst().orElse(first), null);
                }
            }
        }
    }
}
