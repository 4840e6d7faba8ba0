package dev.scale.providers.managed.clever;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import dev.scale.providers.managed.Ledger;
import dev.scale.providers.managed.ManagedService;
import dev.scale.providers.managed.Reaper;
import dev.scale.providers.managed.ServiceApi;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * PostgreSQL and the Redis protocol on Clever Cloud's add-ons (API v2 through the API bridge with a Bearer API
 * token; facts and sources in docs/research/clever.md): a {@code postgresql-addon} on the free {@code dev} plan, or
 * a Materia KV ({@code kv}) add-on, named {@code scale-NAME}, in region {@code par}.
 *
 * <p>An add-on has no expiry of its own, so a {@link Reaper} started once the instance answers removes it at its
 * time to live, and {@code scale gc} is the backstop. A ledger per instance ({@code state/managed/clever/NAME.json},
 * 0600) keeps what scale needs without asking the API again (the add-on id and space, the credentials, the reaper)
 * and who made it. It is written as soon as the add-on exists: a start killed after that is an orphan gc deletes
 * through the API, and an add-on named {@code scale-…} without a ledger here is listed as orphaned too.
 *
 * <p>Where the add-ons live: the organisation {@code CLEVER_ORG_ID} ({@code orga_…}) when it is set, else the
 * token owner's personal space ({@code /v2/self/addons}, the same paths clever-client uses when it is given no
 * owner), so that a user with a personal account only needs nothing but the token.
 */
public final class CleverProvider implements ManagedService {
    public static final String NAME = "clever";
    /** The API bridge, which takes API tokens as Bearer (the plain API wants clever-tools' OAuth 1 signature). */
    public static final String DEFAULT_API = "https://api-bridge.clever-cloud.com";
    private static final String PREFIX = "scale-";
    private static final String REGION = "par";
    private static final ObjectMapper JSON = Ledger.JSON;
    /** How long a scale add-on with no ledger here is taken for another process's start in progress (as for Neon). */
    static final Duration UNRECORDED_GRACE = Duration.ofMinutes(2);
    /**
     * How long an add-on may take from its creation to answering. Longer than a local server's start: Clever hands
     * out the credentials at once and provisions behind them, and a shared cluster may be busy.
     */
    private static final Duration PROVISIONING = Duration.ofMinutes(3);

    /**
     * What a kind is on Clever Cloud.
     *
     * @param provider the add-on provider id
     * @param plan     the plan's slug; {@code null} for "the cheapest"
     * @param needs    the add-on's env vars the endpoint is made of, checked before anything is used
     */
    private record Offer(String kind, String provider, String plan, List<String> needs) {
    }

    private static final Map<String, Offer> OFFERS = Map.of(
            "postgres", new Offer("postgres", "postgresql-addon", "dev",
                    List.of("POSTGRESQL_ADDON_HOST", "POSTGRESQL_ADDON_PORT", "POSTGRESQL_ADDON_DB", "POSTGRESQL_ADDON_USER", "POSTGRESQL_ADDON_PASSWORD")),
            // Materia KV: the issue asks for a plan "base", which the research found in no source; base is taken
            // when the provider lists it, else the cheapest plan (clever-tools' choice when given none, which
            // never picks a paid plan over a free one; terraform takes the first, which could).
            "redis", new Offer("redis", "kv", "base", List.of("KV_HOST", "KV_PORT", "KV_TOKEN")));

    private final Map<String, String> env;
    private final Kinds kinds;
    private final Clock clock;
    private final Reaper reaper;
    private final Ledger ledger;
    private ServiceApi api;

    public CleverProvider(Dirs dirs, Kinds kinds, Map<String, String> env, Clock clock, Reaper reaper) {
        this.env = env;
        this.kinds = kinds;
        this.clock = clock;
        this.reaper = reaper;
        this.ledger = new Ledger(dirs, NAME);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String service() {
        return "Clever Cloud";
    }

    @Override
    public List<String> kinds() {
        return List.of("postgres", "redis");
    }

    /**
     * The token only: CLEVER_ORG_ID is optional (without it, the personal space), and {@code scale login} asks for
     * every credential listed here and refuses an empty answer, so it is read from the environment alone.
     */
    @Override
    public List<Credential> credentials() {
        return List.of(new Credential("CLEVER_TOKEN", "Clever Cloud API token (Console, Profile, API tokens; or clever tokens create)", true));
    }

    @Override
    public String apiUrlVariable() {
        return "SCALE_CLEVER_API_URL";
    }

    private Optional<Secret> token() {
        String token = env.get("CLEVER_TOKEN");
        return token == null || token.isBlank() ? Optional.empty() : Optional.of(Secret.of(token.strip()));
    }

    @Override
    public Optional<String> unavailableReason() {
        return token().isPresent() ? Optional.empty()
                : Optional.of("no Clever Cloud API token: set CLEVER_TOKEN (Console, Profile, API tokens; or clever tokens create)");
    }

    /** The organisation's id, or empty for the token owner's personal space. */
    private Optional<String> organisation() {
        String org = env.get("CLEVER_ORG_ID");
        if (org == null || org.isBlank()) {
            return Optional.empty();
        }
        if (!org.strip().startsWith("orga_")) {
            throw ScaleException.usage("CLEVER_ORG_ID is '" + org.strip() + "', not an organisation id (orga_…)",
                    "set it to the orga_… id the Console shows, or unset it to use your personal space");
        }
        return Optional.of(org.strip());
    }

    /** The API path of a space's add-ons, as ledgers keep the space: an {@code orga_…} id or {@code self}. */
    private static String addons(String space) {
        return space.equals("self") ? "v2/self/addons" : "v2/organisations/" + space + "/addons";
    }

    private String space() {
        return organisation().orElse("self");
    }

    private static String describe(String space) {
        return space.equals("self") ? "your personal space" : "organisation " + space;
    }

    @Override
    public String check() {
        if (token().isEmpty()) {
            throw ScaleException.environment(unavailableReason().get(), null, null);
        }
        String space = space();
        api().get(addons(space));
        return "CLEVER_TOKEN set (" + describe(space) + "); the API at " + env.getOrDefault("SCALE_CLEVER_API_URL", DEFAULT_API) + " answers"
                + (env.containsKey("SCALE_CLEVER_API_URL") ? " (SCALE_CLEVER_API_URL)" : "");
    }

    private synchronized ServiceApi api() {
        if (api == null) {
            Secret token = token().orElseThrow(() -> ScaleException.environment(unavailableReason().get(), null, null));
            String base = env.getOrDefault("SCALE_CLEVER_API_URL", DEFAULT_API);
            // clever-tools' own CLEVER_TOKEN is an OAuth 1 token, which the bridge refuses: the way out says which one
            api = new ServiceApi("Clever Cloud", base, "Bearer " + token.reveal(),
                    "CLEVER_TOKEN (an API token from the Console or clever tokens create, not clever login's OAuth token)", "SCALE_CLEVER_API_URL");
        }
        return api;
    }

    @Override
    public Instance start(Spec spec, Progress progress) {
        Kind kind = spec.kind();
        Offer offer = OFFERS.get(kind.name());
        if (offer == null) {
            throw ScaleException.usage("clever runs postgres (PostgreSQL add-on) and redis (Materia KV) only, not " + kind.name(),
                    "ask for postgres or redis, or use another --provider");
        }
        if (spec.version() != null) {
            throw ScaleException.usage("clever gives the version of its own " + (offer.kind().equals("redis") ? "Materia KV" : "shared PostgreSQL cluster")
                    + ", so " + kind.name() + ":" + spec.version() + " cannot be asked for", "ask for " + kind.name() + " without a version");
        }
        if (spec.image() != null) {
            throw ScaleException.usage("--image applies to the docker provider only", "drop --image");
        }
        ServiceApi clever = api();
        String space = space();
        String addonName = PREFIX + spec.name();
        progress.step(spec.name(), "finding the " + offer.provider() + " plan on Clever Cloud");
        JsonNode plan = plan(clever, space, offer);
        if (addon(clever, space, addonName).isPresent() || hasLedger(spec.name())) {
            throw new NameTaken(spec.name());
        }
        Instant created = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant expires = created.plus(spec.ttl());
        ledger.starting(spec.name());
        String addonId = null;
        ObjectNode entry = null;
        try {
            progress.step(spec.name(), "creating add-on " + addonName + " (" + offer.provider() + ", plan " + plan.path("slug").asText() + ", "
                    + describe(space) + ")");
            ObjectNode body = JSON.createObjectNode().put("name", addonName).put("plan", plan.path("id").asText())
                    .put("providerId", offer.provider()).put("region", REGION);
            body.putObject("options");
            JsonNode made;
            try {
                made = clever.post(addons(space), body);
            } catch (ScaleException e) {
                // a create that timed out or failed on the service's side may have made the add-on all the same
                if (!(e instanceof ServiceApi.Refused r) || r.status >= 500) {
                    try {
                        addon(clever, space, addonName).ifPresent(a -> clever.delete(addons(space) + "/" + a.path("id").asText()));
                    } catch (RuntimeException cleanup) {
                        e.addSuppressed(cleanup);
                    }
                }
                throw e;
            }
            addonId = made.path("id").asText();
            if (addonId.isEmpty()) {
                throw ScaleException.failure("Clever Cloud answered the creation of " + addonName + " with no add-on id", null);
            }
            entry = Ledger.entry(spec.name(), created, expires).put("kind", kind.name()).put("space", space).put("addon", addonId)
                    .put("realId", made.path("realId").asText(""));
            ledger.write(spec.name(), entry);

            progress.step(spec.name(), "reading its connection details");
            Map<String, String> vars = new HashMap<>();
            for (JsonNode v : clever.get(addons(space) + "/" + addonId + "/env")) {
                vars.put(v.path("name").asText(), v.path("value").asText());
            }
            List<String> missing = offer.needs().stream().filter(n -> vars.getOrDefault(n, "").isBlank()).toList();
            if (!missing.isEmpty()) {
                throw ScaleException.failure("Clever Cloud gave no " + String.join(", ", missing) + " for add-on " + addonName,
                        "nothing was left half made", null);
            }
            connection(entry, offer, vars);
            ledger.write(spec.name(), entry);

            Endpoint endpoint = endpoint(entry);
            progress.step(spec.name(), "waiting for " + (offer.kind().equals("redis") ? "Materia KV" : "PostgreSQL") + " on " + endpoint.host() + " (TLS)");
            String version;
            try {
                version = Wait.until(System.nanoTime() + PROVISIONING.toNanos(), "Clever Cloud's " + offer.provider() + " for " + spec.name(),
                        () -> kind.probe(endpoint));
            } catch (Wait.TimedOut e) {
                throw ScaleException.failure("Clever Cloud's add-on " + addonName + " did not answer within " + PROVISIONING.toMinutes() + " min ("
                        + e.lastReason() + ")", "set SCALE_CA_FILE if a proxy re-signs TLS; nothing was left half made", e.getCause());
            }
            entry.put("version", version.isBlank() ? "?" : version);
            Optional<String> reaping = reaper.start(spec.name(), expires, env, ledger.reaperLog(spec.name()));
            if (reaping.isPresent()) {
                entry.put("reaper", reaping.get());
            } else {
                // the user must know, even where progress is not shown: nothing ends it on time
                progress.notice(spec.name(), "no reaper could be started: the add-on stays after its time to live until scale gc or scale down removes it");
            }
            ledger.write(spec.name(), entry);
            progress.step(spec.name(), "ready (" + kind.name() + " " + entry.path("version").asText() + " on Clever Cloud)");
            return new Instance(spec.name(), kind, entry.path("version").asText(), NAME, endpoint, created, expires, Instance.State.RUNNING);
        } catch (RuntimeException e) {
            // nothing half made: the add-on goes, then its reaper, then the ledger. An interrupt (Ctrl-C) must not
            // stop the clean-up's own calls, so its flag is set aside while they run.
            boolean interrupted = Thread.interrupted();
            try {
                if (addonId != null && !addonId.isEmpty()) {
                    clever.delete(addons(space) + "/" + addonId);
                }
                if (entry != null) {
                    Reaper.stop(entry);
                }
                ledger.delete(spec.name());
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            throw e;
        } finally {
            ledger.started(spec.name());
        }
    }

    /** The plan of {@code offer}: its slug when the provider lists it, else (Materia KV only) the cheapest. */
    private static JsonNode plan(ServiceApi clever, String space, Offer offer) {
        JsonNode found = null;
        for (JsonNode p : clever.get("v2/products/addonproviders" + (space.equals("self") ? "" : "?orgaId=" + space))) {
            if (offer.provider().equals(p.path("id").asText())) {
                found = p;
            }
        }
        if (found == null) {
            throw ScaleException.failure("Clever Cloud lists no add-on provider " + offer.provider() + " for " + describe(space), null);
        }
        JsonNode cheapest = null;
        List<String> slugs = new ArrayList<>();
        for (JsonNode p : found.path("plans")) {
            slugs.add(p.path("slug").asText());
            if (p.path("slug").asText().equalsIgnoreCase(offer.plan())) {
                return p;
            }
            if (cheapest == null || p.path("price").asDouble() < cheapest.path("price").asDouble()) {
                cheapest = p;
            }
        }
        if (offer.kind().equals("redis") && cheapest != null) {
            return cheapest;
        }
        throw ScaleException.failure("Clever Cloud's " + offer.provider() + " has no plan " + offer.plan() + " (it lists: " + String.join(", ", slugs) + ")",
                "scale asks for the free plan only", null);
    }

    /** The add-on of that name in the space, from Clever Cloud's own listing. */
    private static Optional<JsonNode> addon(ServiceApi clever, String space, String addonName) {
        for (JsonNode a : clever.get(addons(space))) {
            if (addonName.equals(a.path("name").asText())) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /**
     * The add-on's connection details, into the ledger. Materia KV's token is the password of Redis's
     * {@code default} user: the docs say AUTH takes the token "as password" and give no user, and a named user keeps
     * the URL one that redis-cli 7.0 reads ({@code rediss://default:TOKEN@…}).
     */
    private static void connection(ObjectNode entry, Offer offer, Map<String, String> vars) {
        if (offer.kind().equals("redis")) {
            entry.put("host", vars.get("KV_HOST")).put("port", Integer.parseInt(vars.get("KV_PORT").strip()))
                    .put("username", "default").put("password", vars.get("KV_TOKEN"));
        } else {
            entry.put("host", vars.get("POSTGRESQL_ADDON_HOST")).put("port", Integer.parseInt(vars.get("POSTGRESQL_ADDON_PORT").strip()))
                    .put("username", vars.get("POSTGRESQL_ADDON_USER")).put("password", vars.get("POSTGRESQL_ADDON_PASSWORD"))
                    .put("database", vars.get("POSTGRESQL_ADDON_DB"));
        }
    }

    /** Over TLS always: Materia KV's port 6379 is TLS, and PostgreSQL add-ons are reached across the internet. */
    private Endpoint endpoint(JsonNode entry) {
        return new Endpoint(entry.path("host").asText("?"), entry.path("port").asInt(0), entry.path("username").asText(""),
                Secret.of(entry.path("password").asText("")), entry.hasNonNull("database") ? entry.get("database").asText() : null)
                .withTls(Endpoint.Tls.from(env));
    }

    @Override
    public List<Instance> list() {
        List<Instance> out = new ArrayList<>();
        List<String> named = new ArrayList<>();
        for (String name : ledger.names()) {
            Optional<ObjectNode> l = ledger.read(name);
            if (l.isEmpty() || ledger.isStarting(name)) {
                continue;
            }
            JsonNode entry = l.get();
            named.add(name);
            out.add(new Instance(name, kinds.byName(entry.path("kind").asText("postgres")), entry.path("version").asText("?"), NAME, endpoint(entry),
                    Ledger.createdAt(entry), Ledger.expiresAt(entry), Ledger.orphaned(entry) ? Instance.State.ORPHANED : Instance.State.RUNNING));
        }
        if (token().isPresent()) {
            // the service's own listing: a scale add-on with no ledger here was made elsewhere or lost its ledger
            try {
                Instant now = clock.instant();
                for (JsonNode a : api().get(addons(space()))) {
                    String addonName = a.path("name").asText();
                    String name = addonName.startsWith(PREFIX) ? addonName.substring(PREFIX.length()) : null;
                    String kind = OFFERS.values().stream().filter(o -> o.provider().equals(a.path("provider").path("id").asText()))
                            .map(Offer::kind).findFirst().orElse(null);
                    if (name == null || kind == null || named.contains(name) || ledger.isStarting(name)) {
                        continue;
                    }
                    Instant created = a.hasNonNull("creationDate") ? Instant.ofEpochMilli(a.get("creationDate").asLong()) : now;
                    // a young one may be another scale process's start, between the API's answer and its ledger
                    boolean young = created.isAfter(now.minus(UNRECORDED_GRACE));
                    // Its time to live is in its maker's ledger, not here, and Clever keeps none: the grace is all
                    // scale can say, and an old one is ended by its state (orphaned, which gc removes), not by a
                    // made-up expiry.
                    Instant expires = young ? created.plus(UNRECORDED_GRACE) : now.plus(UNRECORDED_GRACE);
                    out.add(new Instance(name, kinds.byName(kind), "?", NAME, new Endpoint("?", 0, "", Secret.none(), null), created, expires,
                            young ? Instance.State.RUNNING : Instance.State.ORPHANED));
                }
            } catch (ScaleException offline) {
                // ls shows what the ledger knows; doctor says whether Clever Cloud answers
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
        if (token().isEmpty()) {
            if (entry.isPresent()) {
                throw ScaleException.environment("cannot remove " + name + " from Clever Cloud without its API token", "set CLEVER_TOKEN", null);
            }
            return false;
        }
        ServiceApi clever = api();
        if (entry.isEmpty()) {
            try {
                String space = space();
                Optional<JsonNode> addon = addon(clever, space, PREFIX + name);
                return addon.isPresent() && clever.delete(addons(space) + "/" + addon.get().path("id").asText());
            } catch (ScaleException unreachable) {
                return false; // not made here, and the service cannot say: nothing to remove that scale knows of
            }
        }
        // the space it was made in, even if CLEVER_ORG_ID has changed since
        String space = entry.get().path("space").asText("self");
        Optional<String> addonId = Optional.of(entry.get().path("addon").asText()).filter(id -> !id.isEmpty())
                .or(() -> addon(clever, space, PREFIX + name).map(a -> a.path("id").asText()));
        addonId.ifPresent(id -> clever.delete(addons(space) + "/" + id));
        // after the add-on is gone: a reaper stopped before a failed delete would leave it to gc alone
        Reaper.stop(entry.get());
        ledger.delete(name);
        return true;
    }
}
