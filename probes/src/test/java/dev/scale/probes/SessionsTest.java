package dev.scale.probes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scale.probes.stores.postgres.PostgresSession;
import dev.scale.probes.stores.redis.RedisSession;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The adapter contract the verdict probes build on, held by both stores, on real servers. */
class SessionsTest {
    @RegisterExtension
    static final EmbeddedServers servers = new EmbeddedServers("s");

    private static KvSession open(String kind) throws Exception {
        return kind.equals("redis") ? new RedisSession(servers.redis().endpoint()) : new PostgresSession(servers.postgres().endpoint());
    }

    private static byte[] bytes(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    private static long number(Optional<byte[]> b) {
        return b.map(x -> ByteBuffer.wrap(x).getLong()).orElse(0L);
    }

    private static <T> List<T> parallel(int n, Callable<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<T>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                fs.add(pool.submit(task));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : fs) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis", "postgres"})
    void basicOperationsAndTtl(String kind) throws Exception {
        try (KvSession s = open(kind)) {
            s.put("a", new byte[] {1, 2});
            assertThat(s.get("a")).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 2));
            assertThat(s.delete("a")).isTrue();
            assertThat(s.delete("a")).isFalse();
            assertThat(s.get("a")).isEmpty();
            s.putWithTtl("t", new byte[] {9}, Duration.ofMillis(300));
            assertThat(s.get("t")).isPresent();
            Thread.sleep(700);
            assertThat(s.get("t")).as("expired").isEmpty();
            assertThat(s.nativeTtl()).isEqualTo(kind.equals("redis"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis", "postgres"})
    void concurrentIncrementsLoseNothing(String kind) throws Exception {
        String key = "counter-" + System.nanoTime();
        parallel(4, () -> {
            try (KvSession s = open(kind)) {
                for (int i = 0; i < 250; i++) {
                    s.increment(key, 1);
                }
            }
            return null;
        });
        try (KvSession s = open(kind)) {
            assertThat(s.increment(key, 0)).isEqualTo(1000);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis", "postgres"})
    void compareAndSetLetsOneOfTwoRacersWin(String kind) throws Exception {
        String key = "cas-" + System.nanoTime();
        try (KvSession a = open(kind); KvSession b = open(kind)) {
            a.put(key, bytes(1));
            assertThat(a.compareAndSet(key, Optional.of(bytes(1)), bytes(2))).isTrue();
            assertThat(b.compareAndSet(key, Optional.of(bytes(1)), bytes(3))).as("stale expectation").isFalse();
            assertThat(number(b.get(key))).isEqualTo(2);
            assertThat(a.compareAndSet(key + "-new", Optional.empty(), bytes(5))).isTrue();
            assertThat(b.compareAndSet(key + "-new", Optional.empty(), bytes(6))).isFalse();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis", "postgres"})
    void concurrentTransfersKeepTheTotal(String kind) throws Exception {
        String x = "acct-x-" + System.nanoTime();
        String y = "acct-y-" + System.nanoTime();
        try (KvSession s = open(kind)) {
            s.put(x, bytes(1000));
            s.put(y, bytes(1000));
        }
        AtomicInteger moved = new AtomicInteger();
        parallel(4, () -> {
            try (KvSession s = open(kind)) {
                for (int i = 0; i < 25; i++) {
                    s.transaction(List.of(x, y), cur -> Map.of(
                            x, Optional.of(bytes(number(cur.get(x)) - 1)),
                            y, Optional.of(bytes(number(cur.get(y)) + 1))));
                    moved.incrementAndGet();
                }
            }
            return null;
        });
        try (KvSession s = open(kind)) {
            assertThat(number(s.get(x)) + number(s.get(y))).isEqualTo(2000);
            assertThat(number(s.get(y))).isEqualTo(1000 + moved.get());
        }
    }
}
