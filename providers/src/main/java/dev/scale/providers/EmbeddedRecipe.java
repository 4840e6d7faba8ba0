package dev.scale.providers;

import dev.scale.errors.ScaleException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * How one kind runs as a server process on this machine (the embedded provider): which version it has,
 * what its directory needs before the first start (a config file, {@code initdb}), and the command that runs
 * it in the foreground. The provider does the rest, the same for every kind: port, password, record,
 * supervisor, time to live, readiness and removal.
 */
public interface EmbeddedRecipe {

    /** What a recipe may use of this machine: scale's cache of unpacked binaries, and the programs installed. */
    record Machine(BinaryCache binaries, Programs programs) {
    }

    /** Why this kind cannot run as a process here, as one line with a way out; empty when it can. */
    Optional<String> unavailable(Machine machine);

    /** Where the server comes from, the same on every machine, for {@code scale kinds} and README: "redis-server carried in scale's jar". */
    String source();

    /** The version this machine runs (binaries scale carries, or the one installed), known before anything starts. */
    String version(Machine machine);

    /**
     * Makes what the server needs in {@code setup.dir()} and returns the command that runs it in the
     * foreground, listening on 127.0.0.1:{@code setup.endpoint().port()} only.
     */
    List<String> prepare(Setup setup) throws Exception;

    /**
     * The password of the server {@link #prepare} made, when it is a copy of the kind's template ({@link Kind#template}):
     * it answers with it until the template adopts the instance's own. Empty when it has the instance's from the start.
     */
    default Optional<Secret> startsWith(Setup setup) {
        return Optional.empty();
    }

    /** @param dir the instance's private directory (0700), removed with it */
    record Setup(String name, Path dir, Endpoint endpoint, Machine machine, Progress progress) {
    }

    /** A kind with no embedded server: every call but {@link #unavailable} and {@link #source} refuses with {@code why}. */
    static EmbeddedRecipe none(String why) {
        return new EmbeddedRecipe() {
            @Override
            public Optional<String> unavailable(Machine machine) {
                return Optional.of(why);
            }

            @Override
            public String source() {
                return "none: Docker only";
            }

            @Override
            public String version(Machine machine) {
                throw ScaleException.environment(why, null, null);
            }

            @Override
            public List<String> prepare(Setup setup) {
                throw ScaleException.environment(why, null, null);
            }
        };
    }
}
