package dev.scale.errors;

/** scale's exit-code table; README documents it. A `run` child's own code passes through unchanged. */
public enum ExitCode {
    OK(0), FAILURE(1), USAGE(2), ENVIRONMENT(3), INTERNAL(4),
    /** `scale run`: the command cannot be executed (as env(1) and shells report it). */
    CANNOT_EXECUTE(126),
    /** `scale run`: the command is not found (as env(1) and shells report it). */
    NOT_FOUND(127);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
