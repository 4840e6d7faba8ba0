package dev.scale.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
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

    /** The run failed with {@code code} and one line (progress lines aside) holding the fragments, and no stack trace. */
    public static void assertOneLine(Run run, int code, String... fragments) {
        org.assertj.core.api.Assertions.assertThat(run.code()).as(run.err()).isEqualTo(code);
        org.assertj.core.api.Assertions.assertThat(run.err().lines().filter(l -> !l.startsWith("scale: [") && !l.contains("embedded provider")))
                .hasSize(1);
        org.assertj.core.api.Assertions.assertThat(run.err()).contains(fragments).doesNotContain("\tat ");
    }

    public static Run of(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true), env, false);
        return new Run(code, out.toString(), err.toString());
    }
}
