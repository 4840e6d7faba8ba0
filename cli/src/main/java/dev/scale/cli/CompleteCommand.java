package dev.scale.cli;

import dev.scale.cli.context.Context;

import dev.scale.providers.Instance;
import dev.scale.providers.Kinds;
import dev.scale.errors.ScaleException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The completion scripts' back end, {@code scale __complete WORD...}: given the words typed after
 * {@code scale} (the last one being completed, possibly empty), prints the candidates, one a line.
 * It reads picocli's model, so new commands and options complete without touching the scripts. Main
 * hands it the raw words, before picocli, so that a half-typed {@code --prov} is a word, not an option.
 */
final class CompleteCommand implements Callable<Integer> {
    static final String NAME = "__complete";
    private final Context ctx;
    private final List<String> words;

    CompleteCommand(Context ctx, List<String> words) {
        this.ctx = ctx;
        this.words = words;
    }

    @Override
    public Integer call() {
        List<String> typed = words.isEmpty() ? List.of("") : words;
        String current = typed.get(typed.size() - 1);
        // the command being completed in full, the others by name: a TAB answers as fast as scale starts
        CommandLine command = Main.commandLine(ctx, Main.commandNamed(typed.subList(0, typed.size() - 1)));
        int positionals = 0;
        String previous = null;
        for (String w : typed.subList(0, typed.size() - 1)) {
            CommandLine sub = command.getSubcommands().get(w);
            if (sub != null && positionals == 0) {
                command = sub;
                previous = null;
                continue;
            }
            OptionSpec o = previous == null ? null : command.getCommandSpec().findOption(previous);
            if (!w.startsWith("-") && (o == null || o.arity().max() == 0)) {
                positionals++;
            }
            previous = w;
        }
        Set<String> out = new LinkedHashSet<>();
        CommandSpec spec = command.getCommandSpec();
        OptionSpec pending = previous == null ? null : spec.findOption(previous);
        if (pending != null && pending.arity().max() > 0) {
            out.addAll(optionValues(pending));
            int comma = current.lastIndexOf(',');
            if (comma >= 0 && !pending.splitRegex().isEmpty()) {
                // --on redis,po<TAB>: complete the last item of the list, keeping the ones before it
                String head = current.substring(0, comma + 1);
                List<String> before = List.of(head.split(","));
                List<String> items = out.stream().filter(c -> !before.contains(c)).map(c -> head + c).toList();
                out.clear();
                out.addAll(items);
            }
        } else if (current.startsWith("-")) {
            for (OptionSpec o : spec.options()) {
                if (!o.hidden()) {
                    out.addAll(List.of(o.names()));
                }
            }
        } else if (!spec.subcommands().isEmpty() && positionals == 0) {
            spec.subcommands().forEach((name, sub) -> {
                if (!sub.getCommandSpec().usageMessage().hidden() && name.equals(sub.getCommandSpec().name())) {
                    out.add(name);
                }
            });
        } else {
            out.addAll(positionalValues(ctx, spec.name()));
            out.removeAll(typed.subList(0, typed.size() - 1)); // a name already given is not offered again
        }
        out.stream().filter(c -> c.startsWith(current)).sorted().forEach(ctx.out()::println);
        ctx.out().flush();
        return 0;
    }

    private List<String> optionValues(OptionSpec option) {
        return switch (option.longestName()) {
            case "--on", "--require", "--with" -> targets();
            case "--provider" -> dev.scale.providers.lifecycle.Instances.providerNames();
            case "--ttl" -> List.of("10m", "30m", "1h", "2h", "8h", "1d");
            default -> completionCandidates(option); // --output: the formats this command has
        };
    }

    private static List<String> completionCandidates(OptionSpec option) {
        List<String> out = new java.util.ArrayList<>();
        if (option.completionCandidates() != null) {
            option.completionCandidates().forEach(out::add);
        }
        return out;
    }

    /** Kinds and running instances: what --on accepts (a comma list completes its last item). */
    private List<String> targets() {
        List<String> out = new java.util.ArrayList<>(ctx.kinds().all().stream().map(k -> k.name()).toList());
        try {
            ctx.instances().list().forEach(i -> out.add(i.name()));
        } catch (ScaleException e) {
            // no instances to offer
        }
        return out;
    }

    private static List<String> positionalValues(Context ctx, String command) {
        switch (command) {
            case "up", "try" -> {
                return ctx.kinds().all().stream().map(k -> k.name()).toList();
            }
            case "down", "rm", "env", "shell", "restart" -> {
                try {
                    return ctx.instances().list().stream().map(Instance::name).toList();
                } catch (ScaleException e) {
                    return List.of();
                }
            }
            case "completion" -> {
                return List.of("bash", "zsh", "fish");
            }
            case "fit" -> {
                return dev.scale.probes.fit.Scenario.BUILT_IN;
            }
            case "cache" -> {
                return List.of("clear");
            }
            default -> {
                return List.of();
            }
        }
    }
}
