package dev.scale.providers.managed.capella;

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
import dev.scale.providers.managed.Credentials;
import dev.scale.providers.managed.Ledger;
import dev.scale.providers.managed.ManagedService;
import dev.scale.providers.managed.Reaper;
import dev.scale.providers.managed.ServiceApi;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Couchbase on Capella's free tier (Management API v4, facts and sources in docs/research/capella.md). Each
 * instance is a free cluster named {@code scale-NAME} in the project the user names, with a bucket {@code scale},
 * a database credential {@code scale} that reads and writes that bucket only, and an allow-list entry for the
 * caller's address that expires with the instance. The contract is {@code couchbases://HOST}: Capella takes TLS only.
 *
 * <p>A ledger per instance ({@code state/managed/capella/NAME.json}, 0600) is written as soon as Capella gives the
 * cluster's id, and keeps what the API does not give back: the credential's password, who made it, the reaper.
 * Capella has no free-tier listing (and its general listing may leave free clusters out), so the ledger is how
 * ls and gc find an instance; a cluster named {@code scale-…} that the general listing does show without a ledger
 * here is listed as orphaned too. Capella has no expiry of its own: a {@link Reaper} removes each instance at its
 * time to live, and gc after a reboot.
 *
 * <p>What was run: the control plane against a double of the API (CapellaDouble, from the research's sources), the
 * data plane against CouchbaseMock, a stand-in for Couchbase Server's key/value path, behind a real TLS endpoint.
 * Capella itself, Couchbase Server over TLS, the exact refusals for a second free cluster and for a free-only
 * organization, and whether Capella's general listing shows free clusters were never seen from this machine.
 */
public final class CapellaProvider implements ManagedService {
    public static final String NAME = "capella";
    public static final String DEFAULT_API = "https://cloudapi.cloud.couchbase.com";
    private static final String PREFIX = "scale-";
    private static final String BUCKET = "scale";
    private static final ObjectMapper JSON = Ledger.JSON;
    /** Where the free cluster runs, and its own network (not the caller's): what Couchbase's Terraform examples use. */
    private static final String CLOUD = "aws";
    private static final String REGION = "us-east-2";
    private static final String CLUSTER_CIDR = "10.1.0.0/24";
    /** Couchbase's Terraform provider waits up to 60 min; a free cluster that takes half of that is not coming. */
    static final Duration DEPLOY = Duration.ofMinutes(30);
    static final Duration DESTROY = Duration.ofMinutes(10);
    /** Polls start quick and settle at 3 s, as Couchbase's Terraform provider polls: a key may make 100 requests a minute. */
    private static final long FIRST_POLL_MILLIS = 500;
    private static final long POLL_MILLIS = 3_000;
    /** How long a scale cluster with no ledger here is taken for another process's start in progress. */
    static final Duration UNRECORDED_GRACE = Duration.ofMinutes(2);
    /** Asked for this machine's public address when SCALE_CAPELLA_CIDR does not give it (plain text, IPv4). */
    static final String ADDRESS_SERVICE = "https://checkip.amazonaws.com";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9-]+");
    /** What scale writes in each cluster's description. */
    private static final Pattern DESCRIPTION = Pattern.compile("made by scale; removed at (\\S+)");
    private static final Pattern IPV4_CIDR = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(/(3[0-2]|[12]?\\d))?");
    /** Capella's password rules: at least 8 characters with an upper, a lower, a digit and a special one, none of {@code < > ; . * & | £}. */
    private static final String SPECIAL = "-_!~";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, String> env;
    private final Kinds kinds;
    private final Clock clock;
    private final Dirs dirs;
    private final Ledger ledger;
    private final Reaper reaper;
    /** Starts in progress in this process, by name: the cluster's id once Capella gave it, else "". */
    private final Map<String, String> starting = new ConcurrentHashMap<>();
    private ServiceApi api;

    /** Where scale's clusters live: the organization and project the user named. */
    private record Place(String org, String project) {
        String clusters() {
            return "v4/organizations/" + org + "/projects/" + project + "/clusters";
        }

        String freeTier(String id) {
            return clusters() + "/freeTier" + (id == null ? "" : "/" + id);
        }

        String cluster(String id) {
            return clusters() + "/" + id;
        }
    }

    public CapellaProvider(Dirs dirs, Kinds kinds, Map<String, String> env, Clock clock, Reaper reaper) {
        this.env = env;
        this.kinds = kinds;
        this.clock = clock;
        this.dirs = dirs;
        this.reaper = reaper;
        this.ledger = new Ledger(dirs, NAME);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String service() {
        return "Capella";
    }

    @Override
    public List<String> kinds() {
        return List.of("couchbase");
    }

    @Override
    public List<Credential> credentials() {
        return List.of(
                new Credential("CAPELLA_API_KEY", "Capella API key (cloud.couchbase.com, Organization settings, API keys; role Project Owner)", true),
                new Credential("CAPELLA_ORG_ID", "Capella organization id (Organization settings)", false),
                new Credential("CAPELLA_PROJECT_ID", "Capella project id (the project's settings)", false));
    }

    @Override
    public String apiUrlVariable() {
        return "SCALE_CAPELLA_API_URL";
    }

    private Optional<String> value(String variable) {
        return Credentials.value(env, variable);
    }

    @Override
    public Optional<String> unavailableReason() {
        List<String> missing = Credentials.missing(env, credentials());
        return missing.isEmpty() ? Optional.empty()
                : Optional.of("no Capella " + (missing.size() == 3 ? "credentials" : "settings") + ": set " + String.join(", ", missing)
                        + " (cloud.couchbase.com, Organization settings, API keys), or run scale login capella");
    }

    /** The organization and project from the environment, checked: they become parts of the API's paths. */
    private Place place() {
        String org = value("CAPELLA_ORG_ID").orElseThrow(() -> ScaleException.environment(unavailableReason().get(), null, null));
        String project = value("CAPELLA_PROJECT_ID").orElseThrow(() -> ScaleException.environment(unavailableReason().get(), null, null));
        for (String[] id : new String[][] {{"CAPELLA_ORG_ID", org}, {"CAPELLA_PROJECT_ID", project}}) {
            if (!ID.matcher(id[1]).matches()) {
                throw ScaleException.usage(id[0] + " is not a Capella id (letters, digits and dashes)", "copy it from cloud.couchbase.com");
            }
        }
        return new Place(org, project);
    }

    /** Where an instance was made, as its ledger says: a user who changed CAPELLA_PROJECT_ID since still removes it. */
    private Place place(JsonNode entry) {
        return entry.hasNonNull("org") && entry.hasNonNull("project") ? new Place(entry.get("org").asText(), entry.get("project").asText()) : place();
    }

    private synchronized ServiceApi api() {
        if (api == null) {
            String key = value("CAPELLA_API_KEY").orElseThrow(() -> ScaleException.environment(unavailableReason().get(), null, null));
            api = new ServiceApi("Capella", env.getOrDefault("SCALE_CAPELLA_API_URL", DEFAULT_API), "Bearer " + key, "CAPELLA_API_KEY",
                    "SCALE_CAPELLA_API_URL");
        }
        return api;
    }

    @Override
    public String check() {
        unavailableReason().ifPresent(why -> {
            throw ScaleException.environment(why, null, null);
        });
        try {
            api().get(place().clusters() + "?page=1&perPage=1");
        } catch (ServiceApi.Refused r) {
            throw explained(r);
        }
        return "CAPELLA_API_KEY, CAPELLA_ORG_ID and CAPELLA_PROJECT_ID set; the API at " + env.getOrDefault("SCALE_CAPELLA_API_URL", DEFAULT_API)
                + " answers" + (env.containsKey("SCALE_CAPELLA_API_URL") ? " (SCALE_CAPELLA_API_URL)" : "");
    }

    /**
     * A refusal Capella's docs explain: the management API "is not available for free tier operational clusters.
     * Upgrade your account" (docs/research/capella.md, no sample body found), which a 403 or those words give.
     */
    private static ScaleException explained(ServiceApi.Refused r) {
        if (r.status == 403 || r.detail.toLowerCase(java.util.Locale.ROOT).contains("upgrade")) {
            return ScaleException.environment("Capella refused its management API to this key (HTTP " + r.status
                    + (r.detail.isBlank() ? "" : ": " + r.detail) + "); Capella says the API is not open to organizations on the free plan alone",
                    "upgrade the organization to a paid plan at cloud.couchbase.com (it keeps one free cluster), or give the key the Project Owner role", r);
        }
        return r;
    }

    @Override
    public Instance start(Spec spec, Progress progress) {
        Kind kind = spec.kind();
        if (!kind.name().equals("couchbase")) {
            throw ScaleException.usage("capella runs Couchbase only, not " + kind.name(), "ask for couchbase, or use another --provider");
        }
        if (spec.version() != null) {
            throw ScaleException.usage("Capella's free tier runs the Couchbase Server version it chooses, so couchbase:" + spec.version()
                    + " cannot be asked for", "ask for couchbase without a version");
        }
        if (spec.image() != null) {
            throw ScaleException.usage("--image applies to the docker provider only", "drop --image");
        }
        ServiceApi capella = api();
        Place place = place();
        if (hasLedger(spec.name())) {
            throw new NameTaken(spec.name());
        }
        // before anything is made: without the caller's address in the allow list, nobody could connect
        String allowed = callerCidr();
        String clusterName = PREFIX + spec.name();
        Instant created = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant expires = created.plus(spec.ttl());
        starting.put(spec.name(), "");
        String clusterId = null;
        ObjectNode entry = null;
        try {
            progress.step(spec.name(), "creating free cluster " + clusterName + " on Capella (" + CLOUD + " " + REGION + "; this takes minutes)");
            // the expiry in the description too: where Capella's listing shows the cluster, another machine's ls reads it there
            ObjectNode body = JSON.createObjectNode().put("name", clusterName).put("description", "made by scale; removed at " + expires);
            body.putObject("cloudProvider").put("type", CLOUD).put("region", REGION).put("cidr", CLUSTER_CIDR);
            JsonNode made;
            try {
                made = capella.post(place.freeTier(null), body);
            } catch (ServiceApi.Refused r) {
                throw refusedCluster(r, capella, place, spec.name());
            }
            clusterId = made.path("id").asText();
            if (clusterId.isEmpty()) {
                throw ScaleException.failure("Capella made no cluster id for " + clusterName, null);
            }
            starting.put(spec.name(), clusterId);
            entry = Ledger.entry(spec.name(), created, expires).put("org", place.org()).put("project", place.project()).put("cluster", clusterId);
            ledger.write(spec.name(), entry);

            JsonNode cluster = awaitHealthy(capella, place, clusterId, spec.name(), progress);
            String version = cluster.path("couchbaseServer").path("version").asText("");
            entry.put("host", host(cluster.path("connectionString").asText(""), clusterName)).put("version", version.isEmpty() ? "?" : version);
            ledger.write(spec.name(), entry);

            progress.step(spec.name(), "creating bucket " + BUCKET);
            JsonNode bucket = capella.post(place.cluster(clusterId) + "/buckets/freeTier", JSON.createObjectNode().put("name", BUCKET));
            entry.put("bucket", bucket.path("id").asText());

            String user = kind.defaultUsername();
            progress.step(spec.name(), "creating database credential " + user + " (data_reader, data_writer on bucket " + BUCKET + ")");
            Secret password = databasePassword();
            ObjectNode credential = JSON.createObjectNode().put("name", user).put("password", password.reveal());
            ObjectNode access = credential.putArray("access").addObject();
            access.putArray("privileges").add("data_reader").add("data_writer");
            access.putObject("resources").putArray("buckets").addObject().put("name", BUCKET);
            JsonNode userMade = capella.post(place.cluster(clusterId) + "/users", credential);
            entry.put("user", userMade.path("id").asText()).put("username", user)
                    .put("password", userMade.path("password").asText("").isEmpty() ? password.reveal() : userMade.path("password").asText());
            ledger.write(spec.name(), entry);

            progress.step(spec.name(), "allowing " + allowed + " to connect until " + expires);
            JsonNode cidr = capella.post(place.cluster(clusterId) + "/allowedcidrs", JSON.createObjectNode().put("cidr", allowed)
                    .put("comment", "scale instance " + spec.name()).put("expiresAt", expires.toString()));
            entry.put("allowedCidr", cidr.path("id").asText()).put("cidr", allowed);
            ledger.write(spec.name(), entry);

            Endpoint endpoint = endpoint(entry);
            progress.step(spec.name(), "waiting for Couchbase on " + endpoint.host() + " (TLS)");
            try {
                // the allow list takes a moment to apply: until then the data plane does not answer
                Wait.until(System.nanoTime() + kind.startTimeout().toNanos(), "Capella's cluster " + clusterName, () -> kind.probe(endpoint));
            } catch (Wait.TimedOut e) {
                throw ScaleException.failure("Capella's cluster " + clusterName + " did not answer over TLS within " + kind.startTimeout().toSeconds()
                        + "s (" + e.lastReason() + ")", "check that " + allowed + " is this machine's public address (SCALE_CAPELLA_CIDR); "
                        + "nothing was left half made", e.getCause());
            }
            Optional<String> reaping = reaper.start(spec.name(), expires, env, ledger.reaperLog(spec.name()));
            if (reaping.isPresent()) {
                entry.put("reaper", reaping.get());
            } else {
                // nothing would end the cluster at its TTL: the user must know, even where progress is not shown
                progress.notice(spec.name(), "no reaper could be started: the cluster stays after its time to live until scale gc or scale down removes it");
            }
            ledger.write(spec.name(), entry);
            progress.step(spec.name(), "ready (couchbase " + entry.path("version").asText() + " on Capella's free tier)");
            return new Instance(spec.name(), kind, entry.path("version").asText(), NAME, endpoint, created, expires, Instance.State.RUNNING);
        } catch (RuntimeException e) {
            // nothing half made: deleting the cluster deletes its bucket, credential and allow list. An interrupt
            // (Ctrl-C) must not stop the clean-up's own calls, so its flag is set aside while they run.
            boolean interrupted = Thread.interrupted();
            try {
                if (clusterId != null && !clusterId.isEmpty()) {
                    progress.step(spec.name(), "deleting cluster " + clusterName + ", so that nothing is left half made");
                    deleteCluster(capella, place, clusterId, clusterName);
                }
                if (entry != null) {
                    Reaper.stop(entry);
                }
                ledger.delete(spec.name());
            } catch (RuntimeException cleanup) {
                // the ledger stays: ls shows the cluster, and gc deletes it
                e.addSuppressed(cleanup);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            throw e;
        } finally {
            starting.remove(spec.name());
        }
    }

    /** Polls the cluster until it is healthy, saying each new phase; a failed state, or destroying, ends the start. */
    private static JsonNode awaitHealthy(ServiceApi capella, Place place, String id, String name, Progress progress) {
        long deadline = System.nanoTime() + DEPLOY.toNanos();
        long pause = FIRST_POLL_MILLIS;
        String last = null;
        while (true) {
            JsonNode cluster = capella.get(place.freeTier(id));
            String state = cluster.path("currentState").asText("?");
            if (!state.equals(last)) {
                progress.step(name, "cluster " + state + (state.equals("healthy") ? "" : "…"));
                last = state;
            }
            if (state.equals("healthy")) {
                return cluster;
            }
            // Couchbase's Terraform provider takes healthy, degraded and *Failed as final, and all but healthy as failure
            if (state.endsWith("Failed") || state.equals("degraded") || state.startsWith("destroy") || state.startsWith("turn")) {
                throw ScaleException.failure("Capella's cluster " + PREFIX + name + " became " + state + " instead of healthy",
                        "try again later; nothing was left half made", null);
            }
            if (System.nanoTime() > deadline) {
                throw ScaleException.failure("Capella's cluster " + PREFIX + name + " was still " + state + " after " + DEPLOY.toMinutes() + " min",
                        "try again later; nothing was left half made", null);
            }
            Wait.sleep(pause * 1_000_000L);
            pause = Math.min(POLL_MILLIS, pause * 2);
        }
    }

    /**
     * Deletes the cluster (with its buckets, credentials and allow list) and returns once Capella no longer knows it,
     * as Couchbase's Terraform provider does: DELETE, then GET until 404.
     * @throws ScaleException when it could not be deleted, or is still being deleted after {@link #DESTROY}
     */
    private static void deleteCluster(ServiceApi capella, Place place, String id, String clusterName) {
        capella.delete(place.freeTier(id));
        long deadline = System.nanoTime() + DESTROY.toNanos();
        long pause = FIRST_POLL_MILLIS;
        while (true) {
            String state;
            try {
                state = capella.get(place.freeTier(id)).path("currentState").asText("?");
            } catch (ServiceApi.Refused r) {
                if (r.status == 404) {
                    return;
                }
                throw r;
            }
            if (state.equals("destroyFailed")) {
                throw ScaleException.failure("Capella could not delete cluster " + clusterName + " (destroyFailed)",
                        "delete it at cloud.couchbase.com; scale gc tries again", null);
            }
            if (System.nanoTime() > deadline) {
                throw ScaleException.failure("Capella was still deleting cluster " + clusterName + " (" + state + ") after " + DESTROY.toMinutes() + " min",
                        "scale gc finishes it", null);
            }
            Wait.sleep(pause * 1_000_000L);
            pause = Math.min(POLL_MILLIS, pause * 2);
        }
    }

    /**
     * The create refused: one free cluster per organization (the exact refusal is not documented; docs/research/capella.md
     * expects a 422), a free-only organization, or another refusal as Capella words it.
     */
    private RuntimeException refusedCluster(ServiceApi.Refused r, ServiceApi capella, Place place, String name) {
        if (r.status == 403 || r.detail.toLowerCase(java.util.Locale.ROOT).contains("upgrade")) {
            return explained(r);
        }
        Optional<String> holder = ledger.names().stream().filter(n -> !n.equals(name))
                .filter(n -> ledger.read(n).map(e -> place.org().equals(e.path("org").asText())).orElse(false)).findFirst();
        boolean saysOne = Pattern.compile("(?i)free.?tier|already|exist|limit|only one|maximum").matcher(r.detail).find();
        if (!(r.status == 400 || r.status == 409 || r.status == 422) || !(saysOne || holder.isPresent())) {
            return r;
        }
        String said = " (HTTP " + r.status + (r.detail.isBlank() ? "" : ": " + r.detail) + ")";
        if (holder.isPresent()) {
            return ScaleException.failure("Capella allows one free cluster per organization, and scale instance " + holder.get() + " holds it" + said,
                    "remove it first: scale down " + holder.get(), r);
        }
        String other = null;
        try {
            other = freeClusters(capella, place).stream().map(c -> c.path("name").asText()).findFirst().orElse(null);
        } catch (ScaleException unanswered) {
            // the refusal says enough
        }
        String who = other == null ? "it has one that scale did not make here"
                : other.startsWith(PREFIX) ? "scale instance " + other.substring(PREFIX.length()) + ", made on another machine, holds it"
                : "cluster " + other + ", which scale did not make, holds it";
        return ScaleException.failure("Capella allows one free cluster per organization, and " + who + said,
                other != null && other.startsWith(PREFIX) ? "remove it first: scale down " + other.substring(PREFIX.length())
                        : "delete it at cloud.couchbase.com, or use another organization (CAPELLA_ORG_ID)", r);
    }

    /**
     * This machine's public address for the allow list: SCALE_CAPELLA_CIDR when set (an IPv4 address or CIDR), else
     * what {@link #ADDRESS_SERVICE} sees, as Capella's own console offers "add current IP address".
     */
    private String callerCidr() {
        Optional<String> given = value("SCALE_CAPELLA_CIDR");
        if (given.isPresent()) {
            if (!IPV4_CIDR.matcher(given.get()).matches()) {
                throw ScaleException.usage("SCALE_CAPELLA_CIDR is not an IPv4 address or CIDR: " + given.get(), "write e.g. 203.0.113.7 or 203.0.113.0/24");
            }
            return given.get().contains("/") ? given.get() : given.get() + "/32";
        }
        // SCALE_CAPELLA_ADDRESS_URL: a service of your own that answers the address as plain text (and tests' loopback)
        String service = value("SCALE_CAPELLA_ADDRESS_URL").orElse(ADDRESS_SERVICE);
        String why;
        try {
            HttpResponse<String> answer = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(
                    HttpRequest.newBuilder(URI.create(service)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            String address = answer.body() == null ? "" : answer.body().strip();
            if (answer.statusCode() == 200 && IPV4_CIDR.matcher(address).matches() && !address.contains("/")) {
                return address + "/32";
            }
            why = "it answered HTTP " + answer.statusCode();
        } catch (IOException e) {
            why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ScaleException.failure("interrupted while asking " + service + " for this machine's address", e);
        } catch (IllegalArgumentException e) {
            why = e.getMessage();
        }
        throw ScaleException.environment("cannot learn this machine's public address, which Capella's allow list needs, from " + service
                + " (" + why + ")", "set SCALE_CAPELLA_CIDR to it, e.g. 203.0.113.7 or 203.0.113.0/24", null);
    }

    /** A password Capella takes ({@link #SPECIAL}), 24 characters, a letter first so that no tool reads it as an option. */
    static Secret databasePassword() {
        String letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        List<Character> rest = new ArrayList<>();
        rest.add((char) ('A' + RANDOM.nextInt(26)));
        rest.add((char) ('a' + RANDOM.nextInt(26)));
        rest.add((char) ('0' + RANDOM.nextInt(10)));
        rest.add(SPECIAL.charAt(RANDOM.nextInt(SPECIAL.length())));
        String random = Secret.random().reveal();
        for (int i = 0; rest.size() < 23; i++) {
            rest.add(random.charAt(i));
        }
        Collections.shuffle(rest, RANDOM);
        StringBuilder out = new StringBuilder().append(letters.charAt(RANDOM.nextInt(letters.length())));
        rest.forEach(out::append);
        return Secret.of(out.toString());
    }

    /** The first host of a connection string ({@code couchbases://cb.xxxx.cloud.couchbase.com}), with a port if it names one. */
    private static String host(String connectionString, String clusterName) {
        String rest = connectionString.replaceFirst("^[a-z]+://", "");
        String host = rest.split("[,/?]", 2)[0];
        if (host.isEmpty()) {
            throw ScaleException.failure("Capella gave no connection string for " + clusterName, null);
        }
        return host;
    }

    private Endpoint endpoint(JsonNode entry) {
        String host = entry.path("host").asText("?");
        int port = 11207; // key/value over TLS, which couchbases:// reaches when it names no port
        int colon = host.lastIndexOf(':');
        if (colon > 0) { // a host given with a port (a gateway, a local double) is taken as given
            port = Integer.parseInt(host.substring(colon + 1));
            host = host.substring(0, colon);
        }
        return new Endpoint(host, port, entry.path("username").asText(""), Secret.of(entry.path("password").asText("")), BUCKET)
                .withTls(Endpoint.Tls.from(env));
    }

    /**
     * The ledger's instances, each with the state Capella gives its cluster (gone, or turned off after 72 h idle:
     * dead, for gc), then the scale clusters Capella's general listing shows with no ledger here.
     */
    @Override
    public List<Instance> list() {
        List<Instance> out = new ArrayList<>();
        Kind couchbase = kinds.byName("couchbase");
        Set<String> named = new HashSet<>();
        ServiceApi capella = null;
        Place here = null;
        if (unavailableReason().isEmpty()) {
            try {
                here = place();
                capella = api();
            } catch (ScaleException unusable) {
                // ls shows what the ledger knows; doctor and up say what is wrong with the settings
            }
        }
        for (String name : ledger.names()) {
            Optional<ObjectNode> read = ledger.read(name);
            if (read.isEmpty() || starting.containsKey(name)) {
                continue;
            }
            ObjectNode entry = read.get();
            named.add(name);
            Instance.State state = Ledger.orphaned(entry) ? Instance.State.ORPHANED : Instance.State.RUNNING;
            String id = entry.path("cluster").asText("");
            if (capella != null && !id.isEmpty()) {
                try {
                    String now = capella.get(place(entry).freeTier(id)).path("currentState").asText("");
                    if (now.startsWith("destroy") || now.startsWith("turn")) {
                        state = Instance.State.DEAD;
                    }
                } catch (ServiceApi.Refused r) {
                    if (r.status == 404) {
                        state = Instance.State.DEAD; // deleted on Capella (by hand, or after 30 days idle): gc forgets it
                    }
                } catch (ScaleException offline) {
                    // ls shows what the ledger knows; doctor says whether Capella answers
                }
            }
            out.add(new Instance(name, couchbase, entry.path("version").asText("?"), NAME, endpoint(entry),
                    Ledger.createdAt(entry), Ledger.expiresAt(entry), state));
        }
        if (capella != null) {
            try {
                for (JsonNode c : freeClusters(capella, here)) {
                    String clusterName = c.path("name").asText();
                    String name = clusterName.startsWith(PREFIX) ? clusterName.substring(PREFIX.length()) : null;
                    if (name == null || named.contains(name) || starting.containsKey(name)) {
                        continue;
                    }
                    String at = c.path("audit").path("createdAt").asText("");
                    Instant created = at.isEmpty() ? clock.instant() : Instant.parse(at);
                    // a cluster just made may be another scale process's start, between Capella's answer and its ledger
                    boolean young = created.isAfter(clock.instant().minus(UNRECORDED_GRACE));
                    out.add(new Instance(name, couchbase, c.path("couchbaseServer").path("version").asText("?"), NAME,
                            new Endpoint("?", 0, "", Secret.none(), BUCKET), created, expiry(c, created),
                            young ? Instance.State.RUNNING : Instance.State.ORPHANED));
                }
            } catch (ScaleException unanswered) {
                // the ledger's view stands
            }
        }
        return out;
    }

    /**
     * When a cluster with no ledger here expires: as its description says ({@link #DESCRIPTION}, Capella keeping no
     * expiry of its own), else at the end of the grace given to another process's start, so that gc takes it only then.
     */
    private static Instant expiry(JsonNode cluster, Instant created) {
        Matcher said = DESCRIPTION.matcher(cluster.path("description").asText(""));
        if (said.matches()) {
            try {
                return Instant.parse(said.group(1));
            } catch (java.time.format.DateTimeParseException e) {
                // not scale's words after all
            }
        }
        return created.plus(UNRECORDED_GRACE);
    }

    /**
     * The free clusters of the project that Capella's general listing shows (there is no free-tier listing; Couchbase's
     * Terraform provider filters this one by plan, though its own tests say free clusters are not in it), up to 10 pages.
     */
    private static List<JsonNode> freeClusters(ServiceApi capella, Place place) {
        List<JsonNode> out = new ArrayList<>();
        for (int page = 1; page <= 10; page++) {
            JsonNode answer = capella.get(place.clusters() + "?page=" + page + "&perPage=100");
            for (JsonNode c : answer.path("data")) {
                if ("free".equals(c.path("support").path("plan").asText())) {
                    out.add(c);
                }
            }
            if (answer.path("cursor").path("pages").path("next").asInt(0) <= page) {
                break;
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
                throw ScaleException.environment("cannot remove " + name + " from Capella without its credentials",
                        "set CAPELLA_API_KEY, CAPELLA_ORG_ID and CAPELLA_PROJECT_ID, or run scale login capella", null);
            }
            return false;
        }
        ServiceApi capella = api();
        if (entry.isEmpty()) {
            Place place;
            Optional<JsonNode> listed;
            try {
                place = place();
                listed = freeClusters(capella, place).stream().filter(c -> (PREFIX + name).equals(c.path("name").asText())).findFirst();
            } catch (ScaleException unanswered) {
                return false; // not made here, and the service cannot say: nothing to remove that scale knows of
            }
            if (listed.isPresent()) {
                deleteCluster(capella, place, listed.get().path("id").asText(), PREFIX + name);
            }
            return listed.isPresent();
        }
        String id = entry.get().path("cluster").asText("");
        try {
            if (!id.isEmpty()) {
                deleteCluster(capella, place(entry.get()), id, PREFIX + name);
            }
        } catch (ServiceApi.Refused r) {
            throw explained(r);
        }
        // after the cluster is gone: a reaper stopped before a failed delete would leave it to gc alone
        Reaper.stop(entry.get());
        ledger.delete(name);
        return true;
    }

    /** Ctrl-C, or a sibling's failure: the clusters of starts in progress go now, their own catch finding them gone. */
    @Override
    public void cancelStarts() {
        RuntimeException first = null;
        for (Map.Entry<String, String> s : Map.copyOf(starting).entrySet()) {
            try {
                if (!s.getValue().isEmpty()) {
                    Optional<ObjectNode> entry = ledger.read(s.getKey());
                    deleteCluster(api(), entry.isPresent() ? place(entry.get()) : place(), s.getValue(), PREFIX + s.getKey());
                }
                ledger.delete(s.getKey());
            } catch (RuntimeException e) {
                first = first == null ? e : first; // its ledger stays, for gc
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
