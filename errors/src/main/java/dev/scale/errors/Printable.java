package dev.scale.errors;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes a message safe to print on one terminal line. Messages quote what the user typed, and what
 * they typed may come from a script: a control character (an escape sequence, a carriage return, a
 * newline) or a bidirectional override would reach the terminal as a command, and a 5000-character
 * name would bury the way out that follows it.
 */
public final class Printable {
    /** Quoted values longer than this are shortened, keeping their start and saying how long they were. */
    static final int LONGEST_QUOTE = 64;

    private static final Pattern QUOTED = Pattern.compile("'([^']{" + (LONGEST_QUOTE + 1) + ",})'");

    private Printable() {
    }

    /** One line: line breaks joined, other control and bidi characters escaped ({@code \x1b}, {@code \u202e}), long quoted values cut. */
    public static String line(String message) {
        StringBuilder out = new StringBuilder(message.length());
        message.codePoints().forEach(c -> escape(c, out));
        Matcher m = QUOTED.matcher(out);
        StringBuilder cut = new StringBuilder(out.length());
        while (m.find()) {
            String value = m.group(1);
            String shown = value.substring(0, LONGEST_QUOTE - 16) + "…";
            m.appendReplacement(cut, Matcher.quoteReplacement("'" + shown + "' (" + value.length() + " characters)"));
        }
        m.appendTail(cut);
        return cut.toString();
    }

    private static void escape(int c, StringBuilder out) {
        switch (c) {
            case '\n', '\t' -> out.append(' '); // a message's own line breaks join, as they always did
            default -> {
                if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                    out.append(String.format("\\x%02x", c));
                } else if (bidiControl(c) || c == 0x2028 || c == 0x2029) {
                    out.append(String.format("\\u%04x", c));
                } else {
                    out.appendCodePoint(c);
                }
            }
        }
    }

    /** The characters that reorder what follows them on screen (Trojan Source, CVE-2021-42574). */
    private static boolean bidiControl(int c) {
        return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f || c == 0x061c;
    }
}
