package dev.scale.providers.managed.neon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Instance;
import dev.scale.providers.Kind;
import dev.scale.providers.NameTaken;
import dev.scale.providers.Progress;
import dev.scale.providers.Spec;
import dev.scale.providers.Wait;
import dev.scale.providers.managed.Ledger;
import dev.scale.providers.managed.ServiceApi;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;

/**
 * A Neon database with no account at all: Claimable Postgres ({@code POST https://neon.new/api/v1/database} with a
 * referrer, no auth; docs/research/neon.md). Neon deletes it 72 h after it was made unless someone claims it at its
 * claim URL. No API deletes it sooner, so {@code down} empties it (drops what its owner made) and forgets it: the
 * data goes at once, the empty database at Neon's expiry. The issue's {@code claimable.neon.tech/v1/agent/identity}
 * flow was looked for and not found in Neon's docs, CLI or SDKs; this is the flow Neon documents.
 */
final class NeonClaimable {
    static final String DEFAULT_URL = "https://neon.new";
    static final String URL_VARIABLE = "SCALE_NEON_CLAIMABLE_URL";
    /** What Neon gives an unclaimed database, when its answer carries no expires_at. */
    static final Duration LIFETIME = Duration.ofHours(72);

    private final Map<String, String> env;
    private final Clock clock;
    private final Ledger ledger;

    NeonClaimable(Map<String, String> env, Clock clock, Ledger ledger) {
        this.env = env;
        this.clock = clock;
        this.ledger = ledger;
    }

    String base() {
        return env.getOrDefault(URL_VARIABLE, DEFAULT_URL);
    }

    private ServiceApi api() {
        return new ServiceApi("Neon", base(), null, "NEON_API_KEY", URL_VARIABLE);
    }

    /** For doctor: the claimable API answers (a GET of a database that does not exist is a 404, which is an answer). */
    String check() {
        try {
            api().get("api/v1/database/00000000-0000-0000-0000-000000000000");
        } catch (ServiceApi.Refused answered) {
            if (answered.status >= 500) {
                throw answered;
            }
        }
        return "no NEON_API_KEY: claimable databases with no account (72 h) from " + base() + " answer"
                + (env.containsKey(URL_VARIABLE) ? " (" + URL_VARIABLE + ")" : "");
    }

    Instance start(Spec spec, Kind postgres, Progress progress) {
        if (ledger.has(spec.name())) {
            throw new NameTaken(spec.name());
        }
        progress.step(spec.name(), "creating a claimable database on Neon (no account)");
        JsonNode made = api().post("api/v1/database", Ledger.JSON.createObjectNode().put("ref", "scale"));
        String connection = made.path("connection_string").asText();
        if (connection.isEmpty()) {
            throw ScaleException.failure("Neon's claimable API made no connection string", null);
        }
        Instant created = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant expires = made.hasNonNull("expires_at") ? Instant.parse(made.get("expires_at").asText()) : created.plus(LIFETIME);
        ObjectNode entry = Ledger.entry(spec.name(), created, expires).put("mode", "claimable").put("id", made.path("id").asText())
                .put("connection", connection).put("claimUrl", made.path("claim_url").asText(""));
        ledger.write(spec.name(), entry);
        try {
            Endpoint endpoint = endpoint(entry, postgres);
            // said even where progress is not shown: the service's limit, not the TTL asked for, and how to keep it
            String claim = entry.path("claimUrl").asText();
            progress.notice(spec.name(), "no account: Neon deletes this database at " + expires + " (72 h)"
                    + (claim.isEmpty() ? "" : " unless you claim it at " + claim) + "; scale's down empties it before, as no API deletes it sooner");
            progress.step(spec.name(), "waiting for PostgreSQL on " + endpoint.host() + " (TLS)");
            String version;
            try {
                version = Wait.until(System.nanoTime() + postgres.startTimeout().toNanos(), "Neon's claimable database", () -> postgres.probe(endpoint));
            } catch (Wait.TimedOut e) {
                throw ScaleException.failure("Neon's claimable database for " + spec.name() + " did not answer within "
                        + postgres.startTimeout().toSeconds() + "s (" + e.lastReason() + ")", "set SCALE_CA_FILE if a proxy re-signs TLS", e.getCause());
            }
            entry.put("version", version);
            ledger.write(spec.name(), entry);
            progress.step(spec.name(), "ready (postgres " + version + " on Neon, no account, until " + expires + ")");
            return new Instance(spec.name(), postgres, version, NeonProvider.NAME, endpoint, created, expires, Instance.State.RUNNING);
        } catch (RuntimeException e) {
            empty(entry, postgres);
            ledger.delete(spec.name());
            throw e;
        }
    }

    Instance instance(JsonNode entry, Kind postgres) {
        return new Instance(entry.path("name").asText(), postgres, entry.path("version").asText("?"), NeonProvider.NAME, endpoint(entry, postgres),
                Ledger.createdAt(entry), Ledger.expiresAt(entry), Ledger.orphaned(entry) ? Instance.State.ORPHANED : Instance.State.RUNNING);
    }

    /** Empties the database and forgets it; always true: it existed here. */
    boolean remove(JsonNode entry, Kind postgres) {
        empty(entry, postgres);
        ledger.delete(entry.path("name").asText());
        return true;
    }

    private Endpoint endpoint(JsonNode entry, Kind postgres) {
        Endpoint e = postgres.endpointOf(URI.create(entry.path("connection").asText()));
        return e.tls() != null ? e.withTls(Endpoint.Tls.from(env)) : e;
    }

    /** Drops what the database's owner made, best effort: past Neon's expiry, or offline, there is nothing to reach. */
    private void empty(JsonNode entry, Kind postgres) {
        if (Ledger.expiresAt(entry).isBefore(clock.instant())) {
            return;
        }
        try {
            postgres.empty(endpoint(entry, postgres));
        } catch (Exception gone) {
            // the data goes with the database at Neon's expiry
        }
    }

    Optional<String> claimUrl(JsonNode entry) {
        return Optional.of(entry.path("claimUrl").asText("")).filter(u -> !u.isEmpty());
    }
}
