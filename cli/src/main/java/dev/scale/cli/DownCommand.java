package dev.scale.cli;

import dev.scale.cli.context.Context;

import dev.scale.cli.output.Format;
import dev.scale.cli.output.OutputOption;
import dev.scale.cli.output.Render;
import dev.scale.errors.ScaleException;
import dev.scale.providers.Names;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "down", mixinStandardHelpOptions = true, aliases = "rm",
        description = {"Remove instances and everything made for them.",
                "A name that is already gone is reported, not an error."},
        footer = {"", "Examples:", "  scale down redis", "  scale down --all"})
final class DownCommand implements Callable<Integer> {
    @ParentCommand
    ScaleCommand parent;

    @Parameters(arity = "0..*", paramLabel = "NAME", description = "Instance names.")
    List<String> names;

    @Option(names = "--all", description = "Remove every instance scale started.")
    boolean all;

    /** A reaper's own call at an instance's expiry: remove it only if it did expire (a namesake made since stays). */
    @Option(names = "--expired", hidden = true)
    boolean expiredOnly;

    @Mixin
    OutputOption.TableOrJson output;

    @Override
    public Integer call() {
        Context ctx = parent.context();
        Format format = output.format();
        if (all == (names != null && !names.isEmpty())) {
            throw ScaleException.usage("name the instances to remove, or use --all (not both)", "see 'scale down --help'");
        }
        if (!all) {
            names.forEach(Names::checkName); // a name that no instance could have is a mistake, not "already gone"
        }
        if (expiredOnly) {
            java.time.Instant now = ctx.clock().instant();
            java.util.Set<String> expired = new java.util.HashSet<>();
            ctx.instances().list().stream().filter(i -> i.expired(now)).forEach(i -> expired.add(i.name()));
            names = names.stream().filter(expired::contains).toList();
        }
        java.util.Optional<String> unseen = ctx.instances().dockerUnanswered();
        Map<String, Boolean> result = all ? ctx.instances().downAll() : ctx.instances().down(names);
        // With the engine silent, a name not found here may well run there: unknown, not "already gone".
        String unknown = unseen.isPresent() ? "not seen" : "not found";
        if (format == Format.JSON) {
            Map<String, String> json = new LinkedHashMap<>();
            result.forEach((n, removed) -> json.put(n, removed ? "removed" : unknown));
            ctx.out().println(Render.json(json));
        } else if (result.isEmpty() && unseen.isEmpty()) {
            ctx.info("nothing to remove");
        } else {
            result.forEach((n, removed) -> {
                if (removed || unseen.isEmpty()) {
                    ctx.out().println(removed ? "removed " + n : "no instance named " + n + " (already gone)");
                }
            });
        }
        ctx.out().flush();
        if (unseen.isPresent() && (all || result.containsValue(false))) {
            List<String> missed = result.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
            throw ScaleException.environment((missed.isEmpty() ? "instances on Docker were not removed" : String.join(", ", missed)
                    + (missed.size() == 1 ? " was" : " were") + " not found, and " + unseen.get()), null, null);
        }
        return 0;
    }
}
