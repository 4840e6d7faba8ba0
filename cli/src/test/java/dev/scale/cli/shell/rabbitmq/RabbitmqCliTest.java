package dev.scale.cli.shell.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.MessageProperties;
import dev.scale.cli.Run;
import dev.scale.cli.Tmux;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RabbitMQ's shell on real brokers: the CI image (Debian's rabbitmq-server, with the official image's entrypoint and
 * environment) under Docker, and the embedded Qpid Broker-J; its init files under {@code scale run}, read by another
 * ecosystem's client (librabbitmq's amqp-get); and follow, Ctrl-C and completion in a real terminal.
 */
class RabbitmqCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;


    @ParameterizedTest
    @ValueSource(strings = {"docker", "embedded"})
    void tryDeclaresPublishesConsumesAndListsOnARealBrokerAndTheInstanceGoesWithIt(String provider) {
        Map<String, String> env = Run.forProvider(home, provider);
        Run r = Run.withInput("""
                declare queue jobs
                publish jobs "hello world" attempt=1 lang=fr
                publish jobs "second, 日本"
                queues
                consume jobs 5
                consume missing
                publish nowhere x
                declare exchange events fanout
                declare queue audit
                bind audit events
                publish -e events any "fanned out"
                queues audit
                purge audit
                declare queue ttl x-message-ttl=60000
                declare queue bad frobnicate
                delete queue audit
                frob
                declare queue durable-jobs
                publish durable-jobs "survives a restart"
                \\restart rabbitmq
                queues durable-jobs
                consume durable-jobs
                """, env, "try", "rabbitmq");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains(
                "queue jobs declared (durable): 0 messages, 0 consumers\n",
                "published 11 bytes to exchange (default) with routing key jobs, confirmed\n",
                // the table asks the broker: two messages waiting, nobody consuming
                " queue | messages | consumers \n-------+----------+-----------\n jobs  |        2 |         0\n",
                "--- message 1: routing key jobs, exchange (default)\nattempt: 1\nlang: fr\nhello world\n",
                "--- message 2: routing key jobs, exchange (default)\nsecond, 日本\n",
                "(2 messages consumed and acknowledged from queue jobs, 0 left)\n",
                "returned: no queue took it (312 NO_ROUTE) from exchange (default) with routing key nowhere\n",
                "queue audit bound to exchange events\n",
                "published 10 bytes to exchange events with routing key any, confirmed\n",
                " audit |        1 |         0\n",
                "purged 1 message from queue audit\n",
                "queue ttl declared (durable): 0 messages, 0 consumers\n",
                "ERROR unknown queue option 'frobnicate': durable, transient, exclusive, auto-delete or x-ARG=VALUE; usage: declare queue",
                "queue audit deleted with 0 messages\n",
                "ERROR unknown command 'frob'; commands: bind, consume, declare, delete, follow, publish, purge, queues\n");
        // \\restart: the broker stopped and started on its data (on Docker at a new port), and the shell connected again
        // (a restart that failed prints no instance table: say what it printed instead of an index error)
        assertThat(r.out()).as("\\restart printed no instance table; its messages:\n" + r.err()).contains("\nNAME ");
        String afterRestart = r.out().substring(r.out().indexOf("\nNAME "));
        assertThat(afterRestart).contains(" durable-jobs |        1 |         0\n",
                "--- message 1: routing key durable-jobs, exchange (default)\nsurvives a restart\n");
        assertThat(r.err()).contains("rabbitmq: restarting its", "rabbitmq: ready again");
        // the broker's own refusal, in its own words, and the shell goes on on a new channel
        assertThat(r.out()).containsPattern("ERROR NOT_FOUND - .*'missing'");
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    /** Broker unreachable, a wrong password, a bad phase, a broker given to a key/value probe: one line each, the right code. */
    @Test
    void brokerErrorsAreOneLineWithTheRightExitCode() throws Exception {
        Map<String, String> env = Run.forProvider(home, "embedded");
        assertThat(Run.of(env, "up", "rabbitmq", "--name", "mq").code()).isZero();
        try {
            int port = JSON.readTree(Run.of(env, "ls", "--output", "json").out()).get(0).get("port").asInt();
            String wrong = "amqp://scale:wrong@127.0.0.1:" + port + "/%2F";
            Run.assertOneLine(Run.of(env, "probe", "queue", "--on", wrong), 3, "the broker at 127.0.0.1:" + port + " refused the login of scale",
                    "check the user and password");
            Run shell = Run.withInput("queues\n", env, "shell", wrong);
            Run.assertOneLine(shell, 3, "cannot connect to 127.0.0.1:" + port, "refused the login of scale");
            assertThat(shell.err()).doesNotContain("wrong");
            Run.assertOneLine(Run.of(env, "probe", "queue", "--on", "amqp://scale:pw@127.0.0.1:1/%2F"), 3, "cannot reach the broker at 127.0.0.1:1");
            Run.assertOneLine(Run.of(env, "probe", "queue", "--on", "mq", "--phases", "throughput,reboot"), 2, "--phases: no phase 'reboot'");
            Run.assertOneLine(Run.of(env, "probe", "kv", "--on", "rabbitmq"), 2, "rabbitmq keeps no keys", "scale probe queue --on rabbitmq");
            assertThat(Run.of(env, "ls").out()).as("nothing started for the refused ones").contains("mq ").doesNotContain("rabbitmq-");
        } finally {
            Run.of(env, "down", "mq");
        }
    }

    /**
     * A scale run holding a broker, killed with kill -9: the broker shows as orphaned and gc removes it, container or
     * Qpid process and work directory; the same run interrupted (SIGINT, as Ctrl-C) removes it itself.
     */
    @ParameterizedTest
    @ValueSource(strings = {"docker", "embedded"})
    void aRunKilledLeavesAnOrphanThatGcRemovesAndAnInterruptedOneLeavesNothing(String provider) throws Exception {
        dev.scale.cli.Orphans.killedThenInterrupted(Run.forProvider(home, provider), home, "rabbitmq");
    }

    /** A body from a file, over RabbitMQ's largest message (128 MiB): refused in the broker's words, and the shell goes on. */
    @Test
    void aBodyOverTheBrokersLargestMessageIsRefusedInItsWordsAndTheShellGoesOn() throws Exception {
        Map<String, String> env = Run.forProvider(home, "docker");
        Path big = home.resolve("big.bin");
        try (var f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(130L << 20); // sparse: 130 MiB of zeros, nothing written
        }
        Run r = Run.withInput("declare queue big\npublish big @" + big + "\npublish big @" + home.resolve("missing.bin")
                + "\npublish big @@literal\nqueues big\n", env, "try", "rabbitmq");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("ERROR PRECONDITION_FAILED - message size 136314880 is larger than configured max size",
                "ERROR no file " + home.resolve("missing.bin") + "; usage: publish",
                "published 8 bytes to exchange (default) with routing key big, confirmed", " big   |        1 |         0");
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    @Test
    void runLoadsTheInitFileAndAnotherEcosystemsClientReadsTheMessage() throws Exception {
        Tmux.require("amqp-get"); // librabbitmq's command-line client (Debian's amqp-tools)
        Map<String, String> env = Run.forProvider(home, "docker");
        Path init = Files.writeString(home.resolve("seed.txt"), "# one job waiting\ndeclare queue jobs\npublish jobs first-job kind=email\n");
        Path seen = home.resolve("seen.txt");
        Run r = Run.of(env, "run", "--with", "rabbitmq", "--init", "rabbitmq=" + init, "--quiet", "--",
                "sh", "-c", "amqp-get --url=\"$AMQP_URL\" --queue=jobs > '" + seen + "'");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(seen).strip()).isEqualTo("first-job");
        assertThat(Run.of(env, "ls").out()).contains("no instances");
        // a message no queue takes stops the load, named by file and line, and nothing is left
        Path bad = Files.writeString(home.resolve("bad.txt"), "declare queue jobs\npublish job typo\n");
        Run failed = Run.of(env, "run", "--with", "rabbitmq", "--init", "rabbitmq=" + bad, "--", "true");
        assertThat(failed.code()).isEqualTo(1);
        assertThat(failed.err()).contains("bad.txt:2: returned: no queue took it (312 NO_ROUTE)").doesNotContain("\tat ");
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    @Test
    void probeQueueMeasuresARealRabbitmqAndRemovesTheDisposableInstance() throws Exception {
        Map<String, String> env = Run.forProvider(home, "docker");
        Run r = Run.of(env, "probe", "queue", "--on", "rabbitmq", "--messages", "3000", "--fault-messages", "300", "--away", "500ms", "--output", "json");
        assertThat(r.code()).as(r.err()).isZero();
        var json = JSON.readTree(r.out());
        assertThat(json.get("target").get("version").asText()).as("Debian's RabbitMQ, not the embedded Qpid").startsWith("3.");
        var m = json.get("metrics");
        assertThat(m.get("variant").asText()).isEqualTo("queue");
        assertThat(m.get("lost").asLong()).isZero();
        assertThat(m.get("order_violations").asLong()).isZero();
        assertThat(m.get("publish_per_s").asDouble()).isGreaterThan(100);
        // durable queue, manual ack: what the killed consumer held went to the next one, and the backlog waited
        assertThat(m.get("crash_held").asLong()).isPositive();
        assertThat(m.get("crash_redelivered").asLong()).isEqualTo(m.get("crash_held").asLong());
        assertThat(m.get("crash_lost").asLong()).isZero();
        assertThat(m.get("away_kept").asLong()).isEqualTo(300);
        assertThat(m.get("fanout_complete").asBoolean()).isTrue();
        assertThat(json.get("rows")).hasSize(5);
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    /**
     * The events scenario on the three stores, on Docker (Debian's RabbitMQ, Redis and PostgreSQL) and embedded (Qpid,
     * Redis, PostgreSQL): every verdict measured.
     */
    @ParameterizedTest
    @ValueSource(strings = {"docker", "embedded"})
    void fitEventsJudgesRabbitmqRedisAndPostgresFromTheirOwnMeasurements(String provider) throws Exception {
        Map<String, String> env = Run.forProvider(home, provider);
        Path report = home.resolve("events.html");
        Run r = Run.of(env, "fit", "events", "--on", "rabbitmq,redis,postgres", "--output", "json", "--report", report.toString());
        assertThat(r.code()).as(r.err()).isZero();
        var json = JSON.readTree(r.out());
        assertThat(json.get("scenario").asText()).isEqualTo("events");
        Map<String, com.fasterxml.jackson.databind.JsonNode> cells = new java.util.HashMap<>();
        json.get("results").forEach(c -> cells.put(c.get("requirement").asText() + "/" + c.get("store").asText(), c));
        for (String store : java.util.List.of("rabbitmq", "redis", "postgres")) {
            // each store's queue keeps messages until acknowledged: these pass on every one of them, measured
            for (String req : java.util.List.of("nothing lost when a consumer dies", "order kept per queue", "fan-out to two consumer groups",
                    "the backlog survives a consumer outage")) {
                assertThat(cells.get(req + "/" + store).get("verdict").asText()).as(req + " on " + store).isEqualTo("PASS");
            }
            var dies = cells.get("nothing lost when a consumer dies/" + store);
            assertThat(dies.get("metrics").get("crash_redelivered").asLong()).isPositive();
            assertThat(dies.get("evidence").asText()).isEqualTo("killed holding " + dies.get("metrics").get("crash_held").asLong() + ": "
                    + dies.get("metrics").get("crash_redelivered").asLong() + " redelivered, 0 lost");
            // single servers started for the fit: nothing to fail over to, said as such
            var ha = cells.get("nothing acknowledged lost when a node fails/" + store);
            assertThat(ha.get("verdict").asText()).as("high availability on a single " + store).isEqualTo("N/A");
            assertThat(ha.get("evidence").asText()).contains("a single server");
            // the rate's verdict follows the rate this run measured
            var rate = cells.get("3,000 messages/s or more/" + store);
            boolean fast = rate.get("metrics").get("publish_per_s").asDouble() >= 3000 && rate.get("metrics").get("consume_per_s").asDouble() >= 3000;
            assertThat(rate.get("verdict").asText()).isEqualTo(fast ? "PASS" : "FAIL");
            // the broker restarted for real (docker restart): what came back was counted
            var restart = cells.get("messages survive a broker restart/" + store);
            assertThat(restart.get("metrics").get("restart_sent").asLong()).isEqualTo(1000);
            assertThat(restart.get("verdict").asText()).isEqualTo(restart.get("metrics").get("restart_lost").asLong() == 0 ? "PASS" : "FAIL");
        }
        // durable queue and persistent messages; a WAL; and a Redis run as a cache (no RDB, no AOF), which says so
        assertThat(cells.get("messages survive a broker restart/rabbitmq").get("verdict").asText()).isEqualTo("PASS");
        assertThat(cells.get("messages survive a broker restart/postgres").get("verdict").asText()).isEqualTo("PASS");
        assertThat(cells.get("messages survive a broker restart/redis").get("evidence").asText())
                .startsWith("restart_lost 1000, needs 0").contains("0 of 1000 there after the restart", "RDB off, AOF off");
        assertThat(Files.readString(report)).contains("Messages per second, one producer and one consumer", "Publish to consume latency",
                "Messages lost or redelivered under faults", "rabbitmq (queue)", "redis (stream)", "postgres (skip-locked)");
        assertThat(Run.of(env, "ls").out()).contains("no instances");
    }

    @Test
    void followPrintsMessagesAsTheyArriveUntilCtrlCAndCompletionOffersQueueNames() throws Exception {
        Tmux.require("tmux");
        try (Tmux tmux = new Tmux(home)) {
            tmux.start("scale try rabbitmq");
            tmux.waitFor("rabbitmq [rabbitmq]>");
            tmux.type("declare queue orders");
            tmux.key("Enter");
            tmux.waitFor("queue orders declared");
            tmux.type("follow ord");
            tmux.key("Tab");
            tmux.waitFor("follow orders");
            tmux.key("Enter");
            tmux.waitFor("(following queue orders; Ctrl-C to stop)");
            String url = JSON.readTree(Run.of(Run.withoutDocker(home), "ls", "--output", "json").out()).get(0).get("url").asText();
            ConnectionFactory f = new ConnectionFactory();
            f.setUri(url);
            try (Connection c = f.newConnection(); Channel ch = c.createChannel()) {
                ch.basicPublish("", "orders", MessageProperties.PERSISTENT_TEXT_PLAIN, "order-1".getBytes(StandardCharsets.UTF_8));
                tmux.waitFor("order-1");
                ch.basicPublish("", "orders", MessageProperties.PERSISTENT_TEXT_PLAIN, "order-2".getBytes(StandardCharsets.UTF_8));
                tmux.waitFor("order-2");
                tmux.key("C-c");
                // and the prompt is back: a key typed before JLine reads again may be lost
                tmux.waitFor("(stopped following queue orders: 2 messages acknowledged)\nrabbitmq [rabbitmq]>");
                // both were acknowledged, and the follower is gone
                assertThat(ch.queueDeclarePassive("orders").getMessageCount()).isZero();
                assertThat(ch.queueDeclarePassive("orders").getConsumerCount()).isZero();
            }
            tmux.key("C-d");
            tmux.waitFor("scale: removed rabbitmq");
        }
        assertThat(Run.of(Run.withoutDocker(home), "ls").out()).contains("no instances");
    }
}
