package dev.scale.cli.shell.s3;

import dev.scale.cli.shell.Session;
import dev.scale.cli.shell.ShellKind;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Instance;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

/** An S3 object store in the shell: ls, put, get, cat, stat, rm, presign, mb, rb, buckets, use. */
public final class S3Shell implements ShellKind {

    @Override
    public Session open(Instance instance) {
        return new S3Session(instance, Path.of(""));
    }

    @Override
    public String initFormat() {
        return "one shell command a line (put FILE [KEY], mb BUCKET, …; files relative to the init file)";
    }

    @Override
    public int promptColour() {
        return 208; // orange, on terminals of 256 colours (JLine rounds it on others)
    }

    /**
     * One shell command a line; blank lines and # comments are skipped; local files are read relative to the init
     * file's directory (a seed directory travels with its files); an error stops the load, naming file and line.
     */
    @Override
    public void init(Instance instance, Path file, String text) {
        Path dir = file.toAbsolutePath().getParent();
        try (S3Session session = new S3Session(instance, dir)) {
            List<String> lines = text.lines().toList();
            for (int n = 0; n < lines.size(); n++) {
                String line = lines.get(n).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                StringWriter reply = new StringWriter();
                session.execute(line, new PrintWriter(reply), new PrintWriter(reply));
                String first = reply.toString().strip();
                if (first.startsWith("ERROR") || first.startsWith("(interrupted")) {
                    throw ScaleException.failure("init " + instance.name() + " from " + file + ":" + (n + 1) + ": " + first.lines().findFirst().orElse(first), null);
                }
            }
        }
    }
}
