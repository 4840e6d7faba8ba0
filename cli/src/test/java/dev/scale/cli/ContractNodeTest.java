package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scale.providers.RequireDocker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The connection contract is for every language: `scale run --with postgres,redis,memcached -- node contract.js`
 * with Node.js clients from npm (node-postgres, node-redis; memcached over a plain socket) reading only the
 * exported variables, on both providers. A non-ASCII text comes back unchanged from each, PostgreSQL says
 * UTF8 and upper-cases it as the official image does, and the PG* variables alone reach the same database.
 * It runs without LANG, as many CI containers do: the text is an argument of the child, so it also shows that
 * ./scale's JVM decodes arguments as UTF-8 in the C locale. .ci/run installs the npm packages ({@code npm ci} in {@code cli/src/test/node}).
 */
class ContractNodeTest {
    private static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();
    private static final String TEXT = "héllo wörld — 日本語 🚀 Ünïcödé";

    @TempDir
    Path home;
    Path scale;
    Map<String, String> env;

    @BeforeEach
    void setUp() throws Exception {
        String missing = !Files.isDirectory(NODE_DIR.resolve("node_modules/pg")) ? "no node_modules in " + NODE_DIR + " (run npm ci there)"
                : new ProcessBuilder("node", "--version").start().waitFor() != 0 ? "no node on PATH" : null;
        if (missing != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but " + missing + "; .ci/run installs it");
            }
            Assumptions.abort(missing);
        }
        scale = Run.launcher(home);
        env = Run.env(home);
    }

    /**
     * {@code scale run --provider PROVIDER --with KINDS -- node SCRIPT TEXT} through the launcher, with no Docker engine
     * for the embedded provider; it must exit 0, and the script's last line of output is its JSON.
     */
    private JsonNode runNode(String provider, String kinds, String script, int timeoutSeconds) throws Exception {
        if (provider.equals("docker")) {
            RequireDocker.engine();
        } else {
            env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        }
        List<String> command = new ArrayList<>(List.of(scale.toString(), "run", "--provider", provider,
                "--with", kinds, "--", "node", NODE_DIR.resolve(script).toString(), TEXT));
        ProcessBuilder pb = Run.process(env, command).directory(NODE_DIR.toFile());
        pb.redirectOutput(home.resolve("out.txt").toFile()).redirectError(home.resolve("err.txt").toFile());
        Process run = pb.start();
        assertThat(run.waitFor(timeoutSeconds, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(home.resolve("err.txt"));
        assertThat(run.exitValue()).as(err).isZero();
        return new ObjectMapper().readTree(Files.readString(home.resolve("out.txt")).strip().lines().reduce((a, b) -> b).orElseThrow());
    }

    /** amqplib reads RabbitMQ's part of the contract: AMQP_URL, and the RABBITMQ_* variables alone (Docker: RabbitMQ; embedded: Qpid). */
    @ParameterizedTest
    @ValueSource(strings = {"embedded", "docker"})
    void amqplibReadsTheRabbitmqContractAndRoundTripsNonAsciiText(String provider) throws Exception {
        JsonNode out = runNode(provider, "rabbitmq", "amqp.js", 240);
        assertThat(out.at("/text").asText()).isEqualTo(TEXT);
        assertThat(out.at("/header").asText()).isEqualTo(TEXT);
        assertThat(out.at("/persistent").asBoolean()).isTrue();
        assertThat(out.at("/leftAfterAck").asInt()).isZero();
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    /**
     * The AWS SDK for JavaScript v3 with its default configuration, nothing set in code: the variables alone take it to
     * the instance's bucket (Docker: S3Proxy's CI image; embedded: the same server as a process).
     */
    @ParameterizedTest
    @ValueSource(strings = {"embedded", "docker"})
    void theAwsSdkReadsTheS3ContractFromTheEnvironmentAloneAndRoundTripsNonAsciiText(String provider) throws Exception {
        JsonNode out = runNode(provider, "s3", "s3.js", 180);
        assertThat(out.at("/bucket").asText()).isEqualTo("scale");
        assertThat(out.at("/keys/0").asText()).isEqualTo("contract/" + TEXT + ".txt");
        assertThat(out.at("/body").asText()).isEqualTo(TEXT);
        assertThat(out.at("/keysAfterDelete")).isEmpty();
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "docker"})
    void nodeClientsReadTheContractAndRoundTripNonAsciiText(String provider) throws Exception {
        JsonNode out = runNode(provider, "postgres,redis,memcached", "contract.js", 180);
        assertThat(out.at("/postgres/encoding").asText()).isEqualTo("UTF8");
        assertThat(out.at("/postgres/text").asText()).isEqualTo(TEXT);
        assertThat(out.at("/postgres/upper").asText()).isEqualTo("HÉLLO WÖRLD — 日本語 🚀 ÜNÏCÖDÉ");
        assertThat(out.at("/postgres/length").asInt()).isEqualTo(TEXT.codePointCount(0, TEXT.length()));
        assertThat(out.at("/postgres/database").asText()).isEqualTo("scale");
        assertThat(out.at("/redis/text").asText()).isEqualTo(TEXT);
        assertThat(out.at("/memcached/text").asText()).isEqualTo(TEXT);
        // this environment has no LANG: scale's JVM decoded the argument as UTF-8, and the child got no locale of scale's
        assertThat(env).doesNotContainKeys("LANG", "LC_ALL", "LC_CTYPE");
        assertThat(out.at("/locale/LC_CTYPE").isNull()).isTrue();
        assertThat(out.at("/locale/LC_ALL").isNull()).isTrue();
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    @org.junit.jupiter.api.Test
    void theTestLauncherTakesTheLocaleStepOfScaleAsItIs() throws Exception {
        String script = Files.readString(Path.of("../scale"));
        String launcher = Files.readString(Run.launcher(home));
        for (String line : launcher.lines().filter(l -> l.contains("LC_")).toList()) {
            assertThat(script).contains(line);
        }
    }
}
