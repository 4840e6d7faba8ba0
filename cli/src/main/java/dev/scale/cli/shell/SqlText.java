package dev.scale.cli.shell;

import java.util.ArrayList;
import java.util.List;

/** Where SQL statements end: at a ';' outside quotes, dollar quotes and comments. */
public final class SqlText {
    private SqlText() {
    }

    /** The statements of the text, each without its ';'; text after the last ';' is left out unless {@code all}. */
    public static List<String> statements(String text, boolean all) {
        List<String> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\'' || c == '"') {
                int end = text.indexOf(c, i + 1);
                while (end > 0 && end + 1 < n && text.charAt(end + 1) == c) {
                    end = text.indexOf(c, end + 2); // doubled quote inside
                }
                if (end < 0) {
                    break;
                }
                i = end + 1;
            } else if (c == '-' && i + 1 < n && text.charAt(i + 1) == '-') {
                int end = text.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
                int end = text.indexOf("*/", i + 2);
                if (end < 0) {
                    break;
                }
                i = end + 2;
            } else if (c == '$') {
                int close = text.indexOf('$', i + 1);
                String tag = close > 0 ? text.substring(i, close + 1) : null;
                if (tag != null && tag.substring(1, tag.length() - 1).matches("[A-Za-z_0-9]*")
                        && (i == 0 || !Character.isLetterOrDigit(text.charAt(i - 1)))) {
                    int end = text.indexOf(tag, close + 1);
                    if (end < 0) {
                        break;
                    }
                    i = end + tag.length();
                } else {
                    i++;
                }
            } else if (c == ';') {
                String stmt = text.substring(start, i).strip();
                if (!stmt.isEmpty()) {
                    out.add(stmt);
                }
                start = i + 1;
                i++;
            } else {
                i++;
            }
        }
        if (all) {
            String rest = text.substring(Math.min(start, n)).strip();
            if (!rest.isEmpty() && !onlyComments(rest)) {
                out.add(rest);
            }
        }
        return out;
    }

    /** Whether the text ends with a finished statement (nothing but space and comments after its ';'). */
    public static boolean complete(String text) {
        if (text.isBlank()) {
            return true;
        }
        List<String> done = statements(text, false);
        List<String> withRest = statements(text, true);
        return !done.isEmpty() && done.size() == withRest.size();
    }

    private static boolean onlyComments(String s) {
        return s.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("--"));
    }
}
