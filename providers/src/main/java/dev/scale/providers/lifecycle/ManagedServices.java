package dev.scale.providers.lifecycle;

import dev.scale.providers.Dirs;
import dev.scale.providers.Kinds;
import dev.scale.providers.managed.ManagedService;
import dev.scale.providers.managed.Reaper;
import dev.scale.providers.managed.capella.CapellaProvider;
import dev.scale.providers.managed.clever.CleverProvider;
import dev.scale.providers.managed.neon.NeonProvider;
import dev.scale.providers.managed.upstash.UpstashProvider;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * The managed services scale can run instances on: the one list that help, completion, doctor and login read. It
 * sits beside {@link Instances}, which knows every provider, rather than in {@code managed}, which each service's
 * package depends on (ArchitectureTest: no package cycles).
 */
public final class ManagedServices {
    private ManagedServices() {
    }

    /** Their {@code --provider} names, in the order help lists them. */
    public static final List<String> NAMES = List.of(NeonProvider.NAME, UpstashProvider.NAME, CapellaProvider.NAME, CleverProvider.NAME);

    /**
     * Who ends an instance of that service at its expiry with no scale command run: {@code service} (it honours
     * an expiry scale sets; gc is the backstop) or {@code reaper} (the service has no expiry: a detached scale
     * process removes it, and gc after a reboot).
     */
    public static String ttlEnforcedBy(String name) {
        return switch (name) {
            case NeonProvider.NAME -> "service";
            default -> "reaper";
        };
    }

    /** @param reaper ends instances of services that have no expiry of their own */
    public static List<ManagedService> all(Dirs dirs, Kinds kinds, Map<String, String> env, Clock clock, Reaper reaper) {
        return List.of(new NeonProvider(dirs, kinds, env, clock), new UpstashProvider(dirs, kinds, env, clock, reaper),
                new CapellaProvider(dirs, kinds, env, clock, reaper), new CleverProvider(dirs, kinds, env, clock, reaper));
    }
}
