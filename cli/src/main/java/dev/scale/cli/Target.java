package dev.scale.cli;

import dev.scale.providers.Endpoint;
import dev.scale.providers.Instance;
import dev.scale.providers.Instances;
import dev.scale.providers.Kind;
import dev.scale.providers.Kinds;
import dev.scale.providers.ScaleException;
import dev.scale.providers.Secret;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a probe runs against, from {@code --on}: a URL (any reachable server, e.g. a staging one), the
 * name of a running instance, or a kind (a disposable instance, removed afterwards).
 */
record Target(Instance instance, boolean disposable) {

    /** @param providerGiven whether --provider was given: it only applies to a disposable instance */
    static Target resolve(Context ctx, String on, String provider, ProgressLines progress, boolean providerGiven) {
        return resolveAll(ctx, List.of(on), provider, progress, providerGiven).get(0);
    }

    /**
     * Several targets, in order; the disposable ones start together (in parallel, all or nothing).
     * @param providerGiven whether --provider was given: it only applies to disposable instances
     */
    static List<Target> resolveAll(Context ctx, List<String> ons, String provider, ProgressLines progress, boolean providerGiven) {
        String notHere = "--provider chooses where a disposable instance starts; --on '%s' names %s";
        Instances instances = ctx.instances();
        List<Instance> running = ons.stream().anyMatch(on -> !on.contains("://")) ? instances.list() : List.of();
        Target[] targets = new Target[ons.size()];
        List<Integer> toStart = new ArrayList<>();
        List<Kinds.Requested> kinds = new ArrayList<>();
        for (int t = 0; t < ons.size(); t++) {
            String on = ons.get(t);
            if (on.contains("://")) {
                if (providerGiven) {
                    throw ScaleException.usage(String.format(notHere, "<url>", "a server that runs already"), "drop --provider");
                }
                targets[t] = new Target(fromUrl(on, ctx.clock().instant()), false);
                continue;
            }
            Instance named = running.stream().filter(i -> i.name().equals(on)).findFirst().orElse(null);
            if (named != null) {
                if (providerGiven) {
                    throw ScaleException.usage(String.format(notHere, on, "a running instance"), "drop --provider");
                }
                if (named.state() != Instance.State.RUNNING) {
                    throw ScaleException.failure("instance '" + on + "' is not running", "see scale ls, or remove it with scale down " + on, null);
                }
                targets[t] = new Target(named, false);
                continue;
            }
            try {
                kinds.add(Kinds.parse(on));
                toStart.add(t);
            } catch (ScaleException notAKind) {
                throw ScaleException.usage("--on '" + on + "' is no running instance, kind or URL",
                        "give an instance name (scale ls), a kind (" + Kinds.names() + ") or a URL such as redis://default:pw@host:6379/0");
            }
        }
        if (!kinds.isEmpty()) {
            var chosen = instances.choose(provider, ctx::info);
            List<Instance> started = instances.up(kinds, null, Duration.ofHours(1), null, chosen, progress);
            for (int k = 0; k < started.size(); k++) {
                targets[toStart.get(k)] = new Target(started.get(k), true);
            }
        }
        return List.of(targets);
    }

    static Instance fromUrl(String url, Instant now) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw ScaleException.usage("bad URL in --on: " + e.getMessage().replace(url, "<url>"));
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        Kind kind = switch (scheme) {
            case "redis" -> Kinds.byName("redis");
            case "postgres", "postgresql" -> Kinds.byName("postgres");
            case "couchbase" -> Kinds.byName("couchbase");
            default -> throw ScaleException.usage("unsupported URL scheme '" + scheme + "' in --on",
                    "use redis://, postgresql:// or couchbase://USER:PASSWORD@HOST:PORT/BUCKET");
        };
        if (uri.getHost() == null) {
            throw ScaleException.usage("the URL in --on has no host");
        }
        String user = null;
        String password = "";
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
            password = parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : "";
        }
        boolean redis = scheme.equals("redis");
        boolean couchbase = scheme.equals("couchbase");
        int port = uri.getPort() > 0 ? uri.getPort() : redis ? 6379 : couchbase ? 11210 : 5432;
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        if (couchbase && path.isEmpty()) {
            throw ScaleException.usage("the couchbase URL in --on names no bucket", "write couchbase://USER:PASSWORD@HOST:PORT/BUCKET");
        }
        String database = redis ? null : (path.isEmpty() ? "postgres" : path);
        String defaultUser = redis ? "default" : couchbase ? "Administrator" : "postgres";
        Endpoint endpoint = new Endpoint(uri.getHost(), port, user == null || user.isEmpty() ? defaultUser : user,
                Secret.of(password), database);
        return new Instance(uri.getHost() + ":" + port, kind, "?", "url", endpoint, now, now.plus(Duration.ofDays(1)), Instance.State.RUNNING);
    }
}
