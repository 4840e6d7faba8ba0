package dev.scale.providers.managed;

import dev.scale.providers.Provider;
import java.util.List;

/**
 * A managed service's free tier as a provider: chosen only by name ({@code --provider neon}), never by
 * {@code auto}, because it is remote and needs an account.
 */
public interface ManagedService extends Provider {

    /** The service's own name, for messages: "Neon", "Upstash". */
    String service();

    /** The kinds it runs, by kind name. */
    List<String> kinds();

    /** What the user sets (env vars, or {@code scale login NAME}) for scale to use it. */
    List<Credential> credentials();

    /** The env var that moves the service's API base URL (proxies, regional endpoints, test doubles). */
    String apiUrlVariable();

    /** Whether this machine made {@code name} on the service (or is making it). */
    boolean hasLedger(String name);

    /**
     * For {@code scale doctor}: whether the credentials are set and the API answers them, in one line.
     * @throws dev.scale.errors.ScaleException with the reason it is not usable
     */
    String check();

    /** One thing to set for a service; {@code secret} ones are never shown and are read without echo by {@code scale login}. */
    record Credential(String variable, String prompt, boolean secret) {
    }
}
