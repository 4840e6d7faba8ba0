package dev.scale.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One scale invocation through {@link Main#run}, with its output captured. */
public record Run(int code, String out, String err) {

    /** An environment with scale's state in {@code home} and the machine's Docker and image settings. */
    public static Map<String, String> env(Path home) {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", home.toString());
        env.put("SCALE_STATE_DIR", home.resolve("state").toString());
        env.put("SCALE_CONFIG_DIR", home.resolve("config").toString());
        env.put("SCALE_CACHE_DIR", Path.of("target/scale-test-cache").toAbsolutePath().toString());
        // no test reaches a real service: Neon with no key asks its claimable API, which here is a port nobody answers on
        env.put("SCALE_NEON_CLAIMABLE_URL", "http://127.0.0.1:9");
        System.getenv().forEach((k, v) -> {
            // the stand-in images CI built (SCALE_IMAGE_<KIND>), the engine, and where programs are
            if (k.startsWith("SCALE_IMAGE_") || List.of("DOCKER_HOST", "PATH", "CI").contains(k)) {
                env.put(k, v);
            }
        });
        return env;
    }

    /** {@link #env} with a DOCKER_HOST nobody answers on: scale chooses the embedded provider. */
    public static Map<String, String> withoutDocker(Path home) {
        Map<String, String> env = env(home);
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        return env;
    }

    /**
     * The environment for a test run on one provider: {@code docker} needs an engine (a failure in CI, a skip
     * elsewhere, as {@link dev.scale.providers.RequireDocker} decides), {@code embedded} gets none.
     */
    public static Map<String, String> forProvider(Path home, String provider) {
        if (provider.equals("docker")) {
            dev.scale.providers.RequireDocker.engine();
            return env(home);
        }
        return withoutDocker(home);
    }

    /** The run failed with {@code code} and one line (progress lines aside) holding the fragments, and no stack trace. */
    public static void assertOneLine(Run run, int code, String... fragments) {
        org.assertj.core.api.Assertions.assertThat(run.code()).as(run.err()).isEqualTo(code);
        org.assertj.core.api.Assertions.assertThat(run.err().lines().filter(l -> !l.startsWith("scale: [") && !l.contains("embedded provider")))
                .hasSize(1);
        org.assertj.core.api.Assertions.assertThat(run.err()).contains(fragments).doesNotContain("\tat ");
    }

    /**
     * A {@code scale} command in {@code home/bin} that runs this build in its own JVM, for tests that need a real
     * process (signals, kill -9, parallel CLIs, a terminal), with the start-up options ./scale uses.
     */
    public static Path launcher(Path home) throws IOException {
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path scale = bin.resolve("scale");
        // the locale step of ./scale, as it is there: a UTF-8 LC_CTYPE for the JVM, the caller's kept for run's child
        String locale = "if [ \"$(locale charmap 2>/dev/null)\" != UTF-8 ]; then\n"
                + "  export SCALE_CALLER_LC_ALL=\"${LC_ALL-<unset>}\" SCALE_CALLER_LC_CTYPE=\"${LC_CTYPE-<unset>}\" LC_CTYPE=C.UTF-8\n"
                + "  unset LC_ALL\nfi\n";
        Files.writeString(scale, "#!/bin/sh\n" + locale + "exec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '" + System.getProperty("java.class.path") + "' dev.scale.cli.Main \"$@\"\n");
        Files.setPosixFilePermissions(scale, PosixFilePermissions.fromString("rwx------"));
        return scale;
    }

    /** A process with exactly {@code env} as its environment, as a user's shell or a CI job would start it. */
    public static ProcessBuilder process(Map<String, String> env, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb;
    }

    public static ProcessBuilder process(Map<String, String> env, String... command) {
        return process(env, List.of(command));
    }

    public static Run of(Map<String, String> env, String... args) {
        return withInput("", env, args);
    }

    /** {@link #of} with {@code input} as the command's stdin (not a terminal). */
    public static Run withInput(String input, Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new java.io.ByteArrayInputStream(input.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                new PrintWriter(out, true), new PrintWriter(err, true), env, false);
        return new Run(code, out.toString(), err.toString());
    }
}
