package dev.scale.cli.shell;

import dev.scale.cli.context.Context;
import dev.scale.providers.Dirs;
import dev.scale.providers.Instance;
import dev.scale.providers.Kind;
import dev.scale.errors.ScaleException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;
import picocli.CommandLine;

/**
 * The interactive shell: native input goes to the current instance (Redis commands, SQL); input that
 * starts with a backslash is a meta command. On a terminal it uses JLine (completion, history, Ctrl-C);
 * from a pipe it reads line by line and prints only results.
 */
public final class Shell {
    /** Meta commands that are scale's own commands, run through the same picocli tree. */
    static final Set<String> SCALE_COMMANDS = Set.of("up", "down", "ls", "env", "gc", "restart");

    private final Context ctx;
    private final Function<Context, CommandLine> scaleCommandLine;
    private final Function<Kind, ShellKind> shells;
    private Session session;
    private boolean timing;
    private boolean quit;

    /**
     * @param scaleCommandLine makes scale's own command tree for a context (so meta commands reuse it)
     * @param shells           each kind's part of the shell (the CLI's registry)
     */
    public Shell(Context ctx, Function<Context, CommandLine> scaleCommandLine, Function<Kind, ShellKind> shells) {
        this.ctx = ctx;
        this.scaleCommandLine = scaleCommandLine;
        this.shells = shells;
    }

    Session session() {
        return session;
    }

    /** Connects to an instance (replacing the current one); errors are reported, not thrown. */
    boolean use(Instance instance, PrintWriter err) {
        try {
            Session next = shells.apply(instance.kind()).open(instance);
            if (session != null) {
                session.close();
            }
            session = next;
            return true;
        } catch (Exception e) {
            err.println("scale: cannot connect to " + instance.name() + ": " + e.getMessage());
            err.flush();
            return false;
        }
    }

    void close() {
        if (session != null) {
            session.close();
            session = null;
        }
    }

    /** On a terminal, the interactive shell; from a pipe, line by line. */
    public int run() throws IOException {
        if (ctx.terminal()) {
            try (Terminal terminal = org.jline.terminal.TerminalBuilder.builder().system(true).build()) {
                return interactive(terminal);
            }
        }
        return piped(new BufferedReader(new java.io.InputStreamReader(ctx.in(), java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Connects to the named instance, or to the only one running; a usage error if the name is unknown. */
    public void connect(String name) {
        connect(name, null);
    }

    /** Connects to a named instance, or to a server given by URL ({@code url}, already parsed), or to the only one running. */
    public void connect(String name, Instance byUrl) {
        if (byUrl != null) {
            use(byUrl, ctx.err());
            return;
        }
        if (name != null) {
            use(ctx.instances().find(name), ctx.err());
            return;
        }
        List<Instance> running = ctx.instances().list().stream().filter(i -> i.state() == Instance.State.RUNNING).toList();
        if (running.size() == 1) {
            use(running.get(0), ctx.err());
        }
    }

    /**
     * Connects to the instance or server the user named ({@code scale shell NAME|URL}), or fails in one line, exit 3:
     * a shell on nothing is not what was asked for.
     */
    public void connectOrFail(Instance instance) {
        try {
            Session next = shells.apply(instance.kind()).open(instance);
            close();
            session = next;
        } catch (Exception e) {
            String why = e instanceof ScaleException se ? se.oneLine() : e.getMessage();
            throw ScaleException.environment("cannot connect to " + instance.name() + ": " + why, null, e);
        }
    }

    /** Connects to a freshly started instance. */
    public boolean use(Instance instance) {
        return use(instance, ctx.err());
    }

    /** Runs the shell on a real terminal until quit, Ctrl-D or end of input. */
    public int interactive(Terminal terminal) {
        PrintWriter out = terminal.writer();
        Context tctx = ctx.withWriters(out, out);
        Path history = historyFile();
        LineReader reader = LineReaderBuilder.builder()
                .terminal(terminal)
                .appName("scale")
                .completer(new ShellCompleter(this, tctx, scaleCommandLine))
                .parser(new ShellParser(this))
                .variable(LineReader.HISTORY_FILE, history)
                .variable(LineReader.SECONDARY_PROMPT_PATTERN, "%P > ")
                .option(LineReader.Option.CASE_INSENSITIVE, true)
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .build();
        out.println("scale shell — \\help for meta commands, Ctrl-D to leave" + (session == null ? "; \\up KIND or \\use NAME to connect" : ""));
        out.flush();
        try {
            while (!quit) {
                String line;
                try {
                    line = reader.readLine(prompt(terminal));
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C drops the current input, not the shell
                } catch (EndOfFileException e) {
                    break;
                }
                Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, s -> {
                    if (session != null) {
                        session.cancel();
                    }
                });
                try {
                    dispatch(line, tctx, out, out);
                } finally {
                    terminal.handle(Terminal.Signal.INT, previous);
                }
            }
        } finally {
            try {
                reader.getHistory().save();
            } catch (IOException ignored) {
                // history is a convenience
            }
            close();
        }
        return 0;
    }

    /** Runs the shell over piped input: line by line, results only. */
    public int piped(BufferedReader in) throws IOException {
        PrintWriter out = ctx.out();
        PrintWriter err = ctx.err();
        StringBuilder pending = new StringBuilder();
        String line;
        try {
            while (!quit && (line = in.readLine()) != null) {
                if (pending.length() == 0 && line.strip().startsWith("\\")) {
                    dispatch(line, ctx, out, err);
                    continue;
                }
                pending.append(line).append('\n');
                if (session == null || session.complete(pending.toString())) {
                    dispatch(pending.toString().stripTrailing(), ctx, out, err);
                    pending.setLength(0);
                }
            }
            if (!quit && !pending.toString().isBlank()) {
                dispatch(pending.toString().stripTrailing(), ctx, out, err);
            }
        } finally {
            close();
        }
        return 0;
    }

    void dispatch(String line, Context c, PrintWriter out, PrintWriter err) {
        String input = line.strip();
        if (input.isEmpty()) {
            return;
        }
        if (input.startsWith("\\")) {
            meta(input.substring(1), c, out, err);
            return;
        }
        String lower = input.toLowerCase(Locale.ROOT);
        if (lower.equals("exit") || lower.equals("quit")) {
            quit = true;
            return;
        }
        if (session == null) {
            err.println("scale: not connected; \\up KIND starts an instance, \\use NAME connects to one, \\ls lists them");
            err.flush();
            return;
        }
        long start = System.nanoTime();
        session.execute(input, out, err);
        if (timing) {
            out.printf(Locale.ROOT, "Time: %.3f ms%n", (System.nanoTime() - start) / 1e6);
        }
        out.flush();
    }

    private void meta(String text, Context c, PrintWriter out, PrintWriter err) {
        List<String> words = MetaWords.split(text);
        if (words.isEmpty()) {
            return;
        }
        String name = words.get(0);
        String[] args = words.subList(1, words.size()).toArray(String[]::new);
        if (SCALE_COMMANDS.contains(name)) {
            Set<String> before = names(c);
            CommandLine scale = scaleCommandLine.apply(c);
            scale.execute(words.toArray(String[]::new));
            afterScaleCommand(name, before, c, err);
            return;
        }
        CommandLine metaLine = metaCommandLine(c, out, err);
        if (!metaLine.getSubcommands().containsKey(name)) {
            err.println("scale: unknown meta command \\" + name + " (\\help lists them)");
            err.flush();
            return;
        }
        String[] all = new String[args.length + 1];
        all[0] = name;
        System.arraycopy(args, 0, all, 1, args.length);
        metaLine.execute(all);
    }

    CommandLine metaCommandLine(Context c, PrintWriter out, PrintWriter err) {
        CommandLine line = new CommandLine(new MetaCommands(this, c));
        line.setOut(out);
        line.setErr(err);
        line.setExecutionExceptionHandler((ex, cl, parse) -> {
            err.println("scale: " + (ex instanceof ScaleException se ? se.oneLine() : ex.getMessage()));
            err.flush();
            return 1;
        });
        line.setParameterExceptionHandler((ex, a) -> {
            err.println("scale: " + ex.getMessage() + " (see \\help)");
            err.flush();
            return 2;
        });
        return line;
    }

    private static Set<String> names(Context c) {
        try {
            return c.instances().list().stream().map(Instance::name).collect(java.util.stream.Collectors.toSet());
        } catch (ScaleException e) {
            return Set.of();
        }
    }

    /**
     * After \\up, connect to what it started when nothing is connected; after \\restart, connect again to the
     * instance as it now is (its old connection is gone, and on Docker its port may have changed); after \\down,
     * drop a removed session.
     */
    private void afterScaleCommand(String name, Set<String> before, Context c, PrintWriter err) {
        if (name.equals("up") && session == null) {
            c.instances().list().stream().filter(i -> !before.contains(i.name())).findFirst().ifPresent(i -> use(i, err));
        }
        if (name.equals("restart") && session != null) {
            String current = session.instance().name();
            c.instances().list().stream().filter(i -> i.name().equals(current)).findFirst().ifPresent(i -> use(i, err));
        }
        if ((name.equals("down") || name.equals("gc")) && session != null
                && c.instances().list().stream().noneMatch(i -> i.name().equals(session.instance().name()))) {
            session.close();
            session = null;
        }
    }

    void quit() {
        quit = true;
    }

    void timing(boolean on) {
        timing = on;
    }

    boolean timing() {
        return timing;
    }

    private String prompt(Terminal terminal) {
        String label = session == null ? "scale" : session.instance().name() + " [" + session.instance().kind().name() + "]";
        boolean colour = !ctx.env().containsKey("NO_COLOR") && !Terminal.TYPE_DUMB.equals(terminal.getType())
                && !Terminal.TYPE_DUMB_COLOR.equals(terminal.getType());
        if (!colour) {
            return label + "> ";
        }
        AttributedStringBuilder b = new AttributedStringBuilder();
        if (session == null) {
            b.styled(AttributedStyle.BOLD, "scale");
        } else {
            b.styled(AttributedStyle.BOLD.foreground(AttributedStyle.CYAN), session.instance().name())
                    .append(" [")
                    .styled(AttributedStyle.DEFAULT.foreground(shells.apply(session.instance().kind()).promptColour()),
                            session.instance().kind().name())
                    .append("]");
        }
        return b.append("> ").toAnsi(terminal);
    }

    private Path historyFile() {
        Path dir = Dirs.privateDir(ctx.dirs().state());
        Path file = dir.resolve("history");
        try {
            if (!Files.exists(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
        } catch (IOException | UnsupportedOperationException e) {
            // no history then
        }
        return file;
    }
}
