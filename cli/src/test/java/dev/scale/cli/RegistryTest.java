package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scale.cli.context.Context;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Instance;
import dev.scale.providers.Kind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The registry is the one place that knows the kinds: help, completion, --on and `scale kinds` read it, and
 * what a kind lacks, or a kind scale does not know, is refused with one line rather than handled as another kind.
 */
class RegistryTest {
    @TempDir
    Path home;

    private static final List<String> KINDS = Datastores.ALL.stream().map(d -> d.kind().name()).toList();

    @Test
    void helpAndCompletionNameEveryKindOfTheRegistry() {
        assertThat(KINDS).contains("redis", "postgres", "couchbase");
        for (String command : List.of("up", "try")) {
            Run help = Run.of(Run.env(home), command, "--help");
            // as help wraps it at 80 columns
            assertThat(help.out().replaceAll("\\s+", " ")).as(command + " --help").contains(String.join(", ", KINDS));
            Run complete = Run.of(Run.env(home), "__complete", command, "");
            assertThat(complete.out().lines()).as("completion after " + command).containsAll(KINDS);
        }
        assertThat(Run.of(Run.env(home), "__complete", "run", "--with", "redis,").out().lines())
                .containsAll(KINDS.stream().filter(k -> !k.equals("redis")).map(k -> "redis," + k).toList());
        assertThat(Run.of(Run.env(home), "__complete", "up", "--output", "").out().lines()).contains("table", "json", "env", "dotenv", "github");
    }

    @Test
    void kindsListsEachDatastoreAndReadmesTableIsItsMarkdown() throws Exception {
        Run table = Run.of(Run.env(home), "kinds");
        assertThat(table.code()).isZero();
        for (Datastores.Datastore d : Datastores.ALL) {
            assertThat(table.out()).contains(d.kind().name(), d.kind().officialImage(d.kind().defaultVersion()), d.kind().embedded().source());
        }
        assertThat(table.out()).contains("REDIS_URL", "DATABASE_URL", "none: Docker only");
        Run markdown = Run.of(Run.env(home), "kinds", "--output", "markdown");
        String readme = Files.readString(Path.of("../README.md"));
        String between = readme.substring(readme.indexOf("<!-- kinds -->") + "<!-- kinds -->".length(), readme.indexOf("<!-- /kinds -->")).strip();
        assertThat(between).as("README's kind table is `scale kinds --output markdown`").isEqualTo(markdown.out().strip());
    }

    @Test
    void aKindWithoutAnEmbeddedServerIsRefusedWithTheWayOut() {
        Run couchbase = Run.of(Run.withoutDocker(home), "up", "couchbase", "--provider", "embedded");
        Run.assertOneLine(couchbase, 3, "couchbase runs in Docker only", "--provider docker");
        assertThat(Run.of(Run.withoutDocker(home), "ls").out()).contains("no instances");
    }

    @Test
    void aUrlIsReadByItsOwnKindWithThatKindsDefaults() {
        Instant now = Instant.now();
        Endpoint redis = Target.fromUrl(Datastores.kinds(), "redis://cache.example", now, java.util.Map.of()).endpoint();
        assertThat(List.of(redis.port(), redis.username())).containsExactly(6379, "default");
        Endpoint pg = Target.fromUrl(Datastores.kinds(), "postgresql://db.example", now, java.util.Map.of()).endpoint();
        assertThat(List.of(pg.port(), pg.username(), pg.database())).containsExactly(5432, "postgres", "postgres");
        assertThat(Target.fromUrl(Datastores.kinds(), "couchbase://u:p@cb.example/travel", now, java.util.Map.of()).endpoint().port()).isEqualTo(11210);
        assertThatThrownBy(() -> Target.fromUrl(Datastores.kinds(), "couchbase://cb.example", now, java.util.Map.of())).hasMessageContaining("names no bucket");
        Run mongo = Run.of(Run.env(home), "probe", "kv", "--on", "mongodb://db.example:27017");
        Run.assertOneLine(mongo, 2, "unsupported URL scheme 'mongodb'", "redis://", "postgresql://", "couchbase://");
    }

    @Test
    void theShellAndInitRefuseAKindScaleDoesNotKnow() {
        Kind unknown = (Kind) Proxy.newProxyInstance(Kind.class.getClassLoader(), new Class<?>[] {Kind.class},
                (proxy, method, args) -> method.getName().equals("name") ? "nats" : null);
        assertThatThrownBy(() -> Datastores.shell(unknown)).isInstanceOf(ScaleException.class).hasMessageContaining("unknown kind 'nats'");
        StringWriter err = new StringWriter();
        Context ctx = Main.context(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), Run.env(home), false);
        Instance instance = new Instance("mq", unknown, "2", "url", new Endpoint("127.0.0.1", 4222, "guest", dev.scale.providers.Secret.none(), null),
                Instant.now(), Instant.now().plusSeconds(60), Instance.State.RUNNING);
        assertThat(Main.shell(ctx).use(instance)).isFalse();
        assertThat(err.toString()).contains("cannot connect to mq", "unknown kind 'nats'");
    }

    /** A kind the key/value probes cannot measure (rabbitmq, an event broker) says so in one line. */
    @Test
    void aKindWithoutAKeyValueAdapterSaysSo() {
        Kind rabbitmq = Datastores.kinds().byName("rabbitmq");
        Instance instance = new Instance("mq", rabbitmq, "3", "url", new Endpoint("127.0.0.1", 5672, "scale", dev.scale.providers.Secret.of("pw"), "/"),
                Instant.now(), Instant.now().plusSeconds(60), Instance.State.RUNNING);
        assertThatThrownBy(() -> Datastores.store(instance)).isInstanceOfSatisfying(ScaleException.class,
                e -> assertThat(e.oneLine()).contains("rabbitmq keeps no keys: the key/value probes measure redis, postgres, couchbase, memcached",
                        "scale probe queue --on mq"));
    }

    @Test
    void anInstanceOfAKindThisScaleDoesNotKnowNeitherBreaksLsNorEscapesDown() throws Exception {
        // as a newer scale, with one more kind, would leave it
        Path dir = Files.createDirectories(home.resolve("state/embedded/mq"));
        Files.writeString(dir.resolve("instance.json"), """
                {"name":"mq","kind":"nats","version":"2.10","port":4222,"username":"scale","password":"pw",
                 "database":null,"createdAt":"2026-11-30T00:00:00Z","expiresAt":"2026-11-30T01:00:00Z"}
                """);
        Run ls = Run.of(Run.withoutDocker(home), "ls");
        assertThat(ls.code()).as(ls.err()).isZero();
        assertThat(ls.out()).contains("no instances");
        Run down = Run.of(Run.withoutDocker(home), "down", "mq");
        assertThat(down.code()).isZero();
        assertThat(down.out()).contains("removed mq");
        assertThat(dir).doesNotExist();
    }

    @Test
    void wordsAfterDoubleDashAreTheChildsNeverScalesOwn() {
        Context ctx = Main.context(new PrintWriter(new StringWriter(), true), new PrintWriter(new StringWriter(), true), Run.env(home), false);
        CommandLine cli = Main.commandLine(ctx);
        CommandLine.ParseResult child = cli.parseArgs("run", "--with", "redis", "--", "mvn", "-v", "--verbose");
        assertThat(Main.verbose(child)).isFalse();
        assertThat(child.subcommand().matchedPositionalValue(0, List.<String>of())).containsExactly("mvn", "-v", "--verbose");
        CommandLine.ParseResult own = Main.commandLine(ctx).parseArgs("run", "--verbose", "--with", "redis", "--", "true");
        assertThat(Main.verbose(own)).isTrue();
        assertThat(Main.verbose(Main.commandLine(ctx).parseArgs("-v", "ls"))).isTrue();
    }
}
