package dev.scale.cli;

import dev.scale.cli.context.Context;

import dev.scale.errors.ScaleException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "cache", mixinStandardHelpOptions = true,
        description = {"Show or clear scale's cache: the embedded server binaries, unpacked on first use, and the server templates"
                + " (PostgreSQL initialised once, as a directory and as an image on the Docker engine), made on first use to start fast."},
        footer = {"", "Examples:", "  scale cache          where it is and its size", "  scale cache clear    remove it (it is rebuilt when needed)"})
final class CacheCommand implements Callable<Integer> {
    @ParentCommand
    ScaleCommand parent;

    @Parameters(arity = "0..1", paramLabel = "clear", description = "clear: remove the cache")
    String action;

    @Override
    public Integer call() throws IOException {
        Context ctx = parent.context();
        Path cache = ctx.dirs().cache();
        if (action == null) {
            ctx.out().println(cache + "  " + (Files.exists(cache) ? size(cache) / (1024 * 1024) + " MiB" : "(empty)"));
        } else if (action.equals("clear")) {
            if (Files.exists(cache)) {
                try (Stream<Path> walk = Files.walk(cache)) {
                    for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            ctx.out().println("removed " + cache);
            if (ctx.instances().docker().unavailableReason().isEmpty()) {
                int images = ctx.instances().docker().clearTemplates();
                ctx.out().println("removed " + images + " template image" + (images == 1 ? "" : "s") + " from the Docker engine");
            }
        } else {
            throw ScaleException.usage("unknown cache action '" + action + "'", "use: scale cache, or scale cache clear");
        }
        ctx.out().flush();
        return 0;
    }

    /** Bytes in the regular files under {@code dir}. */
    static long size(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
