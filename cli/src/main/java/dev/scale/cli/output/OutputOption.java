package dev.scale.cli.output;

import java.util.Iterator;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code -o/--output}, the one output option: a command mixes in the variant that lists the formats it has,
 * so that its help, its completion and its validation say the same thing. A format it lacks is a usage error
 * naming the ones it has, before anything starts.
 */
public abstract class OutputOption {
    private final Format fallback;
    private final List<Format> allowed;

    OutputOption(Format fallback, Format... allowed) {
        this.fallback = fallback;
        this.allowed = List.of(allowed);
    }

    abstract String text();

    /** The format asked for, or the command's default. */
    public Format format() {
        return text() == null ? fallback : Format.parse(text(), allowed);
    }

    /** Reports and probes: {@code table} or {@code json}. */
    public static final class TableOrJson extends OutputOption {
        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", completionCandidates = TableOrJsonNames.class,
                description = "table (default) or json.")
        String output;

        public TableOrJson() {
            super(Format.TABLE, Format.TABLE, Format.JSON);
        }

        @Override
        String text() {
            return output;
        }
    }

    /** Instances' connection details: a table, JSON, or their variables for a shell, a .env file or GitHub Actions. */
    public static final class Connection extends OutputOption {
        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", completionCandidates = ConnectionNames.class,
                description = "table (default), json, env (export lines), dotenv or github (appends to $GITHUB_ENV).")
        String output;

        public Connection() {
            super(Format.TABLE, Format.TABLE, Format.JSON, Format.ENV, Format.DOTENV, Format.GITHUB);
        }

        @Override
        String text() {
            return output;
        }
    }

    /** Connection variables only ({@code scale env}); {@code -f/--format} as well, as before. */
    public static final class Variables extends OutputOption {
        @Option(names = {"-o", "--output", "-f", "--format"}, paramLabel = "FORMAT", completionCandidates = VariableNames.class,
                description = "env (default: export lines), dotenv, github (appends to $GITHUB_ENV, masks secrets) or json.")
        String output;

        public Variables() {
            super(Format.ENV, Format.ENV, Format.DOTENV, Format.GITHUB, Format.JSON);
        }

        @Override
        String text() {
            return output;
        }
    }

    /** Documentation-shaped data ({@code scale kinds}): a table, JSON or Markdown. */
    public static final class TableJsonOrMarkdown extends OutputOption {
        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", completionCandidates = DocsNames.class,
                description = "table (default), json or markdown.")
        String output;

        public TableJsonOrMarkdown() {
            super(Format.TABLE, Format.TABLE, Format.JSON, Format.MARKDOWN);
        }

        @Override
        String text() {
            return output;
        }
    }

    static final class TableOrJsonNames extends Names {
        TableOrJsonNames() {
            super(new TableOrJson());
        }
    }

    static final class ConnectionNames extends Names {
        ConnectionNames() {
            super(new Connection());
        }
    }

    static final class VariableNames extends Names {
        VariableNames() {
            super(new Variables());
        }
    }

    static final class DocsNames extends Names {
        DocsNames() {
            super(new TableJsonOrMarkdown());
        }
    }

    /** A variant's formats, for completion. */
    abstract static class Names implements Iterable<String> {
        private final OutputOption option;

        Names(OutputOption option) {
            this.option = option;
        }

        @Override
        public Iterator<String> iterator() {
            return option.allowed.stream().map(Format::label).iterator();
        }
    }
}
