package dev.scale.cli.context;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (or SIGTERM) while a probe writes into a store: instead of the JVM exiting mid-write, the hook
 * interrupts the command's thread and waits (up to a grace period) until the command says it is done,
 * so that its finally blocks remove the probe's keys and tables and any disposable store. The command
 * calls {@link #cleaningUp} when its cleanup starts and closes this last, after that cleanup.
 */
public final class OrderlyExit implements AutoCloseable {
    private final ShutdownHook hook;
    private final CountDownLatch done = new CountDownLatch(1);
    private final Object lock = new Object();
    private boolean cleaning;

    public OrderlyExit(Context ctx, Duration grace) {
        Thread command = Thread.currentThread();
        hook = ShutdownHook.register("scale-orderly-exit", () -> {
            // A second Ctrl-C cannot cut this short (the JVM is already shutting down): say how long it may take.
            ctx.info("stopping: removing what was written and started (at most " + grace.toSeconds() + " s)");
            long deadline = System.nanoTime() + grace.toNanos();
            try {
                // Interrupt again until the cleanup starts: a library may swallow one (HdrHistogram's phaser does).
                while (System.nanoTime() < deadline) {
                    synchronized (lock) {
                        if (!cleaning) {
                            command.interrupt();
                        }
                    }
                    if (done.await(100, TimeUnit.MILLISECONDS)) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** The command's cleanup starts: no more interrupts, and the flag is cleared, so that the cleanup can block on I/O and sleep. */
    public void cleaningUp() {
        synchronized (lock) {
            cleaning = true;
            Thread.interrupted();
        }
    }

    @Override
    public void close() {
        done.countDown();
        hook.close(); // when the hook is running, it waits for the countDown above
    }
}
