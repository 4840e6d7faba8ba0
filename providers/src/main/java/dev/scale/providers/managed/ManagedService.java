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

    /** What this machine keeps about the service's instances, and which starts are in progress here. */
    Ledger ledger();

    /** Whether this machine made {@code name} on the service (or is making it). */
    default boolean hasLedger(String name) {
        return ledger().has(name);
    }

    @Override
    default void handOver(String name) {
        ledger().handOver(name);
    }

    /**
     * Ctrl-C or a failed sibling while a start is in progress: what the service made for it so far goes now, found by
     * its ledger (written as soon as the service made something), as the start's own clean-up may not get to run.
     */
    @Override
    default void cancelStarts() {
        for (String name : ledger().startsInProgress()) {
            if (ledger().has(name)) {
                remove(name);
            }
        }
    }

    /**
     * For {@code scale doctor}: whether the credentials are set and the API answers them, in one line.
     * @throws dev.scale.errors.ScaleException with the reason it is not usable
     */
    String check();

    /** One thing to set for a service; {@code secret} ones are never shown and are read without echo by {@code scale login}. */
    record Credential(String variable, String prompt, boolean secret) {
    }
}
