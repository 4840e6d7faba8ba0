package dev.scale.probes.failover;

import dev.scale.probes.SetTest;
import dev.scale.probes.History;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scale.probes.EmbeddedServers;
import dev.scale.probes.stores.redis.RedisSentinelTarget;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Secret;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The set test on a real Redis topology on loopback, processes of the embedded redis-server 6.2: a primary, a replica
 * and three Sentinels (down-after 1 s). The primary is killed with kill -9 a third of the way through and started
 * again two thirds through. What is asserted is what the measurement must show whatever the run: Sentinel promoted the
 * replica within seconds, writes stopped and resumed (a window), every write is accounted for, and whatever was lost
 * is counted, not hidden (asynchronous replication may lose acknowledged writes; this run says how many).
 */
class RedisSentinelFailoverTest {
    @RegisterExtension
    static final EmbeddedServers servers = new EmbeddedServers("failover"); // extracts the redis-server binary

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Path redisServer() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("target/scale-test-cache/bin"))) {
            return files.filter(p -> p.getFileName().toString().equals("redis-server")).findFirst().orElseThrow();
        }
    }

    private Process start(Path conf, boolean sentinel) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(redisServer().toString(), conf.toString()));
        if (sentinel) {
            cmd.add("--sentinel");
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(conf.getFileName() + ".log").toFile()).start();
        processes.add(p);
        return p;
    }

    private Path conf(String name, String... lines) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name + ".d"));
        return Files.writeString(dir.resolve(name + ".conf"), String.join("\n", lines) + "\ndir " + d + "\nbind 127.0.0.1\nsave \"\"\nappendonly no\n");
    }

    @Test
    void killingThePrimaryShowsAWindowAPromotionAndEveryWriteAccountedFor() throws Exception {
        String pw = "s3cret-failover";
        int p0 = freePort();
        int p1 = freePort();
        Path primary = conf("primary", "port " + p0, "requirepass " + pw, "masterauth " + pw);
        Path replica = conf("replica", "port " + p1, "requirepass " + pw, "masterauth " + pw, "replicaof 127.0.0.1 " + p0);
        Process[] primaryProcess = {start(primary, false)};
        start(replica, false);
        List<Endpoint> sentinels = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int port = freePort();
            start(conf("sentinel" + i, "port " + port, "sentinel monitor m 127.0.0.1 " + p0 + " 2", "sentinel auth-pass m " + pw,
                    "sentinel down-after-milliseconds m 1000", "sentinel failover-timeout m 5000"), true);
            sentinels.add(new Endpoint("127.0.0.1", port, null, null, null));
        }
        try {
            Thread.sleep(3000); // the replica synced, the Sentinels found each other
            try (RedisSentinelTarget target = new RedisSentinelTarget(sentinels, "m", Secret.of(pw), 500,
                    () -> {
                        primaryProcess[0].destroyForcibly().waitFor();
                        return null;
                    },
                    () -> primaryProcess[0] = start(primary, false))) {
                History h = SetTest.run(target, 2, 200, 9, 3000);
                History.Analysis a = h.analyse();
                assertThat(a.writes()).isEqualTo(1800);
                assertThat(a.acknowledged() + a.refused() + a.unknown()).isEqualTo(a.writes());
                assertThat(a.acknowledged()).as("most writes went through").isGreaterThan(900);
                assertThat(a.promoteMillis()).as("Sentinel promoted the replica after down-after (1 s)").isNotNull().isBetween(900.0, 10_000.0);
                assertThat(a.windowMillis()).as("writes stopped and resumed").isNotNull().isBetween(900.0, 10_000.0);
                assertThat(a.refusedPresent()).as("a write refused did not happen").isZero();
                assertThat(a.acknowledgedLost()).as("counted, whatever it is").isBetween(0, a.acknowledged());
                System.out.println("failover: " + a);
            }
        } finally {
            for (Process p : processes) {
                p.destroyForcibly().waitFor();
            }
        }
    }
}
