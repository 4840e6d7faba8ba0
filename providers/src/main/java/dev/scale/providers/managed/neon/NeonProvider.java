package dev.scale.providers.managed.neon;

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
import dev.scale.providers.managed.ServiceApi;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * PostgreSQL on Neon's free tier (API v2, facts and sources in docs/research/neon.md). Each instance is a branch
 * named {@code scale-NAME} of one project scale makes once and names {@code scale}, with its own role and
 * database, so that instances share nothing. The branch carries {@code expires_at}, so Neon removes it even
 * if no scale process runs again (where the account has that feature); scale's gc removes it too.
 *
 * <p>A ledger per instance ({@code state/managed/neon/NAME.json}, 0600) keeps what the API does not give back:
 * the role's password, and who made it. It is written as soon as the branch exists: a start killed after that
 * is an orphan that gc deletes through the API, and a branch named {@code scale-…} without a ledger (made on
 * another machine, or a ledger lost) is listed as orphaned too.
 */
public final class NeonProvider implements ManagedService {
    public static final String NAME = "neon";
    public static final String DEFAULT_API = "https://console.neon.tech/api/v2";
    private static final String PROJECT = "scale";
    private static final String BRANCH_PREFIX = "scale-";
    private static final ObjectMapper JSON = Ledger.JSON;
    /** How long a scale branch with no ledger here is taken for another process's start in progress. */
    static final java.time.Duration UNRECORDED_GRACE = java.time.Duration.ofMinutes(2);

    private final Map<String, String> env;
    private final Kinds kinds;
    private final Clock clock;
    private final Ledger ledger;
    /** With no API key: a claimable database, no account. */
    private final NeonClaimable claimable;
    private ServiceApi api;

    public NeonProvider(Dirs dirs, Kinds kinds, Map<String, String> env, Clock clock) {
        this.env = env;
        this.kinds = kinds;
        this.clock = clock;
        this.ledger = new Ledger(dirs, NAME);
        this.claimable = new NeonClaimable(env, clock, ledger);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String service() {
        return "Neon";
    }

    @Override
    public List<String> kinds() {
        return List.of("postgres");
    }

    @Override
    public List<Credential> credentials() {
        return List.of(new Credential("NEON_API_KEY", "Neon API key (console.neon.tech, Account settings, API keys)", true));
    }

    @Override
    public String apiUrlVariable() {
        return "SCALE_NEON_API_URL";
    }


    private Optional<String> key() {
        String key = env.get("NEON_API_KEY");
        return key == null || key.isBlank() ? Optional.empty() : Optional.of(key.strip());
    }

    /** Always usable: with no key, a claimable database needs no account. */
    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    private static String noKey() {
        return "no Neon API key: set NEON_API_KEY (console.neon.tech, Account settings, API keys)";
    }

    @Override
    public String check() {
        if (key().isEmpty()) {
            return claimable.check();
        }
        api().get("projects?limit=1");
        return "NEON_API_KEY set; the API at " + env.getOrDefault("SCALE_NEON_API_URL", DEFAULT_API) + " answers"
                + (env.containsKey("SCALE_NEON_API_URL") ? " (SCALE_NEON_API_URL)" : "");
    }

    private synchronized ServiceApi api() {
        if (api == null) {
            String key = key().orElseThrow(() -> ScaleException.environment(noKey(), null, null));
            String base = env.getOrDefault("SCALE_NEON_API_URL", DEFAULT_API);
            api = new ServiceApi("Neon", base, "Bearer " + key, "NEON_API_KEY", "SCALE_NEON_API_URL");
        }
        return api;
    }

    @Override
    public Instance start(Spec spec, Progress progress) {
        Kind kind = spec.kind();
        if (!kind.name().equals("postgres")) {
            throw ScaleException.usage("neon runs PostgreSQL only, not " + kind.name(), "ask for postgres, or use another --provider");
        }
        if (spec.version() != null) {
            throw ScaleException.usage("neon gives the PostgreSQL version of its project, so postgres:" + spec.version() + " cannot be asked for",
                    "ask for postgres without a version");
        }
        if (spec.image() != null) {
            throw ScaleException.usage("--image applies to the docker provider only", "drop --image");
        }
        if (key().isEmpty()) {
            return claimable.start(spec, kind, progress);
        }
        ServiceApi neon = api();
        progress.step(spec.name(), "finding scale's project on Neon");
        String project = project(neon);
        String branchName = BRANCH_PREFIX + spec.name();
        if (branch(neon, project, branchName).isPresent() || hasLedger(spec.name())) {
            throw new NameTaken(spec.name());
        }
        Instant created = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant expires = created.plus(spec.ttl());
        ledger.starting(spec.name());
        String branchId = null;
        try {
            progress.step(spec.name(), "creating branch " + branchName + " (expires " + expires + ")");
            ObjectNode body = JSON.createObjectNode();
            body.putObject("branch").put("name", branchName).put("expires_at", expires.toString());
            body.putArray("endpoints").addObject().put("type", "read_write");
            JsonNode made = neon.post("projects/" + project + "/branches", body);
            branchId = made.path("branch").path("id").asText();
            String host = made.path("endpoints").path(0).path("host").asText();
            if (branchId.isEmpty() || host.isEmpty()) {
                throw ScaleException.failure("Neon made no branch id or compute host for " + branchName, null);
            }
            ObjectNode entry = Ledger.entry(spec.name(), created, expires).put("project", project).put("branch", branchId).put("host", host);
            ledger.write(spec.name(), entry);
            awaitOperations(neon, project, made, spec, progress);

            String role = "scale_" + spec.name().replace('-', '_');
            progress.step(spec.name(), "creating role " + role + " and database scale");
            JsonNode roleMade = neon.post("projects/" + project + "/branches/" + branchId + "/roles",
                    JSON.createObjectNode().set("role", JSON.createObjectNode().put("name", role)));
            String password = roleMade.path("role").path("password").asText();
            awaitOperations(neon, project, roleMade, spec, progress);
            JsonNode dbMade = neon.post("projects/" + project + "/branches/" + branchId + "/databases",
                    JSON.createObjectNode().set("database", JSON.createObjectNode().put("name", "scale").put("owner_name", role)));
            awaitOperations(neon, project, dbMade, spec, progress);
            entry.put("role", role).put("password", password);
            ledger.write(spec.name(), entry);

            Endpoint endpoint = endpoint(entry);
            progress.step(spec.name(), "waiting for PostgreSQL on " + endpoint.host() + " (TLS)");
            String version;
            try {
                version = Wait.until(System.nanoTime() + kind.startTimeout().toNanos(), "Neon's compute for " + spec.name(),
                        () -> kind.probe(endpoint));
            } catch (Wait.TimedOut e) {
                throw ScaleException.failure("Neon's compute for " + spec.name() + " did not answer within " + kind.startTimeout().toSeconds()
                        + "s (" + e.lastReason() + ")", "set SCALE_CA_FILE if a proxy re-signs TLS; nothing was left half made", e.getCause());
            }
            entry.put("version", version);
            ledger.write(spec.name(), entry);
            progress.step(spec.name(), "ready (postgres " + version + " on Neon)");
            return new Instance(spec.name(), kind, version, NAME, endpoint, created, expires, Instance.State.RUNNING);
        } catch (RuntimeException e) {
            // nothing half made: the branch (with its role, database and compute) goes, then the ledger
            try {
                if (branchId != null && !branchId.isEmpty()) {
                    neon.delete("projects/" + project + "/branches/" + branchId);
                }
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            ledger.delete(spec.name());
            throw e;
        } finally {
            ledger.started(spec.name());
        }
    }

    /** The project named {@code scale}, made the first time. */
    private static String project(ServiceApi neon) {
        String found = findProject(neon);
        if (found != null) {
            return found;
        }
        JsonNode made = neon.post("projects", JSON.createObjectNode().set("project", JSON.createObjectNode().put("name", PROJECT)));
        return made.path("project").path("id").asText();
    }

    private static Optional<JsonNode> branch(ServiceApi neon, String project, String branchName) {
        for (JsonNode b : neon.get("projects/" + project + "/branches?search=" + branchName).path("branches")) {
            if (branchName.equals(b.path("name").asText())) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    /** Until every operation the call started has finished; a failed one fails the start. */
    private static void awaitOperations(ServiceApi neon, String project, JsonNode answer, Spec spec, Progress progress) {
        for (JsonNode op : answer.path("operations")) {
            String id = op.path("id").asText();
            try {
                Wait.until(System.nanoTime() + 180_000_000_000L, "Neon's operation " + op.path("action").asText(id), () -> {
                    JsonNode now = neon.get("projects/" + project + "/operations/" + id).path("operation");
                    String status = now.path("status").asText();
                    switch (status) {
                        case "finished", "skipped" -> {
                            return true;
                        }
                        case "failed", "error", "cancelled", "cancelling" -> throw ScaleException.failure("Neon's operation "
                                + now.path("action").asText(id) + " for " + spec.name() + " ended " + status
                                + (now.path("error").asText("").isEmpty() ? "" : ": " + now.path("error").asText()), null);
                        default -> {
                            return null;
                        }
                    }
                });
            } catch (Wait.TimedOut e) {
                throw ScaleException.failure("Neon's operation " + id + " for " + spec.name() + " did not finish within 3 min", e.getCause());
            }
        }
    }

    private Endpoint endpoint(JsonNode entry) {
        String host = entry.path("host").asText();
        int port = 5432;
        int colon = host.lastIndexOf(':');
        if (colon > 0) { // a host the API gives with a port (a gateway, a local double) is taken as given
            port = Integer.parseInt(host.substring(colon + 1));
            host = host.substring(0, colon);
        }
        return new Endpoint(host, port, entry.path("role").asText(""), Secret.of(entry.path("password").asText("")), "scale")
                .withTls(Endpoint.Tls.from(env));
    }

    @Override
    public List<Instance> list() {
        List<Instance> out = new ArrayList<>();
        Kind postgres = kinds.byName("postgres");
        List<String> named = new ArrayList<>();
        for (String name : ledger.names()) {
            Optional<ObjectNode> l = ledger.read(name);
            if (l.isEmpty() || ledger.isStarting(name)) {
                continue;
            }
            JsonNode entry = l.get();
            named.add(name);
            if ("claimable".equals(entry.path("mode").asText())) {
                out.add(claimable.instance(entry, postgres));
                continue;
            }
            out.add(new Instance(name, postgres, entry.path("version").asText("?"), NAME, endpoint(entry),
                    Ledger.createdAt(entry), Ledger.expiresAt(entry), Ledger.orphaned(entry) ? Instance.State.ORPHANED : Instance.State.RUNNING));
        }
        if (key().isPresent()) {
            // the service's own listing: a scale branch with no ledger here was made elsewhere or lost its ledger
            try {
                ServiceApi neon = api();
                String project = findProject(neon);
                if (project != null) {
                    for (JsonNode b : neon.get("projects/" + project + "/branches?search=" + BRANCH_PREFIX).path("branches")) {
                        String branchName = b.path("name").asText();
                        String name = branchName.startsWith(BRANCH_PREFIX) ? branchName.substring(BRANCH_PREFIX.length()) : null;
                        if (name == null || named.contains(name) || ledger.isStarting(name)) {
                            continue;
                        }
                        Instant created = b.hasNonNull("created_at") ? Instant.parse(b.get("created_at").asText()) : clock.instant();
                        Instant expires = b.hasNonNull("expires_at") ? Instant.parse(b.get("expires_at").asText()) : created;
                        // a branch just made may be another scale process's start, between the API's answer and its ledger
                        boolean young = created.isAfter(clock.instant().minus(UNRECORDED_GRACE));
                        out.add(new Instance(name, postgres, "?", NAME, new Endpoint("?", 0, "", Secret.none(), "scale"), created, expires,
                                young ? Instance.State.RUNNING : Instance.State.ORPHANED));
                    }
                }
            } catch (ScaleException offline) {
                // ls shows what the ledger knows; doctor says whether Neon answers
            }
        }
        return out;
    }

    private static String findProject(ServiceApi neon) {
        for (JsonNode p : neon.get("projects?search=" + PROJECT + "&limit=400").path("projects")) {
            if (PROJECT.equals(p.path("name").asText())) {
                return p.path("id").asText();
            }
        }
        return null;
    }

    @Override
    public Ledger ledger() {
        return ledger;
    }

    @Override
    public boolean remove(String name) {
        Optional<ObjectNode> entry = ledger.read(name);
        if (entry.isPresent() && "claimable".equals(entry.get().path("mode").asText())) {
            return claimable.remove(entry.get(), kinds.byName("postgres"));
        }
        if (key().isEmpty()) {
            if (entry.isPresent()) {
                throw ScaleException.environment("cannot remove " + name + " from Neon without its API key", "set NEON_API_KEY", null);
            }
            return false;
        }
        ServiceApi neon = api();
        if (entry.isEmpty()) {
            try {
                String project = findProject(neon);
                Optional<JsonNode> branch = project == null ? Optional.empty() : branch(neon, project, BRANCH_PREFIX + name);
                return branch.isPresent() && neon.delete("projects/" + project + "/branches/" + branch.get().path("id").asText());
            } catch (ScaleException unreachable) {
                return false; // not made here, and the service cannot say: nothing to remove that scale knows of
            }
        }
        String project = entry.get().path("project").asText();
        Optional<String> branchId = Optional.of(entry.get().path("branch").asText()).filter(id -> !id.isEmpty())
                .or(() -> branch(neon, project, BRANCH_PREFIX + name).map(b -> b.path("id").asText()));
        branchId.ifPresent(id -> neon.delete("projects/" + project + "/branches/" + id));
        ledger.delete(name);
        return true;
    }
}
