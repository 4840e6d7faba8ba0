package dev.scale.providers.managed.upstash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Dirs;
import dev.scale.providers.Endpoint;
import dev.scale.providers.Instance;
import dev.scale.providers.Kind;
import dev.scale.providers.Kinds;
import dev.scale.providers.NameTaken;
import dev.scale.providers.Progress;
import dev.scale.providers.Secret;
import dev.scale.providers.Spec;
import dev.scale.providers.Wait;
import dev.scale.providers.managed.Credentials;
import dev.scale.providers.managed.Ledger;
import dev.scale.providers.managed.ManagedService;
import dev.scale.providers.managed.Reaper;
import dev.scale.providers.managed.ServiceApi;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Redis on Upstash's free plan, through its Developer API (facts and sources in docs/research/upstash.md). Each
 * instance is a database named {@code scale-NAME}; TLS is always on, so the contract gives {@code rediss://}.
 * Upstash has no expiry for databases, so a {@link Reaper} removes each at its TTL, and gc after a reboot. The free
 * plan holds one database: when it is taken, the refusal names the instance (or the database) that holds it.
 */
public final class UpstashProvider implements ManagedService {
    public static final String NAME = "upstash";
    public static final String DEFAULT_API = "https://api.upstash.com/v2";
    private static final String PREFIX = "scale-";
    /** How long a scale database with no ledger here is taken for another process's start in progress. */
    static final Duration UNRECORDED_GRACE = Duration.ofMinutes(2);

    private final Dirs dirs;
    private final Map<String, String> env;
    private final Kinds kinds;
    private final Clock clock;
    private final Reaper reaper;
    private final Ledger ledger;
    private ServiceApi api;

    public UpstashProvider(Dirs dirs, Kinds kinds, Map<String, String> env, Clock clock, Reaper reaper) {
        this.dirs = dirs;
        this.env = env;
        this.kinds = kinds;
        this.clock = clock;
        this.reaper = reaper;
        this.ledger = new Ledger(dirs, NAME);
    }

    @Override public String name() { return NAME; }
    @Override public String service() { return "Upstash"; }
    @Override public List<String> kinds() { return List.of("redis"); }
    @Override public String apiUrlVariable() { return "SCALE_UPSTASH_API_URL"; }

    @Override
    public List<Credential> credentials() {
        return List.of(new Credential("UPSTASH_EMAIL", "Upstash account email", false),
                new Credential("UPSTASH_API_KEY", "Upstash management API key (console.upstash.com, Account, Management API)", true));
    }

    private Optional<String> value(String variable) {
        return Credentials.value(env, variable);
    }

    @Override
    public Optional<String> unavailableReason() {
        List<String> missing = Credentials.missing(env, credentials());
        return missing.isEmpty() ? Optional.empty()
                : Optional.of("no Upstash credentials: set " + String.join(" and ", missing) + " (or run scale login upstash)");
    }

    @Override
    public String check() {
        unavailableReason().ifPresent(why -> {
            throw ScaleException.environment(why, null, null);
        });
        int n = api().get("redis/databases").size();
        return "UPSTASH_EMAIL and UPSTASH_API_KEY set; the API at " + env.getOrDefault(apiUrlVariable(), DEFAULT_API) + " answers ("
                + n + " database" + (n == 1 ? "" : "s") + " on the account)" + (env.containsKey(apiUrlVariable()) ? " (" + apiUrlVariable() + ")" : "");
    }

    private synchronized ServiceApi api() {
        if (api == null) {
            unavailableReason().ifPresent(why -> {
                throw ScaleException.environment(why, null, null);
            });
            String basic = Base64.getEncoder().encodeToString((value("UPSTASH_EMAIL").get() + ":" + value("UPSTASH_API_KEY").get())
                    .getBytes(StandardCharsets.UTF_8));
            api = new ServiceApi("Upstash", env.getOrDefault(apiUrlVariable(), DEFAULT_API), "Basic " + basic,
                    "UPSTASH_EMAIL and UPSTASH_API_KEY", apiUrlVariable());
        }
        return api;
    }

    @Override
    public Instance start(Spec spec, Progress progress) {
        Kind kind = spec.kind();
        if (!kind.name().equals("redis")) {
            throw ScaleException.usage("upstash runs Redis only, not " + kind.name(), "ask for redis, or use another --provider");
        }
        if (spec.version() != null) {
            throw ScaleException.usage("Upstash chooses its Redis version, so redis:" + spec.version() + " cannot be asked for", "ask for redis without a version");
        }
        if (spec.image() != null) {
            throw ScaleException.usage("--image applies to the docker provider only", "drop --image");
        }
        ServiceApi upstash = api();
        String dbName = PREFIX + spec.name();
        progress.step(spec.name(), "asking Upstash for its databases");
        JsonNode databases = upstash.get("redis/databases");
        if (hasLedger(spec.name()) || find(databases, dbName).isPresent()) {
            throw new NameTaken(spec.name());
        }
        Instant created = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant expires = created.plus(spec.ttl());
        ledger.starting(spec.name());
        String id = null;
        try {
            progress.step(spec.name(), "creating database " + dbName + " (free plan)");
            ObjectNode body = Ledger.JSON.createObjectNode().put("database_name", dbName)
                    .put("platform", env.getOrDefault("SCALE_UPSTASH_PLATFORM", "aws"))
                    .put("primary_region", env.getOrDefault("SCALE_UPSTASH_REGION", "us-east-1"))
                    .put("plan", "free").put("tls", true);
            JsonNode made;
            try {
                made = upstash.post("redis/database", body);
            } catch (ServiceApi.Refused refused) {
                throw refused.status >= 400 && refused.status < 500 && refused.status != 401 && refused.status != 403
                        ? freePlanTaken(databases, refused) : refused;
            }
            id = made.path("database_id").asText();
            if (id.isEmpty() || made.path("endpoint").asText().isEmpty()) {
                throw ScaleException.failure("Upstash made no database id or endpoint for " + dbName, null);
            }
            ObjectNode entry = Ledger.entry(spec.name(), created, expires).put("id", id).put("host", made.path("endpoint").asText())
                    .put("port", made.path("port").asInt(6379)).put("password", made.path("password").asText());
            ledger.write(spec.name(), entry);
            Endpoint endpoint = endpoint(entry);
            progress.step(spec.name(), "waiting for Redis on " + endpoint.host() + " (TLS)");
            String version;
            try {
                version = Wait.until(System.nanoTime() + Duration.ofSeconds(90).toNanos(), "Upstash's database " + dbName, () -> kind.probe(endpoint));
            } catch (Wait.TimedOut e) {
                throw ScaleException.failure("Upstash's database " + dbName + " did not answer within 90 s (" + e.lastReason() + ")",
                        "set SCALE_CA_FILE if a proxy re-signs TLS; nothing was left half made", e.getCause());
            }
            entry.put("version", version);
            reaper.start(spec.name(), expires, env, ledger.reaperLog(spec.name())).ifPresent(r -> entry.put("reaper", r));
            ledger.write(spec.name(), entry);
            progress.step(spec.name(), "ready (redis " + version + " on Upstash)");
            return new Instance(spec.name(), kind, version, NAME, endpoint, created, expires, Instance.State.RUNNING);
        } catch (RuntimeException e) {
            try {
                if (id != null && !id.isEmpty()) {
                    upstash.delete("redis/database/" + id);
                }
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            ledger.read(spec.name()).ifPresent(Reaper::stop);
            ledger.delete(spec.name());
            throw e;
        } finally {
            ledger.started(spec.name());
        }
    }

    /** The refusal of a create, said as the free plan's one database being taken when a database exists already. */
    private ScaleException freePlanTaken(JsonNode databases, ServiceApi.Refused refused) {
        for (JsonNode db : databases) {
            String n = db.path("database_name").asText();
            if (n.startsWith(PREFIX)) {
                return ScaleException.failure("Upstash refused a new database: the free plan holds one, and scale instance "
                        + n.substring(PREFIX.length()) + " has it (" + refused.getMessage() + ")", "remove it first: scale down " + n.substring(PREFIX.length()), refused);
            }
            return ScaleException.failure("Upstash refused a new database: the free plan holds one, and database " + n
                    + " (not scale's) has it (" + refused.getMessage() + ")", "remove it in Upstash's console, or use a paid plan", refused);
        }
        return refused;
    }

    private static Optional<JsonNode> find(JsonNode databases, String dbName) {
        for (JsonNode db : databases) {
            if (dbName.equals(db.path("database_name").asText())) {
                return Optional.of(db);
            }
        }
        return Optional.empty();
    }

    private Endpoint endpoint(JsonNode entry) {
        return new Endpoint(entry.path("host").asText(), entry.path("port").asInt(6379), "default", Secret.of(entry.path("password").asText()), null)
                .withTls(Endpoint.Tls.from(env));
    }

    @Override
    public List<Instance> list() {
        Kind redis = kinds.byName("redis");
        List<Instance> out = new ArrayList<>();
        List<String> named = new ArrayList<>();
        for (String name : ledger.names()) {
            Optional<ObjectNode> entry = ledger.read(name);
            if (entry.isEmpty() || ledger.isStarting(name)) {
                continue;
            }
            named.add(name);
            out.add(new Instance(name, redis, entry.get().path("version").asText("?"), NAME, endpoint(entry.get()), Ledger.createdAt(entry.get()),
                    Ledger.expiresAt(entry.get()), Ledger.orphaned(entry.get()) ? Instance.State.ORPHANED : Instance.State.RUNNING));
        }
        if (unavailableReason().isEmpty()) {
            try {
                // the service's own listing: a scale database with no ledger here was made elsewhere, or lost its ledger
                for (JsonNode db : api().get("redis/databases")) {
                    String dbName = db.path("database_name").asText();
                    String name = dbName.startsWith(PREFIX) ? dbName.substring(PREFIX.length()) : null;
                    if (name == null || named.contains(name) || ledger.isStarting(name)) {
                        continue;
                    }
                    Instant made = db.hasNonNull("creation_time") ? Instant.ofEpochSecond(db.get("creation_time").asLong()) : clock.instant();
                    boolean young = made.isAfter(clock.instant().minus(UNRECORDED_GRACE));
                    // no expiry is known for it: it is taken as expired once the grace has passed, so gc removes it
                    out.add(new Instance(name, redis, "?", NAME, new Endpoint(db.path("endpoint").asText("?"), db.path("port").asInt(0), "default",
                            Secret.none(), null), made, made.plus(UNRECORDED_GRACE), young ? Instance.State.RUNNING : Instance.State.ORPHANED));
                }
            } catch (ScaleException offline) {
                // ls shows what the ledger knows; doctor says whether Upstash answers
            }
        }
        return out;
    }

    @Override
    public Ledger ledger() {
        return ledger;
    }

    @Override
    public boolean remove(String name) {
        Optional<ObjectNode> entry = ledger.read(name);
        if (unavailableReason().isPresent()) {
            if (entry.isPresent()) {
                throw ScaleException.environment("cannot remove " + name + " from Upstash without its credentials", unavailableReason().get(), null);
            }
            return false;
        }
        ServiceApi upstash = api();
        if (entry.isEmpty()) {
            try {
                Optional<JsonNode> db = find(upstash.get("redis/databases"), PREFIX + name);
                return db.isPresent() && upstash.delete("redis/database/" + db.get().path("database_id").asText());
            } catch (ScaleException unreachable) {
                return false;
            }
        }
        Reaper.stop(entry.get());
        String id = entry.get().path("id").asText();
        upstash.delete("redis/database/" + id);
        ledger.delete(name);
        return true;
    }

}
