package dev.scale.providers;

/** scale's exit-code table; README documents it. A `run` child's own code passes through unchanged. */
public enum ExitCode {
    OK(0), FAILURE(1), USAGE(2), ENVIRONMENT(3), INTERNAL(4);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
