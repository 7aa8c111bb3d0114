package org.mailferry.queue;

import java.io.IOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.mailferry.message.QueueId;

/**
 * The webhook outbox in the database ({@code webhook_outbox}, schema version 4). What a state change
 * owes ({@link #owe}, before the change) is written by {@link PgSpool} in the change's own statement
 * ({@link #CTE}): the rows exist exactly when the change does, whichever way it went. Any node
 * claims due rows in batches with {@code FOR UPDATE SKIP LOCKED} and a lease ({@link #claim}) and
 * deletes the sent ones in one statement ({@link #done}); for each message and URL only the oldest
 * row is claimable, so a receiver gets a message's events in order.
 */
public final class PgOutbox {
    /** One event's delivery to one URL. */
    public record Row(String eventId, int urlIndex, QueueId message, String url, String event, String body,
                      long createdMillis, int attempts) {
    }

    /**
     * The data-modifying CTE that writes the owed rows, given seven array parameters; {@code %s} is
     * the CTE whose row says the change happened (nothing is written when it did not).
     */
    static final String CTE = "w AS (INSERT INTO webhook_outbox (event_id, url_index, message_id, url, event, body, "
            + "created_ms, due_ms) SELECT e, i, m, u, t, b, c, c FROM unnest(?::text[], ?::int[], ?::text[], "
            + "?::text[], ?::text[], ?::text[], ?::bigint[]) AS x(e, i, m, u, t, b, c) "
            + "WHERE EXISTS (SELECT 1 FROM %s) ON CONFLICT (event_id, url_index) DO NOTHING)";

    private final DataSource db;
    private final Map<QueueId, List<Row>> owed = new ConcurrentHashMap<>();

    PgOutbox(DataSource db) {
        this.db = db;
    }

    /** Rows to write with {@code id}'s next state change (accept, update or retire). */
    public void owe(QueueId id, List<Row> rows) {
        owed.merge(id, List.copyOf(rows), (a, b) -> {
            List<Row> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        });
    }

    /** The change did not happen: its events are not owed. */
    public void drop(QueueId id, Set<String> eventIds) {
        owed.computeIfPresent(id, (k, rows) -> {
            List<Row> left = rows.stream().filter(r -> !eventIds.contains(r.eventId())).toList();
            return left.isEmpty() ? null : left;
        });
    }

    /** What {@code id}'s change now being made writes (taken: written once at most). */
    List<Row> take(QueueId id) {
        List<Row> rows = owed.remove(id);
        return rows == null ? List.of() : rows;
    }

    /** Binds {@link #CTE}'s seven arrays from parameter {@code i} on; returns the next parameter. */
    static int bind(Connection c, PreparedStatement p, int i, List<Row> rows) throws SQLException {
        p.setArray(i, array(c, "text", rows.stream().map(Row::eventId).toArray()));
        p.setArray(i + 1, array(c, "integer", rows.stream().map(Row::urlIndex).toArray()));
        p.setArray(i + 2, array(c, "text", rows.stream().map(r -> r.message().value()).toArray()));
        p.setArray(i + 3, array(c, "text", rows.stream().map(Row::url).toArray()));
        p.setArray(i + 4, array(c, "text", rows.stream().map(Row::event).toArray()));
        p.setArray(i + 5, array(c, "text", rows.stream().map(Row::body).toArray()));
        p.setArray(i + 6, array(c, "bigint", rows.stream().map(Row::createdMillis).toArray()));
        return i + 7;
    }

    private static Array array(Connection c, String type, Object[] values) throws SQLException {
        return c.createArrayOf(type, values);
    }

    /** Writes rows on their own (an event told without being prepared); a row already there stays. */
    public void insert(List<Row> rows) throws IOException {
        try (Connection c = db.getConnection()) {
            insert(c, rows);
        } catch (SQLException e) {
            throw PgSpool.failure("cannot store webhooks", e);
        }
    }

    /** Writes rows on {@code c} (in its transaction, if one is open). */
    static void insert(Connection c, List<Row> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement p = c.prepareStatement("WITH one AS (SELECT 1), " + CTE.formatted("one") + " SELECT 1")) {
            bind(c, p, 1, rows);
            p.executeQuery().close();
        }
    }

    /**
     * Leases up to {@code max} due rows to {@code node} until {@code untilMillis}: the oldest due ones
     * that are each the oldest of its message and URL (so a batch never holds two of one message for
     * one URL) and that no live node holds.
     */
    public List<Row> claim(String node, long nowMillis, long untilMillis, int max) throws IOException {
        List<Row> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "UPDATE webhook_outbox o SET lease_node = ?, lease_until_ms = ?, attempts = o.attempts + 1 "
                        + "FROM (SELECT event_id, url_index FROM webhook_outbox w WHERE due_ms <= ? "
                        + "AND (lease_until_ms IS NULL OR lease_until_ms < ?) AND NOT EXISTS (SELECT 1 FROM "
                        + "webhook_outbox e WHERE e.message_id = w.message_id AND e.url = w.url AND e.seq < w.seq) "
                        + "ORDER BY due_ms, seq LIMIT ? FOR UPDATE SKIP LOCKED) d "
                        + "WHERE o.event_id = d.event_id AND o.url_index = d.url_index RETURNING o.event_id, "
                        + "o.url_index, o.message_id, o.url, o.event, o.body, o.created_ms, o.attempts, o.seq")) {
            p.setString(1, node);
            p.setLong(2, untilMillis);
            p.setLong(3, nowMillis);
            p.setLong(4, nowMillis);
            p.setInt(5, max);
            List<long[]> order = new ArrayList<>();
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    order.add(new long[] {r.getLong(9), out.size()});
                    out.add(new Row(r.getString(1), r.getInt(2), new QueueId(r.getString(3)), r.getString(4),
                            r.getString(5), r.getString(6), r.getLong(7), r.getInt(8)));
                }
            }
            order.sort(java.util.Comparator.comparingLong(o -> o[0])); // RETURNING has no order: made first, sent first
            return order.stream().map(o -> out.get((int) o[1])).toList();
        } catch (SQLException e) {
            throw PgSpool.failure("cannot claim webhooks", e);
        }
    }

    /** Sent (or given up): the rows go, in one statement. */
    public void done(List<Row> rows) throws IOException {
        if (rows.isEmpty()) {
            return;
        }
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "DELETE FROM webhook_outbox o USING unnest(?::text[], ?::int[]) AS d(e, i) "
                        + "WHERE o.event_id = d.e AND o.url_index = d.i")) {
            p.setArray(1, array(c, "text", rows.stream().map(Row::eventId).toArray()));
            p.setArray(2, array(c, "integer", rows.stream().map(Row::urlIndex).toArray()));
            p.executeUpdate();
        } catch (SQLException e) {
            throw PgSpool.failure("cannot remove sent webhooks", e);
        }
    }

    /** Not sent: tried again at {@code dueMillis}, by whichever node claims it then. */
    public void retry(Row row, long dueMillis) throws IOException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement("UPDATE webhook_outbox "
                + "SET due_ms = ?, lease_node = NULL, lease_until_ms = NULL WHERE event_id = ? AND url_index = ?")) {
            p.setLong(1, dueMillis);
            p.setString(2, row.eventId());
            p.setInt(3, row.urlIndex());
            p.executeUpdate();
        } catch (SQLException e) {
            throw PgSpool.failure("cannot reschedule a webhook", e);
        }
    }

    /** Makes every row due now (an operator's retry). */
    public void flush(long nowMillis) throws IOException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "UPDATE webhook_outbox SET due_ms = ? WHERE due_ms > ?")) {
            p.setLong(1, nowMillis);
            p.setLong(2, nowMillis);
            p.executeUpdate();
        } catch (SQLException e) {
            throw PgSpool.failure("cannot flush the webhooks", e);
        }
    }

    /** How many rows wait, every node's. */
    public int pending() throws IOException {
        try (Connection c = db.getConnection();
             PreparedStatement p = c.prepareStatement("SELECT count(*) FROM webhook_outbox");
             ResultSet r = p.executeQuery()) {
            r.next();
            return r.getInt(1);
        } catch (SQLException e) {
            throw PgSpool.failure("cannot count the webhooks", e);
        }
    }
}
