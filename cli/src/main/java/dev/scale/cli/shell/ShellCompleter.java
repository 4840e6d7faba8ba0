package dev.scale.cli.shell;

import dev.scale.cli.context.Context;
import dev.scale.providers.Instance;
import dev.scale.errors.ScaleException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Tab completion: meta commands and their options (from the picocli specs), kinds, live instance names,
 * and the session's own words (Redis command names, SQL keywords, table and column names).
 */
final class ShellCompleter implements Completer {
    private final Shell shell;
    private final Context ctx;
    private final Function<Context, CommandLine> scaleCommandLine;

    ShellCompleter(Shell shell, Context ctx, Function<Context, CommandLine> scaleCommandLine) {
        this.shell = shell;
        this.ctx = ctx;
        this.scaleCommandLine = scaleCommandLine;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        List<String> words = line.words();
        int index = line.wordIndex();
        String first = words.isEmpty() ? "" : words.get(0);
        if (first.startsWith("\\")) {
            if (index == 0) {
                metaNames().forEach(n -> candidates.add(new Candidate("\\" + n)));
            } else {
                metaArguments(first.substring(1), words.subList(1, index), line.word()).forEach(c -> candidates.add(new Candidate(c)));
            }
            return;
        }
        Session session = shell.session();
        if (session == null) {
            metaNames().forEach(n -> candidates.add(new Candidate("\\" + n)));
            return;
        }
        if (!session.wordsAfterFirst() && index > 0) {
            // after the command name come keys and values, or the names the session offers for them
            session.arguments(words.subList(0, index)).forEach(a -> candidates.add(new Candidate(a, a, null, null, null, null, true)));
            return;
        }
        for (String w : session.words()) {
            String value = session.upperCaseWords() ? w.toUpperCase(Locale.ROOT) : w;
            candidates.add(new Candidate(value, value, null, null, null, null, true));
        }
    }

    List<String> metaNames() {
        List<String> names = new ArrayList<>(Shell.SCALE_COMMANDS);
        CommandLine meta = shell.metaCommandLine(ctx, ctx.out(), ctx.err());
        names.addAll(meta.getSubcommands().keySet());
        names.sort(null);
        return names;
    }

    /** Options of the meta command, or values for its positional: kinds for \\up, instance names for the others. */
    List<String> metaArguments(String command, List<String> before, String current) {
        CommandSpec spec = spec(command);
        List<String> out = new ArrayList<>();
        if (spec == null) {
            return out;
        }
        if (current.startsWith("-")) {
            for (OptionSpec o : spec.options()) {
                out.addAll(List.of(o.names()));
            }
            return out;
        }
        if (!before.isEmpty()) {
            String previous = before.get(before.size() - 1);
            OptionSpec o = spec.findOption(previous);
            if (o != null && o.arity().max() > 0) {
                if (previous.equals("--provider")) {
                    out.addAll(dev.scale.providers.lifecycle.Instances.providerNames());
                } else if (previous.equals("--output") || previous.equals("-o") || previous.equals("--format")) {
                    o.completionCandidates().forEach(out::add);
                }
                return out;
            }
        }
        if (command.equals("up")) {
            ctx.kinds().all().forEach(k -> out.add(k.name()));
        } else if (List.of("down", "env", "use", "restart").contains(command)) {
            try {
                ctx.instances().list().stream().map(Instance::name).forEach(out::add);
            } catch (ScaleException e) {
                // no names to offer
            }
        } else if (command.equals("timing")) {
            out.addAll(List.of("on", "off"));
        }
        return out;
    }

    private CommandSpec spec(String command) {
        CommandLine tree = Shell.SCALE_COMMANDS.contains(command) ? scaleCommandLine.apply(ctx)
                : shell.metaCommandLine(ctx, ctx.out(), ctx.err());
        CommandLine sub = tree.getSubcommands().get(command);
        return sub == null ? null : sub.getCommandSpec();
    }
}
