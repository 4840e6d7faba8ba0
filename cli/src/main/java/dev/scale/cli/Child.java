package dev.scale.cli;

import dev.scale.errors.ExitCode;
import dev.scale.errors.ScaleException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;

/**
 * The command `scale run` runs: same stdin, stdout and stderr, scale's environment plus the connection
 * variables. While it runs, SIGINT, SIGTERM and SIGHUP sent to scale are forwarded to it rather than
 * ending scale, so that scale outlives it and can tear down; the third signal kills it.
 */
final class Child {
    private static final List<String> FORWARDED = List.of("INT", "TERM", "HUP");

    private Child() {
    }

    /**
     * The environment with the caller's locale back: ./scale runs the JVM with a UTF-8 LC_CTYPE, so that
     * non-ASCII arguments keep their characters, and keeps what the caller had in {@code SCALE_CALLER_*}.
     */
    static Map<String, String> callersLocale(Map<String, String> env) {
        Map<String, String> out = new java.util.HashMap<>(env);
        for (String variable : List.of("LC_ALL", "LC_CTYPE")) {
            String was = out.remove("SCALE_CALLER_" + variable);
            if (was != null) {
                if (was.equals("<unset>")) {
                    out.remove(variable);
                } else {
                    out.put(variable, was);
                }
            }
        }
        return out;
    }

    /** Runs the command and returns its exit code: 128+N when a signal N ended it. */
    static int run(List<String> command, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
        pb.environment().clear();
        pb.environment().putAll(callersLocale(env));
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            // As env(1) and shells do: 127 when the command is not found, 126 when it cannot be run.
            boolean notFound = e.getMessage() != null && e.getMessage().contains("error=2,");
            throw new ScaleException(notFound ? ExitCode.NOT_FOUND : ExitCode.CANNOT_EXECUTE,
                    "cannot run " + command.get(0) + ": " + (notFound ? "command not found" : e.getMessage()),
                    "check the command after --", e);
        }
        AtomicInteger received = new AtomicInteger();
        List<sun.misc.SignalHandler> previous = new java.util.ArrayList<>();
        for (String name : FORWARDED) {
            Signal signal = new Signal(name);
            previous.add(Signal.handle(signal, s -> forward(process, s, received.incrementAndGet())));
        }
        try {
            while (true) {
                try {
                    return process.waitFor();
                } catch (InterruptedException e) {
                    // keep waiting: the child decides when it is done
                }
            }
        } finally {
            for (int i = 0; i < FORWARDED.size(); i++) {
                Signal.handle(new Signal(FORWARDED.get(i)), previous.get(i));
            }
        }
    }

    private static void forward(Process process, Signal signal, int count) {
        if (count >= 3) {
            process.destroyForcibly();
            return;
        }
        try {
            new ProcessBuilder("kill", "-" + signal.getName(), Long.toString(process.pid())).start().waitFor();
        } catch (IOException | InterruptedException e) {
            process.destroy();
        }
    }
}
