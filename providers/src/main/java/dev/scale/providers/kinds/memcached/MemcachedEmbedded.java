package dev.scale.providers.kinds.memcached;

import dev.scale.errors.ScaleException;
import dev.scale.providers.EmbeddedRecipe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * memcached as a process: no Maven artifact carries a memcached binary, so the embedded provider runs the one
 * installed on this machine (found on PATH), listening on 127.0.0.1 only, TCP only. Without one, it refuses
 * and says how to get one; it never stands in another server.
 */
final class MemcachedEmbedded implements EmbeddedRecipe {
    /** What the last memcached asked said, by its path: asking runs a process. */
    private final java.util.Map<Path, String> versions = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public Optional<String> unavailable(Machine machine) {
        return machine.programs().find("memcached").isPresent() ? Optional.empty()
                : Optional.of("memcached has no embedded server here: scale runs an installed memcached and none is on PATH;"
                        + " install one (apt-get install memcached, brew install memcached), or start a Docker engine and use --provider docker");
    }

    @Override
    public String source() {
        return "the memcached installed on PATH";
    }

    /** What {@code memcached -V} says: {@code memcached 1.6.18}. */
    @Override
    public String version(Machine machine) {
        Path exe = executable(machine);
        String version = versions.get(exe);
        if (version == null) {
            try {
                Process p = new ProcessBuilder(exe.toString(), "-V").redirectErrorStream(true).start();
                String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (!p.waitFor(5, TimeUnit.SECONDS) || !said.startsWith("memcached ")) {
                    throw ScaleException.environment(exe + " -V did not say its version (" + said + ")", "check the memcached on PATH", null);
                }
                version = said.substring("memcached ".length()).trim();
                versions.put(exe, version);
            } catch (IOException e) {
                throw ScaleException.environment("cannot run " + exe + ": " + e.getMessage(), "check the memcached on PATH", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ScaleException.failure("interrupted", e);
            }
        }
        return version;
    }

    @Override
    public List<String> prepare(Setup s) {
        List<String> command = new ArrayList<>(List.of(executable(s.machine()).toString(), "-l", "127.0.0.1", "-p", Integer.toString(s.endpoint().port()),
                "-U", "0", "-m", "64"));
        if ("root".equals(System.getProperty("user.name"))) {
            // memcached refuses to run as root unless told which user to become; it writes no files.
            command.addAll(List.of("-u", "nobody"));
        }
        return command;
    }

    private static Path executable(Machine machine) {
        return machine.programs().find("memcached").orElseThrow(() -> ScaleException.environment("memcached is no longer on PATH", null, null));
    }
}
