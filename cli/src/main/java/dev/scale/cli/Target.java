package dev.scale.cli;

import dev.scale.cli.context.Context;
import dev.scale.cli.context.ProgressLines;

import dev.scale.providers.Endpoint;
import dev.scale.providers.Instance;
import dev.scale.providers.lifecycle.Instances;
import dev.scale.providers.Kind;
import dev.scale.providers.Kinds;
import dev.scale.errors.ScaleException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

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
                targets[t] = new Target(fromUrl(ctx.kinds(), on, ctx.clock().instant(), ctx.env()), false);
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
                kinds.add(ctx.kinds().parse(on));
                toStart.add(t);
            } catch (ScaleException notAKind) {
                throw ScaleException.usage("--on '" + on + "' is no running instance, kind or URL",
                        "give an instance name (scale ls), a kind (" + ctx.kinds().names() + ") or a URL such as " + ctx.kinds().all().get(0).urlExample());
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

    /** A server given by URL: its scheme says the kind, and the kind reads the rest ({@link Kind#endpointOf}). */
    /** @param env where {@code SCALE_CA_FILE} may name the authorities a TLS server's certificate is verified against */
    static Instance fromUrl(Kinds kinds, String url, Instant now, java.util.Map<String, String> env) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw ScaleException.usage("bad URL: " + e.getMessage().replace(url, "<url>"));
        }
        if (uri.getScheme() == null) {
            throw ScaleException.usage("the URL names no scheme", "write e.g. " + kinds.all().get(0).urlExample());
        }
        Kind kind = kinds.byScheme(uri.getScheme());
        if (uri.getHost() == null) {
            throw ScaleException.usage("the URL has no host", "write e.g. " + kind.urlExample());
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw ScaleException.usage("port " + uri.getPort() + " in the URL is out of range", "a TCP port is 1-65535");
        }
        Endpoint endpoint = kind.endpointOf(uri);
        if (endpoint.tls() != null) {
            endpoint = endpoint.withTls(Endpoint.Tls.from(env));
        }
        return new Instance(endpoint.host() + ":" + endpoint.port(), kind, "?", "url", endpoint, now, now.plus(Duration.ofDays(1)), Instance.State.RUNNING);
    }
}
