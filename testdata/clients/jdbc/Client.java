import java.sql.Connection;
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
            try (PreparedStatement ps = conn.prepareStatement("SELECT symbol FROM symbols WHERE listed > ? AND active = ? ORDER BY 1")) {
                ps.setDate(1, java.sql.Date.valueOf("2000-01-01"));
                ps.setBoolean(2, true);
                print(ps.executeQuery());
            }
        }
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
