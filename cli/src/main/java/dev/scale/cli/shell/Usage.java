package dev.scale.cli.shell;

/**
 * A typed command the shell cannot run as given (wrong arguments, a bad value): the session prints it as one
 * {@code ERROR …; usage: …} line and goes on. No stack trace is kept; it never leaves the session.
 */
public final class Usage extends Exception {
    private static final long serialVersionUID = 1L;

    public Usage(String message) {
        super(message, null, false, false);
    }

    /** Refuses a command given the wrong number of arguments. */
    public static void need(boolean ok) throws Usage {
        if (!ok) {
            throw new Usage("wrong number of arguments");
        }
    }
}
