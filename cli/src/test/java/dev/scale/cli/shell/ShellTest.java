package dev.scale.cli.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scale.cli.context.Context;
import dev.scale.cli.Main;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jline.reader.Candidate;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shell on real embedded servers: through a pipe, and through JLine on a test terminal. */
class ShellTest {
    @TempDir
    Path home;

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", home.toString());
        env.put("SCALE_STATE_DIR", home.resolve("state").toString());
        env.put("SCALE_CACHE_DIR", Path.of("target/scale-test-cache").toAbsolutePath().toString());
        env.put("DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
        env.put("PATH", System.getenv("PATH"));
        return env;
    }

    record Result(int code, String out, String err) {
    }

    private Result scale(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintWriter(out, true), new PrintWriter(err, true), env(), false);
        return new Result(code, out.toString(), err.toString());
    }

    private void assertNoInstanceLeft() throws Exception {
        try (var left = Files.list(home.resolve("state/embedded"))) {
            assertThat(left.filter(Files::isDirectory)).as("instance removed when the shell ended").isEmpty();
        }
    }

    @Test
    void pipedRedisPrintsOnlyResultsAsRedisCliDoes() throws Exception {
        Result r = scale("SET a 1\nGET a\n", "try", "redis");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("OK\n\"1\"\n");
        assertNoInstanceLeft();
    }

    @Test
    void pipedCouchbaseRunsKeyValueCommandsOnTheBucketAgainstTheTestDouble() throws Exception {
        // CouchbaseMock, a test double serving the key/value path only: SQL++ cannot be tried against it.
        try (var couchbase = dev.scale.probes.stores.couchbase.CouchbaseMockServer.start()) {
            Result r = scale("""
                    upsert user:1 {"name": "ann", "tags": ["a b"]}
                    get user:1
                    insert user:1 "again"
                    incr visits
                    incr visits 5
                    upsert note "two words" 1s
                    get note
                    remove user:1
                    get user:1
                    frobnicate;
                    """, "shell", couchbase.url());
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).as("stderr: " + r.err()).matches("(?s)OK \\(cas \\d+\\)\n\\{\"name\":\"ann\",\"tags\":\\[\"a b\"]}\n1\n6\nOK \\(cas \\d+\\)\n\"two words\"\nOK\n"); // text is stored as a JSON string
            assertThat(r.err()).contains("(error) DocumentExists", "(error) DocumentNotFound").doesNotContain("\tat ");
            assertThat(r.err().lines().filter(l -> l.startsWith("(error)"))).hasSize(3); // insert, get after remove, the SQL++ line
            java.time.Instant now = java.time.Instant.now();
            var instance = new dev.scale.providers.Instance("cb", new dev.scale.providers.kinds.couchbase.CouchbaseKind(), "?", "url", couchbase.endpoint,
                    now, now.plusSeconds(60), dev.scale.providers.Instance.State.RUNNING);
            try (Session session = new dev.scale.cli.shell.couchbase.CouchbaseShell().open(instance)) {
                assertThat(session.words()).as("completion: key/value commands, SQL++ keywords, the bucket")
                        .contains("UPSERT", "INCR", "REMOVE", "SELECT", "JOIN", "`scale`");
                assertThat(session.complete("get k")).isTrue();
                assertThat(session.complete("select 1")).as("SQL++ waits for its ';'").isFalse();
            }
        }
    }

    @Test
    void pipedPostgresPrintsTablesAndErrorsAndGoesOn() throws Exception {
        Result r = scale("""
                create table people (id int, name text);
                insert into people values (1, 'ann'),
                  (2, 'bo');
                select nope from people;
                select id, name
                  from people order by id;
                """, "try", "postgres");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("""
                CREATE TABLE
                INSERT 0 2
                 id | name\s
                ----+------
                  1 | ann
                  2 | bo
                (2 rows)

                """);
        assertThat(r.err()).isEqualTo("ERROR:  column \"nope\" does not exist\n");
        assertNoInstanceLeft();
    }

    @Test
    void jlineShellOnATestTerminalRunsCommandsMetaCommandsAndHidesThePassword() throws Exception {
        Map<String, String> env = env();
        StringWriter sink = new StringWriter();
        Context ctx = Main.context(new PrintWriter(sink, true), new PrintWriter(sink, true), env, false);
        assertThat(Main.run(new String[] {"up", "redis", "--name", "term"}, new PrintWriter(sink, true), new PrintWriter(sink, true), env, false)).isZero();
        try {
            String input = "\\timing on\nSET k hello\nGET k\n\\info\n\\use nope\n\\frob\nPING\n\\q\nGET never\n";
            ByteArrayOutputStream screen = new ByteArrayOutputStream();
            try (Terminal terminal = TerminalBuilder.builder().system(false).type(Terminal.TYPE_DUMB)
                    .streams(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), screen).build()) {
                Shell shell = Main.shell(ctx);
                shell.connect("term");
                assertThat(shell.interactive(terminal)).isZero();
            }
            String all = screen.toString(StandardCharsets.UTF_8);
            String shown = all.substring(all.indexOf("scale shell —")); // the dumb test terminal echoes its input first
            String password = ctx.instances().find("term").endpoint().password().reveal();
            assertThat(shown).contains("term [redis]> ", "Timing is on.", "OK", "\"hello\"", "Time: ", "PONG")
                    .contains("password  ****", "no instance named 'nope'", "unknown meta command \\frob")
                    .doesNotContain(password)
                    .doesNotContain("GET never");
            assertThat(home.resolve("state/history")).exists();
        } finally {
            Main.run(new String[] {"down", "term"}, new PrintWriter(sink, true), new PrintWriter(sink, true), env, false);
        }
    }

    @Test
    void completionOffersRedisCommandsMetaCommandsOptionsAndLiveNames() throws Exception {
        Map<String, String> env = env();
        StringWriter sink = new StringWriter();
        Context ctx = Main.context(new PrintWriter(sink, true), new PrintWriter(sink, true), env, false);
        Main.run(new String[] {"up", "redis", "--name", "compl"}, new PrintWriter(sink, true), new PrintWriter(sink, true), env, false);
        try {
            Shell shell = Main.shell(ctx);
            shell.connect("compl");
            ShellCompleter completer = new ShellCompleter(shell, ctx, Main::commandLine);
            assertThat(candidates(completer, "SE")).contains("SET", "SETEX", "SELECT");
            assertThat(candidates(completer, "\\u")).contains("\\up", "\\use");
            assertThat(candidates(completer, "\\up ")).contains("redis", "postgres");
            assertThat(candidates(completer, "\\up redis --")).contains("--ttl", "--provider", "--name");
            assertThat(candidates(completer, "\\up redis --provider ")).containsExactlyElementsOf(dev.scale.providers.lifecycle.Instances.providerNames());
            assertThat(candidates(completer, "\\use ")).contains("compl");
            shell.close();
        } finally {
            Main.run(new String[] {"down", "compl"}, new PrintWriter(sink, true), new PrintWriter(sink, true), env, false);
        }
    }

    private static List<String> candidates(ShellCompleter completer, String line) {
        DefaultParser parser = new DefaultParser();
        parser.setEscapeChars(null);
        List<Candidate> out = new ArrayList<>();
        completer.complete(null, parser.parse(line, line.length(), org.jline.reader.Parser.ParseContext.COMPLETE), out);
        return out.stream().map(Candidate::value).toList();
    }
}
