package dev.scale.probes;

import java.util.function.Consumer;

/**
 * Restarts the server behind a store, for a probe's restart phase, where scale started that server.
 *
 * @param <S> the store the probe measures (its queue adapter, its object adapter)
 */
@FunctionalInterface
public interface Restarter<S> {
    /**
     * Restarts the server (a clean stop, then a start on its own data) and returns a store connected to it as it now
     * is: its address may have changed, so the store used before must not be used again. The caller closes it.
     * @throws dev.scale.errors.ScaleException when this server cannot be restarted by scale, saying why
     */
    S restart(Consumer<String> progress) throws Exception;
}
