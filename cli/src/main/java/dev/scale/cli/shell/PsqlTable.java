package dev.scale.cli.shell;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** A result set as psql prints it in aligned mode: centred headers, numbers to the right, a row count. */
final class PsqlTable {
    private static final Set<Integer> NUMERIC = Set.of(Types.BIGINT, Types.INTEGER, Types.SMALLINT, Types.TINYINT,
            Types.NUMERIC, Types.DECIMAL, Types.REAL, Types.DOUBLE, Types.FLOAT);

    private PsqlTable() {
    }

    static String format(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        int cols = md.getColumnCount();
        String[] names = new String[cols];
        boolean[] right = new boolean[cols];
        for (int c = 0; c < cols; c++) {
            names[c] = md.getColumnLabel(c + 1);
            right[c] = NUMERIC.contains(md.getColumnType(c + 1));
        }
        List<String[]> rows = new ArrayList<>();
        while (rs.next()) {
            String[] row = new String[cols];
            for (int c = 0; c < cols; c++) {
                String v = rs.getString(c + 1);
                row[c] = v == null ? "" : v;
            }
            rows.add(row);
        }
        return format(names, right, rows);
    }

    /** Rows under named columns ({@code right}: numbers, aligned right), as psql prints them. */
    static String format(String[] names, boolean[] right, List<String[]> rows) {
        int cols = names.length;
        int[] width = new int[cols];
        for (int c = 0; c < cols; c++) {
            width[c] = names[c].length();
            for (String[] row : rows) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        StringBuilder out = new StringBuilder();
        StringBuilder header = new StringBuilder();
        StringBuilder rule = new StringBuilder();
        for (int c = 0; c < cols; c++) {
            int pad = width[c] - names[c].length();
            header.append(c == 0 ? " " : "| ").append(" ".repeat(pad / 2)).append(names[c]).append(" ".repeat(pad - pad / 2)).append(' ');
            rule.append(c == 0 ? "" : "+").append("-".repeat(width[c] + 2));
        }
        out.append(header).append('\n').append(rule).append('\n');
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < cols; c++) {
                String v = row[c];
                String cell = right[c] ? " ".repeat(width[c] - v.length()) + v : v + " ".repeat(width[c] - v.length());
                line.append(c == 0 ? " " : " | ").append(cell);
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        out.append('(').append(rows.size()).append(rows.size() == 1 ? " row)" : " rows)").append("\n\n");
        return out.toString();
    }
}
