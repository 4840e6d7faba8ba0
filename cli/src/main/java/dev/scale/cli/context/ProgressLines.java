package dev.scale.cli.context;

/** Progress lines on stderr, each with the time since the command started. */
public final class ProgressLines implements dev.scale.providers.Progress {
    private final Context ctx;
    private final long start = System.nanoTime();

    public ProgressLines(Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public synchronized void step(String instanceName, String message) {
        double seconds = (System.nanoTime() - start) / 1e9;
        ctx.info(String.format("[%5.1fs] %s: %s", seconds, instanceName, message));
    }
}
