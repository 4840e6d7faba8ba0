package dev.scale.cli.shell;

import dev.scale.errors.ScaleException;
import dev.scale.providers.Instance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads a file into a fresh instance before {@code scale run}'s command; what the file holds, the kind's {@link ShellKind} says. */
public final class Init {
    private Init() {
    }

    public static void load(ShellKind shell, Instance instance, Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ScaleException.usage("cannot read init file " + file + ": " + e.getMessage());
        }
        shell.init(instance, file, text);
    }

    /** A statement's first line, cut to 60 characters, for an error line. */
    public static String firstLine(String s) {
        String line = s.lines().findFirst().orElse("");
        return line.length() > 60 ? line.substring(0, 60) + "…" : line;
    }
}
