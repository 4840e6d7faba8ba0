package dev.scale.cli.output;

import java.util.ArrayList;
import java.util.List;

/**
 * The one table printer: rows of text under a header, in the three looks scale needs. {@link #aligned} for
 * its own reports (ls, probes, fit, kinds), {@link #psql} where the shell answers as psql does, and
 * {@link #markdown} for documentation. Numbers align right wherever a whole column is numeric.
 */
public final class Table {
    private Table() {
    }

    /** Columns two spaces apart, no borders, trailing spaces trimmed. */
    public static String aligned(List<String> header, List<List<String>> rows) {
        return aligned(header, rows, Integer.MAX_VALUE);
    }

    /**
     * As {@link #aligned(List, List)}, with cells past the first column wrapped at word boundaries to at most
     * {@code wrapAt} characters (a longer word keeps a line of its own).
     */
    public static String aligned(List<String> header, List<List<String>> rows, int wrapAt) {
        int cols = header.size();
        List<List<List<String>>> cells = new ArrayList<>();
        for (List<String> row : rows) {
            List<List<String>> lines = new ArrayList<>();
            for (int c = 0; c < cols; c++) {
                lines.add(c == 0 ? List.of(row.get(c)) : wrap(row.get(c), wrapAt));
            }
            cells.add(lines);
        }
        int[] width = new int[cols];
        boolean[] right = numericColumns(rows, cols);
        for (int c = 0; c < cols; c++) {
            width[c] = header.get(c).length();
            for (List<List<String>> row : cells) {
                for (String line : row.get(c)) {
                    width[c] = Math.max(width[c], line.length());
                }
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, header, width, right);
        for (List<List<String>> row : cells) {
            int height = row.stream().mapToInt(List::size).max().orElse(1);
            for (int l = 0; l < height; l++) {
                List<String> text = new ArrayList<>();
                for (List<String> cell : row) {
                    text.add(l < cell.size() ? cell.get(l) : "");
                }
                line(out, text, width, right);
            }
        }
        return out.toString();
    }

    /** As psql prints a result: centred names, a rule, {@code |} between columns, and the row count. */
    public static String psql(List<String> header, boolean[] right, List<List<String>> rows) {
        int cols = header.size();
        int[] width = new int[cols];
        for (int c = 0; c < cols; c++) {
            width[c] = header.get(c).length();
            for (List<String> row : rows) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        StringBuilder rule = new StringBuilder();
        for (int c = 0; c < cols; c++) {
            int pad = width[c] - header.get(c).length();
            out.append(c == 0 ? " " : "| ").append(" ".repeat(pad / 2)).append(header.get(c)).append(" ".repeat(pad - pad / 2)).append(' ');
            rule.append(c == 0 ? "" : "+").append("-".repeat(width[c] + 2));
        }
        out.append('\n').append(rule).append('\n');
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < cols; c++) {
                line.append(c == 0 ? " " : " | ").append(pad(row.get(c), width[c], right[c]));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.append('(').append(rows.size()).append(rows.size() == 1 ? " row)" : " rows)").append("\n\n").toString();
    }

    /** A GitHub-flavoured Markdown table; {@code |} in a cell is escaped. */
    public static String markdown(List<String> header, List<List<String>> rows) {
        StringBuilder out = new StringBuilder();
        out.append("| ").append(String.join(" | ", header.stream().map(Table::escape).toList())).append(" |\n");
        out.append("|").append("---|".repeat(header.size())).append('\n');
        for (List<String> row : rows) {
            out.append("| ").append(String.join(" | ", row.stream().map(Table::escape).toList())).append(" |\n");
        }
        return out.toString();
    }

    /** Words into lines of at most {@code width} characters (a longer word gets a line of its own). */
    public static List<String> wrap(String text, int width) {
        if (text.length() <= width) {
            return List.of(text);
        }
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            line.append(line.length() == 0 ? "" : " ").append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }

    private static void line(StringBuilder out, List<String> text, int[] width, boolean[] right) {
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < text.size(); c++) {
            b.append(c == 0 ? "" : "  ").append(pad(text.get(c), width[c], right[c]));
        }
        out.append(b.toString().stripTrailing()).append('\n');
    }

    private static boolean[] numericColumns(List<List<String>> rows, int cols) {
        boolean[] right = new boolean[cols];
        for (int c = 0; c < cols; c++) {
            int col = c;
            right[c] = !rows.isEmpty() && rows.stream().allMatch(r -> r.get(col).matches("-?[0-9][0-9,]*(\\.[0-9]+)?"));
        }
        return right;
    }

    private static String pad(String s, int width, boolean right) {
        String fill = " ".repeat(Math.max(0, width - s.length()));
        return right ? fill + s : s + fill;
    }

    private static String escape(String s) {
        return s.replace("|", "\\|");
    }
}
