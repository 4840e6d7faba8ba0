package dev.scale.providers;

/** Where providers say what they are doing while something slow happens. */
@FunctionalInterface
public interface Progress {
    void step(String instanceName, String message);

    /**
     * Something the user must read even where progress is not shown (a limit the service imposes, a link to keep
     * what was made): shown as a step by default.
     */
    default void notice(String instanceName, String message) {
        step(instanceName, message);
    }

    Progress NONE = (name, message) -> { };

    /** Shows notices only, as {@code NAME: message} lines: for commands that show no progress. */
    static Progress noticesOnly(java.util.function.Consumer<String> sink) {
        return new Progress() {
            @Override
            public void step(String instanceName, String message) {
            }

            @Override
            public void notice(String instanceName, String message) {
                sink.accept(instanceName + ": " + message);
            }
        };
    }
}
