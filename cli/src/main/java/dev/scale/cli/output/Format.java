package dev.scale.cli.output;

import dev.scale.errors.ScaleException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** What {@code --output} can ask for. Each command accepts some of them ({@link OutputOption#format}). */
public enum Format {
    TABLE, JSON,
    /** {@code export X='v'} lines for a POSIX shell; "shell" is accepted too. */
    ENV,
    DOTENV,
    /** Appends to $GITHUB_ENV and masks secrets, in a GitHub Actions step. */
    GITHUB,
    /** A Markdown table, for documentation. */
    MARKDOWN;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A format as users type it, case-insensitively, or a usage error listing {@code allowed}. */
    public static Format parse(String text, List<Format> allowed) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Format f = t.equals("shell") ? ENV : Arrays.stream(values()).filter(v -> v.label().equals(t)).findFirst().orElse(null);
        if (f == null || !allowed.contains(f)) {
            throw ScaleException.usage("unknown format '" + text + "'",
                    "use " + allowed.stream().map(Format::label).collect(Collectors.joining(", ")));
        }
        return f;
    }
}
