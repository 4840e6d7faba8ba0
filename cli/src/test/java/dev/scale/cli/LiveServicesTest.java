package dev.scale.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The managed services for real, with the user's own credentials: never in CI (no network, no account here).
 * {@code SCALE_LIVE=neon,upstash mvn verify -Plive} runs it for the services named, with their variables set
 * (NEON_API_KEY, UPSTASH_EMAIL + UPSTASH_API_KEY, CAPELLA_API_KEY + CAPELLA_ORG_ID + CAPELLA_PROJECT_ID,
 * CLEVER_TOKEN + CLEVER_ORG_ID; {@code neon-claimable} needs none). Each service: up, ls, a probe over its TLS,
 * run with the contract, down, and nothing left in the service's own listing.
 */
@Tag("live")
class LiveServicesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    static Stream<Arguments> services() {
        String live = System.getenv().getOrDefault("SCALE_LIVE", "");
        Map<String, String> kinds = Map.of("neon", "postgres", "neon-claimable", "postgres", "upstash", "redis", "capella", "couchbase",
                "clever", "postgres", "clever-kv", "redis");
        List<Arguments> named = Arrays.stream(live.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .map(s -> Arguments.of(s, kinds.getOrDefault(s, "?"))).toList();
        return named.isEmpty() ? Stream.of(Arguments.of("(SCALE_LIVE unset)", "?")) : named.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void upProbeRunAndDownAgainstTheRealService(String service, String kind) throws Exception {
        Assumptions.assumeFalse(kind.equals("?"), "name the services to test in SCALE_LIVE (neon, neon-claimable, upstash, capella, clever,"
                + " clever-kv), not " + service);
        String provider = service.replace("-claimable", "").replace("-kv", "");
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(Run.env(home));
        env.remove("SCALE_NEON_CLAIMABLE_URL");
        if (service.equals("neon-claimable")) {
            env.remove("NEON_API_KEY");
        }
        Run up = Run.of(env, "up", kind, "--provider", provider, "--name", "live", "--ttl", "15m", "--output", "json");
        assertThat(up.code()).as(up.err()).isZero();
        JsonNode i = JSON.readTree(up.out()).get(0);
        assertThat(i.get("provider").asText()).isEqualTo(provider);
        try {
            assertThat(Run.of(env, "ls").out()).contains("live");
            Run probe = Run.of(env, "probe", "atomic-rmw", "--on", "live", "--output", "json");
            assertThat(probe.code()).as(probe.err()).isZero();
            String variable = kind.equals("postgres") ? "DATABASE_URL" : kind.equals("redis") ? "REDIS_URL" : "COUCHBASE_CONNECTION_STRING";
            Run run = Run.of(env, "run", "-q", "--provider", provider, "--with", kind, "--", "sh", "-c", "test -n \"$" + variable + "\"");
            assertThat(run.code()).as(run.err()).isZero();
        } finally {
            assertThat(Run.of(env, "down", "live").out()).contains("removed live");
        }
        assertThat(Run.of(env, "ls", "--output", "json").out()).doesNotContain("\"live\"");
        assertThat(List.of(Run.of(env, "gc", "--dry-run").out())).noneMatch(o -> o.contains(" live "));
    }
}
