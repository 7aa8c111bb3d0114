package org.mailferry.queue;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * What the nodes sharing the database are doing, for {@code mailferry queue} (read from the
 * database, so it answers with every daemon stopped): which nodes hold leases, how many messages
 * are queued, held and due, each route's quota counters and pause, the webhooks waiting.
 */
final class PgClusterView {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    private PgClusterView() {
    }

    static List<String> describe(DataSource db, long now) throws IOException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.getConnection()) {
            out.add("-- cluster (PostgreSQL): every node's messages are listed above");
            try (ResultSet r = query(c, "SELECT count(*), count(*) FILTER (WHERE held), count(*) FILTER (WHERE NOT held "
                    + "AND next_attempt_ms <= ?) FROM message WHERE finished_ms IS NULL", now)) {
                r.next();
                out.add("   queued " + r.getLong(1) + ", held " + r.getLong(2) + ", due now " + r.getLong(3));
            }
            List<String> leases = new ArrayList<>();
            try (ResultSet r = query(c, "SELECT lease_node, count(*), max(lease_until_ms) FROM message WHERE "
                    + "finished_ms IS NULL AND lease_until_ms >= ? GROUP BY lease_node ORDER BY lease_node", now)) {
                while (r.next()) {
                    leases.add(r.getString(1) + " (" + r.getLong(2) + ", until " + time(r.getLong(3)) + ")");
                }
            }
            out.add("   leases: " + (leases.isEmpty() ? "none (no node is attempting a message)" : String.join(", ", leases)));
            try (ResultSet r = query(c, "SELECT q.route, q.next_slot_ms, q.day_recipients, q.paused_until_ms, "
                    + "q.pause_reason, (SELECT coalesce(sum(connections), 0) FROM route_connection rc WHERE "
                    + "rc.route = q.route AND rc.until_ms >= ?), (SELECT count(*) FROM route_slot s WHERE "
                    + "s.route = q.route) FROM route_quota q ORDER BY q.route", now)) {
                while (r.next()) {
                    StringBuilder sb = new StringBuilder("   route ").append(r.getString(1)).append(": ")
                            .append(r.getLong(3)).append(" recipient(s) counted today, ").append(r.getLong(6))
                            .append(" connection(s) open, ").append(r.getLong(7)).append(" message(s) holding a slot");
                    if (r.getLong(2) > now) {
                        sb.append(", next free slot ").append(time(r.getLong(2)));
                    }
                    if (r.getLong(4) > now) {
                        sb.append(", paused until ").append(time(r.getLong(4))).append(" (").append(r.getString(5))
                                .append(')');
                    }
                    out.add(sb.toString());
                }
            }
            try (ResultSet r = query(c, "SELECT count(*), count(*) FILTER (WHERE attempts > 0), min(created_ms) "
                    + "FROM webhook_outbox WHERE created_ms <= ?", now)) {
                r.next();
                out.add("   webhooks waiting: " + r.getLong(1) + (r.getLong(1) == 0 ? "" : " (" + r.getLong(2)
                        + " tried already; oldest made " + time(r.getLong(3)) + ")"));
            }
        } catch (SQLException e) {
            throw PgSpool.failure("cannot read the cluster's state", e);
        }
        return out;
    }

    private static ResultSet query(Connection c, String sql, long now) throws SQLException {
        PreparedStatement p = c.prepareStatement(sql);
        for (int i = 1; i <= p.getParameterMetaData().getParameterCount(); i++) {
            p.setLong(i, now);
        }
        p.closeOnCompletion();
        return p.executeQuery();
    }

    private static String time(long millis) {
        return TIME.format(Instant.ofEpochMilli(millis)) + " UTC";
    }
}
