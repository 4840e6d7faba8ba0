package dev.scale.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;

/**
 * scale's own usage ({@code scale --help}), rendered by picocli from the command tree when scale is built and kept
 * beside its classes, plain and in colour. Printing it takes a JVM's start; building the tree to render it took
 * picocli's annotation reflection 120 ms more (bench/cli-start.sh). CommandLineTest renders both again and compares.
 */
public final class HelpText {
    private HelpText() {
    }

    /** Where the build writes them, on the class path. */
    static final String PLAIN = "help/scale.txt";
    static final String ANSI = "help/scale.ansi.txt";

    /** Whether these words ask for scale's own usage and nothing else. */
    static boolean asked(String[] args, boolean terminal) {
        return args.length == 1 && (args[0].equals("--help") || args[0].equals("-h")) || args.length == 0 && !terminal;
    }

    /** The usage as the build rendered it, in colour or not; null when this build has none (then picocli renders it). */
    static String stored(boolean colour) {
        try (InputStream in = HelpText.class.getResourceAsStream(colour ? ANSI : PLAIN)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    /** The usage as picocli renders it now from scale's command tree. */
    static String render(boolean colour) {
        PrintWriter discard = new PrintWriter(java.io.Writer.nullWriter());
        CommandLine cli = Main.commandLine(Main.context(discard, discard, Map.of(), false), null);
        cli.setColorScheme(CommandLine.Help.defaultColorScheme(colour ? CommandLine.Help.Ansi.ON : CommandLine.Help.Ansi.OFF));
        return cli.getUsageMessage();
    }

    /** The build's step (process-classes): writes both renderings into the directory given. */
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        try {
            for (Map.Entry<String, Boolean> e : Map.of(PLAIN, false, ANSI, true).entrySet()) {
                Path file = dir.resolve(e.getKey());
                Files.createDirectories(file.getParent());
                Files.writeString(file, render(e.getValue()), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
