package dev.scale.probes.ttl;

import dev.scale.probes.stores.postgres.PostgresTtl;
import dev.scale.probes.stores.redis.RedisTtl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scale.probes.EmbeddedServers;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** TTL measured on real servers: native on Redis, emulated (and so reported) on PostgreSQL. */
class TtlProbeTest {
    @RegisterExtension
    static final EmbeddedServers servers = new EmbeddedServers("ttl");

    @Test
    void redisExpiresNativelyOnTimeAndReclaimsUntouchedKeysByItself() throws Exception {
        TtlProbe.Result r = TtlProbe.run(RedisTtl.of(servers.redis().endpoint()), 300, Duration.ofMillis(500), 5, Duration.ofSeconds(1));
        assertThat(r.nativeTtl()).isTrue();
        assertThat(r.polled()).isEqualTo(60);
        assertThat(r.earlyExpiries()).isZero();
        // a bound a broken expiry fails (late by a whole TTL), not a speed claim: bench/fit-sessions.sh has the figures
        assertThat(r.latenessP99Millis()).as("late by less than the keys' TTL").isLessThan(500);
        assertThat(r.allReclaimed()).as("Redis's active expiry removes keys nobody reads").isTrue();
        assertThat(r.emulation()).isNull();
        assertThat(RedisTtl.of(servers.redis().endpoint()).present("scale:ttl:")).isZero();
    }

    @Test
    void postgresHasNoNativeTtlAndItsEmulationIsMeasured() throws Exception {
        TtlProbe.Result r = TtlProbe.run(PostgresTtl.of(servers.postgres().endpoint()), 300, Duration.ofMillis(500), 5, Duration.ofMillis(200));
        assertThat(r.nativeTtl()).isFalse();
        assertThat(r.emulation()).contains("expires_at").contains("200 ms");
        assertThat(r.earlyExpiries()).isZero();
        assertThat(r.latenessP99Millis()).as("late by less than the keys' TTL").isLessThan(500);
        assertThat(r.allReclaimed()).as("the periodic delete reclaims untouched rows").isTrue();
        assertThat(r.reclaimedAfterMillis()).isLessThan(2000);
        assertThat(r.sweepMillisAverage()).isPositive();
    }
}
