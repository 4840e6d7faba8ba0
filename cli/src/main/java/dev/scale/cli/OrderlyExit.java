package dev.scale.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (or SIGTERM) while a probe writes into a store: instead of the JVM exiting mid-write, the hook
 * interrupts the command's thread and waits (up to a grace period) until the command says it is done,
 * so that its finally blocks remove the probe's keys and tables and any disposable store. Close it last
 * in the command, after that cleanup.
 */
final class OrderlyExit implements AutoCloseable {
    private final Thread hook;
    private final CountDownLatch done = new CountDownLatch(1);

    OrderlyExit(Context ctx, Duration grace) {
        Thread command = Thread.currentThread();
        hook = new Thread(() -> {
            ctx.info("stopping: removing what was written and started (Ctrl-C again to leave it)");
            command.interrupt();
            try {
                done.await(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "scale-orderly-exit");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Whether the command was interrupted (and the flag cleared, so that its cleanup can block on I/O and sleep). */
    static boolean clearInterrupt() {
        return Thread.interrupted();
    }

    @Override
    public void close() {
        done.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running and waits for the countDown above
        }
    }
}
