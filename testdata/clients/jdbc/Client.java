import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Drives the PostgreSQL JDBC driver against a PostgreSQL-compatible server
 * and prints what it sees, one line per row, for comparison with
 * PostgreSQL's. A prepared statement runs more than prepareThreshold (5)
 * times, so the driver switches to a named server-side statement and binary
 * transfer.
 *
 * usage: java -cp postgresql.jar:. Client JDBC_URL USER PASSWORD
 */
public class Client {
    public static void main(String[] args) throws Exception {
        try (Connection conn = DriverManager.getConnection(args[0], args[1], args[2])) {
            try (Statement st = conn.createStatement()) {
                print(st.executeQuery("SELECT symbol, count(*), sum(volume) FROM candles GROUP BY symbol ORDER BY symbol"));
                print(st.executeQuery("SELECT * FROM types ORDER BY id"));
                try {
                    st.executeQuery("SELECT nosuch FROM candles");
                } catch (SQLException e) {
                    System.out.println("error " + e.getSQLState() + " " + e.getMessage().split("\n")[0]);
                }
            }
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT id, i2, i4, i8, f4, f8, num, b, t, d, ts, tstz, bin FROM types WHERE id >= ? ORDER BY id")) {
                for (int i = 0; i < 7; i++) {
                    ps.setInt(1, 6);
                    print(ps.executeQuery());
                }
            }
            // setTimestamp sends no type, setString varchar: from the 5th run
            // on, the driver checks the types of its named statement.
            try (PreparedStatement ps = conn.prepareStatement("SELECT count(*) FROM candles WHERE ts > ? AND symbol = ?")) {
                for (int i = 0; i < 7; i++) {
                    ps.setTimestamp(1, java.sql.Timestamp.valueOf("2024-01-01 00:00:00"));
                    ps.setString(2, "AAPL");
                    print(ps.executeQuery());
                }
            }
            try (PreparedStatement ps = conn.prepareStatement("SELECT symbol FROM symbols WHERE listed > ? AND active = ? ORDER BY 1")) {
                ps.setDate(1, java.sql.Date.valueOf("2000-01-01"));
                ps.setBoolean(2, true);
                print(ps.executeQuery());
            }
            // The driver sends the OUT parameter as a parameter of type void.
            try (CallableStatement cs = conn.prepareCall("{? = call upper(?)}")) {
                cs.registerOutParameter(1, java.sql.Types.VARCHAR);
                cs.setString(2, "hi");
                cs.execute();
                System.out.println("callable " + cs.getString(1));
            }
            // From the 5th run on the driver reads the numerics in binary.
            try (PreparedStatement ps = conn.prepareStatement("SELECT ?::numeric(20,18) AS a, 1.5::numeric(38,35) AS b")) {
                for (int i = 0; i < 7; i++) {
                    ps.setBigDecimal(1, new java.math.BigDecimal("-1.5"));
                    print(ps.executeQuery());
                }
            }
            metadata(conn);
            schemaRoundTrip(conn);
        }
    }

    /** What a migration tool does: create a table with typed columns and
     * indexes, read it back through DatabaseMetaData, drop it. */
    static void schemaRoundTrip(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE jdbc_items (id integer PRIMARY KEY, name varchar(20) NOT NULL, price numeric, note text)");
            st.execute("CREATE INDEX jdbc_items_name ON jdbc_items (name DESC)");
            st.execute("CREATE UNIQUE INDEX jdbc_items_note ON jdbc_items (note)");
            st.execute("CREATE TABLE jdbc_lines (id integer, item_id integer REFERENCES jdbc_items, qty integer CHECK (qty > 0))");
            try {
                DatabaseMetaData md = conn.getMetaData();
                printColumns("roundtrip getColumns", md.getColumns(null, "public", "jdbc_items", "%"),
                        "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME", "COLUMN_SIZE", "DECIMAL_DIGITS", "IS_NULLABLE");
                printColumns("roundtrip getIndexInfo", md.getIndexInfo(null, "public", "jdbc_items", false, true),
                        "NON_UNIQUE", "INDEX_NAME", "ORDINAL_POSITION", "COLUMN_NAME", "ASC_OR_DESC");
                try (PreparedStatement ps = conn.prepareStatement("INSERT INTO jdbc_items VALUES (?, ?, ?, ?)")) {
                    ps.setInt(1, 1);
                    ps.setString(2, "a name longer than twenty characters");
                    ps.setBigDecimal(3, new java.math.BigDecimal("1.50"));
                    ps.setString(4, "x");
                    ps.executeUpdate();
                } catch (SQLException e) {
                    System.out.println("roundtrip error " + e.getSQLState());
                }
                printColumns("roundtrip getImportedKeys", md.getImportedKeys(null, "public", "jdbc_lines"),
                        "PKTABLE_NAME", "PKCOLUMN_NAME", "FKTABLE_NAME", "FKCOLUMN_NAME", "KEY_SEQ", "UPDATE_RULE", "DELETE_RULE", "FK_NAME", "PK_NAME");
                printColumns("roundtrip getExportedKeys", md.getExportedKeys(null, "public", "jdbc_items"),
                        "PKTABLE_NAME", "PKCOLUMN_NAME", "FKTABLE_NAME", "FKCOLUMN_NAME", "KEY_SEQ", "FK_NAME");
                try {
                    st.execute("INSERT INTO jdbc_lines VALUES (1, 42, 1)");
                } catch (SQLException e) {
                    System.out.println("roundtrip foreign key " + e.getSQLState());
                }
            } finally {
                st.execute("DROP TABLE jdbc_lines");
                st.execute("DROP TABLE jdbc_items");
            }
        }
    }

    /** Prints what DatabaseMetaData, which GUI tools browse with, says. */
    static void metadata(Connection conn) throws SQLException {
        DatabaseMetaData md = conn.getMetaData();
        boolean listed = false;
        try (ResultSet rs = md.getCatalogs()) {
            while (rs.next()) {
                listed |= rs.getString("TABLE_CAT").equals(conn.getCatalog());
            }
        }
        System.out.println("meta getCatalogs lists the current database: " + listed);
        printColumns("getSchemas", md.getSchemas(), "TABLE_SCHEM");
        printColumns("getTables", md.getTables(null, "public", "%", new String[] {"TABLE", "VIEW"}),
                "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE", "REMARKS");
        printColumns("getColumns", md.getColumns(null, "public", "%", "%"),
                "TABLE_NAME", "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME", "COLUMN_SIZE", "DECIMAL_DIGITS",
                "NULLABLE", "REMARKS", "COLUMN_DEF", "ORDINAL_POSITION", "IS_NULLABLE", "IS_AUTOINCREMENT");
        for (String table : new String[] {"candles", "symbols", "types"}) {
            printColumns("getPrimaryKeys " + table, md.getPrimaryKeys(null, "public", table),
                    "TABLE_NAME", "COLUMN_NAME", "KEY_SEQ", "PK_NAME");
            printColumns("getIndexInfo " + table, md.getIndexInfo(null, "public", table, false, true),
                    "TABLE_NAME", "NON_UNIQUE", "INDEX_NAME", "TYPE", "ORDINAL_POSITION", "COLUMN_NAME", "ASC_OR_DESC");
        }
        try (ResultSet rs = md.getTypeInfo()) {
            while (rs.next()) {
                String name = rs.getString("TYPE_NAME");
                if (java.util.Set.of("int4", "int8", "text", "numeric", "bool", "timestamptz", "bytea", "_int4", "varchar").contains(name)) {
                    System.out.println("meta getTypeInfo " + name + " " + rs.getInt("DATA_TYPE") + " " + rs.getInt("PRECISION")
                            + " " + rs.getShort("NULLABLE") + " " + rs.getBoolean("CASE_SENSITIVE") + " " + rs.getShort("SEARCHABLE")
                            + " " + rs.getBoolean("UNSIGNED_ATTRIBUTE") + " " + rs.getBoolean("AUTO_INCREMENT"));
                }
            }
        }
        printColumns("getFunctions public", md.getFunctions(null, "public", "%"), "FUNCTION_NAME");
        printColumns("getFunctions upper", md.getFunctions(null, "pg_catalog", "upper"),
                "FUNCTION_SCHEM", "FUNCTION_NAME", "REMARKS", "FUNCTION_TYPE", "SPECIFIC_NAME");
    }

    /** Prints the named columns of every row, in the order the driver gives. */
    static void printColumns(String what, ResultSet rs, String... columns) throws SQLException {
        java.util.List<String> lines = new java.util.ArrayList<>();
        try (rs) {
            while (rs.next()) {
                StringBuilder line = new StringBuilder("meta " + what);
                for (String c : columns) {
                    line.append(" | ").append(rs.getString(c));
                }
                lines.add(line.toString());
            }
        }
        if (lines.isEmpty()) {
            System.out.println("meta " + what + " (none)");
        }
        lines.forEach(System.out::println);
    }

    static void print(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        StringBuilder head = new StringBuilder("columns");
        for (int i = 1; i <= md.getColumnCount(); i++) {
            head.append(' ').append(md.getColumnLabel(i)).append(':').append(md.getColumnTypeName(i));
        }
        System.out.println(head);
        while (rs.next()) {
            StringBuilder row = new StringBuilder("row");
            for (int i = 1; i <= md.getColumnCount(); i++) {
                String v = rs.getString(i);
                if (md.getColumnType(i) == java.sql.Types.BINARY && rs.getBytes(i) != null) {
                    v = java.util.HexFormat.of().formatHex(rs.getBytes(i)); // same in text and binary transfer
                }
                row.append(" | ").append(v);
            }
            System.out.println(row);
        }
        rs.close();
    }
}
