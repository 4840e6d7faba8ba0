package dev.scale.cli.shell;

import dev.scale.cli.output.Table;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** A result set as psql prints it in aligned mode: centred headers, numbers to the right, a row count. */
public final class PsqlTable {
    private static final Set<Integer> NUMERIC = Set.of(Types.BIGINT, Types.INTEGER, Types.SMALLINT, Types.TINYINT,
            Types.NUMERIC, Types.DECIMAL, Types.REAL, Types.DOUBLE, Types.FLOAT);

    private PsqlTable() {
    }

    public static String format(ResultSet rs) throws SQLException {
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
    public static String format(String[] names, boolean[] right, List<String[]> rows) {
        return Table.psql(List.of(names), right, rows.stream().map(List::of).toList());
    }
}
