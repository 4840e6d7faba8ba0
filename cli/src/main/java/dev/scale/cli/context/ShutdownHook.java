package dev.scale.cli.context;

/**
 * The one way a command makes sure its cleanup runs if the JVM is ended under it (Ctrl-C, SIGTERM, a closed
 * terminal): register the cleanup for the duration of a try-with-resources block. Leaving the block
 * unregisters it, unless the JVM is already shutting down, in which case the hook is running and does it.
 */
public final class ShutdownHook implements AutoCloseable {
    private final Thread thread;

    private ShutdownHook(Thread thread) {
        this.thread = thread;
    }

    public static ShutdownHook register(String name, Runnable cleanup) {
        Thread t = new Thread(cleanup, name);
        Runtime.getRuntime().addShutdownHook(t);
        return new ShutdownHook(t);
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(thread);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: it cleans up
        }
    }
}
