package dev.scale.providers;

/** Where providers say what they are doing while something slow happens. */
@FunctionalInterface
public interface Progress {
    void step(String instanceName, String message);

    Progress NONE = (name, message) -> { };
}
