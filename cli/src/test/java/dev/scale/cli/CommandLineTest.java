package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input: one clear line on stderr, the exit code from README's table, no stack trace, nothing started. */
class CommandLineTest {
    @TempDir
    Path home;

    private Run scale(String... args) {
        return Run.of(Run.env(home), args);
    }

    private static void oneLineError(Run run, int code, String... fragments) {
        assertThat(run.code()).isEqualTo(code);
        assertThat(run.err().lines().filter(l -> !l.isBlank())).hasSize(1);
        assertThat(run.err()).startsWith("scale: ").contains(fragments).doesNotContain("Exception", "\tat ");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void unknownKindSuggestsTheNearestOne() {
        oneLineError(scale("up", "redsi"), 2, "unknown kind 'redsi'", "did you mean redis?", "redis, postgres");
    }

    @Test
    void badVersionTtlAndNameNameTheBadValue() {
        oneLineError(scale("up", "postgres:x1"), 2, "bad version 'x1'");
        oneLineError(scale("up", "redis", "--ttl", "10y"), 2, "bad ttl '10y'");
        oneLineError(scale("up", "redis", "--ttl", "30d"), 2, "longer than 7d");
        oneLineError(scale("up", "redis", "--name", "x;reboot"), 2, "bad instance name 'x;reboot'");
        oneLineError(scale("up", "redis", "postgres", "--name", "both"), 2, "--name names one instance");
        oneLineError(scale("up", "redis", "--output", "xml"), 2, "unknown format 'xml'");
        oneLineError(scale("up", "redis", "--provider", "cloud"), 2, "unknown provider 'cloud'");
    }

    @Test
    void unknownOptionsAndMissingArgumentsPointAtHelp() {
        oneLineError(scale("up"), 2, "Missing required parameter", "scale up --help");
        oneLineError(scale("frobnicate"), 2, "scale --help");
        oneLineError(scale("down"), 2, "name the instances to remove, or use --all");
    }

    @Test
    void aForcedDockerProviderWithNoEngineSaysHowToGetOne() {
        Map<String, String> env = Run.env(home);
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-such-docker.sock"));
        Run run = Run.of(env, "up", "redis", "--provider", "docker");
        oneLineError(run, 3, "no Docker engine is reachable", "--provider embedded");
        Run verbose = Run.of(env, "up", "redis", "--provider", "docker", "--verbose");
        assertThat(verbose.code()).isEqualTo(3);
    }

    @Test
    void couchbaseWithoutADockerEngineSaysItRunsInDockerOnly() {
        Run run = Run.of(Run.withoutDocker(home), "up", "couchbase");
        assertThat(run.code()).isEqualTo(3);
        assertThat(run.err()).contains("couchbase runs in Docker only").doesNotContain("\tat ");
        assertThat(Run.of(Run.withoutDocker(home), "ls").out()).contains("no instances");
    }

    @Test
    void envOfAnInstanceThatDoesNotExistIsABadName() {
        Map<String, String> env = Run.env(home);
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-such-docker.sock"));
        oneLineError(Run.of(env, "env", "nope"), 2, "no instance named 'nope'", "scale ls");
    }

    @Test
    void downOfAGoneNameIsReportedNotAFailure() {
        Map<String, String> env = Run.env(home);
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-such-docker.sock"));
        Run run = Run.of(env, "down", "ghost");
        assertThat(run.code()).isZero();
        assertThat(run.out()).contains("no instance named ghost (already gone)");
    }

    @Test
    void helpShowsExamplesAndVersionPrints() {
        Run help = scale("up", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("Examples:", "scale up redis postgres --output json", "--ttl", "--reveal");
        Run version = scale("--version");
        assertThat(version.out()).startsWith("scale ");
    }

    /**
     * scale --help prints the usage the build rendered (HelpText), which must be what picocli renders from the command
     * tree now, plain and in colour.
     */
    @Test
    void storedUsageIsTheOnePicocliRenders() {
        for (boolean colour : new boolean[] {false, true}) {
            assertThat(HelpText.stored(colour)).as("colour " + colour).isNotBlank().isEqualTo(HelpText.render(colour));
        }
        assertThat(HelpText.stored(true)).contains("\u001b[");
        assertThat(HelpText.stored(false)).doesNotContain("\u001b[").contains("Usage: scale", "Examples:", "  db ", "  probe ");
        for (String[] args : new String[][] {{"--help"}, {"-h"}, {}}) {
            Run run = scale(args);
            assertThat(run.code()).isZero();
            assertThat(run.out()).isEqualTo(HelpText.render(false));
        }
    }

    /** Every command's and probe's help, as a user asks for it: complete, and without picocli's format warnings. */
    @Test
    void everyHelpRendersWithoutAFormatWarning() {
        java.io.PrintStream realErr = System.err;
        java.io.ByteArrayOutputStream traced = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(traced, true));
        try {
            picocli.CommandLine root = Main.commandLine(new dev.scale.cli.context.Context(Datastores.kinds(),
                    new java.io.PrintWriter(java.io.Writer.nullWriter()), new java.io.PrintWriter(java.io.Writer.nullWriter()), Run.env(home), java.time.Clock.systemUTC(), false));
            java.util.List<String[]> helps = new java.util.ArrayList<>();
            root.getSubcommands().forEach((name, sub) -> {
                helps.add(new String[] {name, "--help"});
                sub.getSubcommands().forEach((inner, c) -> helps.add(new String[] {name, inner, "--help"}));
            });
            assertThat(helps).hasSizeGreaterThan(15);
            for (String[] args : helps) {
                Run run = scale(args);
                assertThat(run.code()).as(String.join(" ", args)).isZero();
                assertThat(run.out()).as(String.join(" ", args)).startsWith("Usage: scale");
            }
        } finally {
            System.setErr(realErr);
        }
        assertThat(traced.toString()).doesNotContain("WARN");
    }
}
