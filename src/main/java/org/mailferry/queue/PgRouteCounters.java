package org.mailferry.queue;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.mailferry.message.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routes' quota counters in the database, shared by every node ({@code route_quota},
 * {@code route_connection}, schema version 2). A change is one transaction that locks the route's
 * row ({@code SELECT ... FOR UPDATE}), lets the caller decide on what it read, and writes the
 * result: two nodes admitting a message on one route at once are serialised by the row lock, so
 * the second sees the slot the first took. The slot a waiting message reserved is a row of
 * {@code route_slot} (version 3), so another node that takes the message over uses it. Connections are counted per node with an expiry that a
 * live node renews every third of the lease time (writing its whole count again, so a lost write
 * heals); a dead node's connections stop counting when the expiry passes.
 */
public final class PgRouteCounters implements RouteCounters, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("mailferry.qmgr");
    /** How long a slot is kept after its time when its message does not come to use it. */
    static final Duration SLOT_KEPT = Duration.ofHours(1);
    private final DataSource db;
    private final String node;
    private final long leaseMillis;
    private final Clock clock;
    /** This node's open connections per route (with a limit), the truth its rows are written from. */
    private final Map<String, Integer> mine = new HashMap<>();
    private final ScheduledExecutorService renewal = Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("connection-renewal").factory());

    /**
     * @param node      this node's id (the lease owner's, {@link PgLeases#node()})
     * @param leaseTime how long this node's connection counts hold without renewal (queue.lease_time)
     */
    public PgRouteCounters(DataSource db, String node, Duration leaseTime, Clock clock) {
        this.db = db;
        this.node = node;
        this.leaseMillis = leaseTime.toMillis();
        this.clock = clock;
    }

    /** Starts renewing this node's connection counts (the daemon). */
    public PgRouteCounters start() {
        long every = Math.max(1, leaseMillis / 3);
        renewal.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public Counted change(String route, QueueId id, long nowMillis, long periodMillis,
                          UnaryOperator<Counted> change) throws IOException {
        return inTransaction("cannot count on route " + route, c -> {
            State state = lock(c, route);
            long slot = id == null ? 0 : slotOf(c, route, id);
            int recent = 0;
            long earliest = 0;
            if (periodMillis > 0) {
                try (PreparedStatement p = c.prepareStatement(
                        "SELECT count(*), coalesce(min(t_ms), 0) FROM route_sent WHERE route = ? AND t_ms > ?")) {
                    p.setString(1, route);
                    p.setLong(2, nowMillis - periodMillis);
                    try (ResultSet r = p.executeQuery()) {
                        r.next();
                        recent = r.getInt(1);
                        earliest = r.getLong(2);
                    }
                }
            }
            Counted after = change.apply(new Counted(state, slot, recent, earliest, false));
            if (!after.route().equals(state)) {
                write(c, route, after.route());
            }
            if (id != null && after.slotMillis() != slot) {
                try (PreparedStatement p = c.prepareStatement(after.slotMillis() == 0
                        ? "DELETE FROM route_slot WHERE route = ? AND id = ?"
                        : "INSERT INTO route_slot (route, id, slot_ms) VALUES (?, ?, ?) ON CONFLICT (route, id) "
                        + "DO UPDATE SET slot_ms = excluded.slot_ms")) {
                    p.setString(1, route);
                    p.setString(2, id.value());
                    if (after.slotMillis() != 0) {
                        p.setLong(3, after.slotMillis());
                    }
                    p.executeUpdate();
                }
            }
            if (id != null && after.sends()) {
                try (PreparedStatement p = c.prepareStatement("WITH old AS (DELETE FROM route_sent WHERE route = ? "
                        + "AND t_ms <= ?) INSERT INTO route_sent (route, id, t_ms) VALUES (?, ?, ?) "
                        + "ON CONFLICT (route, id) DO UPDATE SET t_ms = excluded.t_ms")) {
                    p.setString(1, route);
                    p.setLong(2, nowMillis - periodMillis);
                    p.setString(3, route);
                    p.setString(4, id.value());
                    p.setLong(5, nowMillis);
                    p.executeUpdate();
                }
            }
            return after;
        });
    }

    private static void write(Connection c, String route, State a) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("UPDATE route_quota SET next_slot_ms = ?, "
                + "day_start_ms = ?, day_recipients = ?, paused_until_ms = ?, pause_reason = ? WHERE route = ?")) {
            p.setLong(1, a.nextSlotMillis());
            p.setLong(2, a.dayStartMillis());
            p.setLong(3, a.dayRecipients());
            p.setLong(4, a.pausedUntilMillis());
            p.setString(5, a.pauseReason());
            p.setString(6, route);
            p.executeUpdate();
        }
    }

    @Override
    public void sent(String route, QueueId id, long doneMillis) throws IOException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "UPDATE route_sent SET t_ms = greatest(t_ms, ?) WHERE route = ? AND id = ?")) {
            p.setLong(1, doneMillis);
            p.setString(2, route);
            p.setString(3, id.value());
            p.executeUpdate();
        } catch (SQLException e) {
            throw PgSpool.failure("cannot log a message sent on route " + route, e);
        }
    }

    private static long slotOf(Connection c, String route, QueueId id) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT slot_ms FROM route_slot WHERE route = ? AND id = ?")) {
            p.setString(1, route);
            p.setString(2, id.value());
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getLong(1) : 0;
            }
        }
    }

    @Override
    public void dropSlots(String route) throws IOException {
        inTransaction("cannot give up the slots of route " + route, c -> {
            try (PreparedStatement p = c.prepareStatement("DELETE FROM route_slot WHERE route = ?")) {
                p.setString(1, route);
                return p.executeUpdate();
            }
        });
    }

    /** Work in one transaction: committed when it returns, rolled back when it throws. */
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T inTransaction(String doing, Work<T> work) throws IOException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw PgSpool.failure(doing, e);
        }
    }

    /** Within a transaction: the route's row, locked until the commit (made when missing). */
    private static State lock(Connection c, String route) throws SQLException {
        for (int pass = 0; ; pass++) {
            try (PreparedStatement p = c.prepareStatement("SELECT next_slot_ms, day_start_ms, day_recipients, "
                    + "paused_until_ms, pause_reason FROM route_quota WHERE route = ? FOR UPDATE")) {
                p.setString(1, route);
                try (ResultSet r = p.executeQuery()) {
                    if (r.next()) {
                        return new State(r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4), r.getString(5));
                    }
                }
            }
            if (pass > 0) {
                throw new SQLException("route_quota row of " + route + " vanished");
            }
            try (PreparedStatement p = c.prepareStatement(
                    "INSERT INTO route_quota (route) VALUES (?) ON CONFLICT (route) DO NOTHING")) {
                p.setString(1, route);
                p.executeUpdate();
            }
        }
    }

    @Override
    public Map<String, State> read() throws IOException {
        Map<String, State> out = new LinkedHashMap<>();
        try (Connection c = db.getConnection();
             PreparedStatement p = c.prepareStatement("SELECT route, next_slot_ms, day_start_ms, day_recipients, "
                     + "paused_until_ms, pause_reason FROM route_quota ORDER BY route");
             ResultSet r = p.executeQuery()) {
            while (r.next()) {
                out.put(r.getString(1), new State(r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5),
                        r.getString(6)));
            }
            return out;
        } catch (SQLException e) {
            throw PgSpool.failure("cannot read the route counters", e);
        }
    }

    @Override
    public boolean openConnection(String route, int limit) throws IOException {
        long now = clock.millis();
        synchronized (mine) {
            int mineNow = mine.getOrDefault(route, 0);
            boolean ok = inTransaction("cannot count the connections of route " + route, c -> {
                lock(c, route); // every node's count of this route changes under the route's lock
                long others;
                try (PreparedStatement p = c.prepareStatement("SELECT coalesce(sum(connections), 0) "
                        + "FROM route_connection WHERE route = ? AND node <> ? AND until_ms >= ?")) {
                    p.setString(1, route);
                    p.setString(2, node);
                    p.setLong(3, now);
                    try (ResultSet r = p.executeQuery()) {
                        r.next();
                        others = r.getLong(1);
                    }
                }
                boolean room = limit == Integer.MAX_VALUE || others + mineNow < limit;
                if (room) {
                    write(c, route, mineNow + 1, now);
                }
                try (PreparedStatement p = c.prepareStatement(
                        "DELETE FROM route_connection WHERE route = ? AND until_ms < ?")) {
                    p.setString(1, route);
                    p.setLong(2, now); // dead nodes' counts
                    p.executeUpdate();
                }
                return room;
            });
            if (ok) {
                mine.put(route, mineNow + 1);
            }
            return ok;
        }
    }

    /** This node's count of {@code route}'s connections, as a whole value (a lost write heals at the next). */
    private void write(Connection c, String route, int connections, long now) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO route_connection (route, node, connections, "
                + "until_ms) VALUES (?, ?, ?, ?) ON CONFLICT (route, node) DO UPDATE SET connections = "
                + "excluded.connections, until_ms = excluded.until_ms")) {
            p.setString(1, route);
            p.setString(2, node);
            p.setInt(3, connections);
            p.setLong(4, now + leaseMillis);
            p.executeUpdate();
        }
    }

    @Override
    public void closeConnection(String route) throws IOException {
        synchronized (mine) {
            int left = Math.max(0, mine.getOrDefault(route, 0) - 1);
            mine.put(route, left);
            try (Connection c = db.getConnection()) {
                write(c, route, left, clock.millis());
            } catch (SQLException e) {
                throw PgSpool.failure("cannot count a closed connection of route " + route, e);
            }
        }
    }

    /**
     * Keeps this node's connection counts alive, and writes again any a failure left wrong; drops
     * slots more than {@link #SLOT_KEPT} past (their message was deleted, or finished elsewhere).
     */
    private void renew() {
        try (Connection c = db.getConnection();
             PreparedStatement p = c.prepareStatement("DELETE FROM route_slot WHERE slot_ms < ?")) {
            p.setLong(1, clock.millis() - SLOT_KEPT.toMillis());
            p.executeUpdate();
        } catch (SQLException | RuntimeException e) {
            log.debug("cannot drop old route slots: {}", e.toString());
        }
        Map<String, Integer> counts;
        synchronized (mine) {
            counts = new LinkedHashMap<>(mine);
            mine.values().removeIf(n -> n == 0);
        }
        if (counts.isEmpty()) {
            return;
        }
        try (Connection c = db.getConnection()) {
            for (Map.Entry<String, Integer> e : counts.entrySet()) {
                write(c, e.getKey(), e.getValue(), clock.millis());
            }
        } catch (SQLException | RuntimeException e) {
            log.warn("cannot renew this node's route connection counts: {}", e.toString());
        }
    }

    @Override
    public void close() {
        renewal.shutdownNow();
    }
}
