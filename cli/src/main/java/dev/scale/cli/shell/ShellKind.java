package dev.scale.cli.shell;

import dev.scale.providers.Instance;
import java.nio.file.Path;

/**
 * What the shell and {@code scale run --init} know of one datastore: how to open a session on it and how to
 * load an init file into it. One implementation per kind, in its own package under {@code dev.scale.cli.shell};
 * the CLI's registry says which serves which kind.
 */
public interface ShellKind {

    /** Connects a session to the instance; the caller closes it. */
    Session open(Instance instance) throws Exception;

    /**
     * Loads {@code text}, read from {@code file}, into a fresh instance before {@code scale run}'s command.
     * @throws dev.scale.errors.ScaleException naming the file, the line and the server's error
     */
    void init(Instance instance, Path file, String text);

    /** What an init file holds, for help: "SQL statements", "one Redis command a line". */
    String initFormat();

    /** The prompt's colour for this kind, one of JLine's {@code AttributedStyle} colour numbers. */
    int promptColour();
}
