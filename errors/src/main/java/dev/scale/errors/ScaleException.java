package dev.scale.errors;

/**
 * The one exception type scale reports to users: a message, an optional way out, and the exit code.
 * The CLI prints {@link #oneLine()} and exits with {@link #exitCode()}.
 */
public class ScaleException extends RuntimeException {
    private final ExitCode exitCode;
    private final String hint;

    public ScaleException(ExitCode exitCode, String message, String hint, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
        this.hint = hint;
    }

    public static ScaleException usage(String message) {
        return new ScaleException(ExitCode.USAGE, message, null, null);
    }

    public static ScaleException usage(String message, String hint) {
        return new ScaleException(ExitCode.USAGE, message, hint, null);
    }

    public static ScaleException environment(String message, String hint, Throwable cause) {
        return new ScaleException(ExitCode.ENVIRONMENT, message, hint, cause);
    }

    public static ScaleException failure(String message, Throwable cause) {
        return new ScaleException(ExitCode.FAILURE, message, null, cause);
    }

    public static ScaleException failure(String message, String hint, Throwable cause) {
        return new ScaleException(ExitCode.FAILURE, message, hint, cause);
    }

    public ExitCode exitCode() {
        return exitCode;
    }

    public String hint() {
        return hint;
    }

    /** The message and, when there is one, the way out, on a single line. */
    public String oneLine() {
        return Printable.line(hint == null ? getMessage() : getMessage() + " — " + hint);
    }
}
