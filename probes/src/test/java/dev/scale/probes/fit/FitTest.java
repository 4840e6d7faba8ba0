package dev.scale.probes.fit;

import dev.scale.probes.Measurement;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scale.probes.EmbeddedServers;
import dev.scale.probes.stores.redis.RedisAdapter;
import dev.scale.providers.kinds.redis.Resp;
import dev.scale.providers.Instance;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A scenario run on real stores: verdicts follow what each store did in that run. */
class FitTest {
    @RegisterExtension
    static final EmbeddedServers servers = new EmbeddedServers("fit");

    static Fit.Store store(Instance i) {
        boolean redis = i.kind().name().equals("redis");
        return new Fit.Store(i.name(), i.kind().name(), i.version(), redis ? new dev.scale.probes.stores.redis.RedisAdapter(i.endpoint())
                : new dev.scale.probes.stores.postgres.PostgresAdapter(i.endpoint()),
                redis ? new dev.scale.probes.stores.redis.RedisQueues(i.endpoint()) : new dev.scale.probes.stores.postgres.PostgresQueues(i.endpoint()));
    }

    static final String SCENARIO = """
            name: mini-sessions
            requirements:
              - name: TTL managed by the DB
                probe: ttl
                params: {keys: 200, ttl: 500ms, sweep: 200ms}
                pass: [native_ttl == true, early_expiries == 0]
                evidence: "p99 lateness {lateness_p99_ms} ms"
              - name: small volume
                probe: capacity
                params: {target: 2MB, sample: 100}
                pass: [write_errors == 0, retained_fraction == 1]
                evidence: "{bytes_per_item} B/item"
              - name: nothing dropped when full
                probe: capacity
                params: {target: 2MB, sample: 100}
                pass: [evictions == 0]
              - name: high availability
                not-measured: needs several nodes
            """;

    @Test
    void redisAndPostgresGetTheVerdictsTheirMeasurementsGive() {
        Scenario s = Scenario.parse(SCENARIO, "test");
        List<String> seen = new ArrayList<>();
        Fit.Outcome o = Fit.run(s, List.of(store(servers.redis()), store(servers.postgres())), new Fit.Listener() {
            @Override
            public void requirement(Fit.Store store, int index, int total, Requirement r) {
                seen.add(store.name() + " " + index + "/" + total + " " + r.name());
            }

            @Override
            public void progress(Fit.Store store, String line) {
            }
        });
        String redis = servers.redis().name();
        String pg = servers.postgres().name();
        assertThat(seen).hasSize(8).contains(redis + " 1/4 TTL managed by the DB", pg + " 4/4 high availability");
        assertThat(o.cell("TTL managed by the DB", redis).verdict()).isEqualTo(Fit.Verdict.PASS);
        assertThat(o.cell("TTL managed by the DB", redis).evidence()).matches("p99 lateness [0-9.]+ ms");
        assertThat(o.cell("TTL managed by the DB", pg).verdict()).isEqualTo(Fit.Verdict.FAIL);
        assertThat(o.cell("TTL managed by the DB", pg).evidence()).startsWith("native_ttl false, needs true");
        assertThat(o.cell("small volume", pg).verdict()).isEqualTo(Fit.Verdict.PASS);
        assertThat(o.cell("high availability", redis).verdict()).isEqualTo(Fit.Verdict.NA);
        assertThat(o.cell("high availability", redis).evidence()).isEqualTo("needs several nodes");
        // the two capacity requirements share one measurement per store
        assertThat(o.measurements().get(redis)).extracting(Measurement::probe).containsExactly("ttl", "capacity");
        assertThat(o.passes(redis)).isTrue();
        assertThat(o.passes(pg)).isFalse();
    }

    @Test
    void aRedisThatEvictsFailsWhereTheSameRedisWithoutALimitPasses() throws Exception {
        Scenario s = Scenario.parse(SCENARIO, "test");
        Scenario full = new Scenario("x", null, s.requirements().subList(1, 3));
        Fit.Listener quiet = new Fit.Listener() {
            @Override
            public void requirement(Fit.Store store, int index, int total, Requirement r) {
            }

            @Override
            public void progress(Fit.Store store, String line) {
            }
        };
        String redis = servers.redis().name();
        assertThat(Fit.run(full, List.of(store(servers.redis())), quiet).passes(redis)).isTrue();
        try (Resp r = RedisAdapter.connect(servers.redis().endpoint())) {
            long used = new RedisAdapter(servers.redis().endpoint()).bytesUsed();
            r.call(List.of("CONFIG", "SET", "maxmemory", Long.toString(used + (1 << 20))));
            r.call(List.of("CONFIG", "SET", "maxmemory-policy", "allkeys-lru"));
            Fit.Outcome o = Fit.run(full, List.of(store(servers.redis())), quiet);
            assertThat(o.cell("nothing dropped when full", redis).verdict()).isEqualTo(Fit.Verdict.FAIL);
            assertThat(o.cell("nothing dropped when full", redis).evidence()).startsWith("evictions ").contains("needs 0");
            assertThat(o.cell("small volume", redis).evidence()).contains("retained_fraction 0.");
        } finally {
            try (Resp r = RedisAdapter.connect(servers.redis().endpoint())) {
                r.call(List.of("CONFIG", "SET", "maxmemory", "0"));
                r.call(List.of("CONFIG", "SET", "maxmemory-policy", "noeviction"));
            }
        }
    }
}
