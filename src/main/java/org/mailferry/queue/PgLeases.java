package org.mailferry.queue;

import java.io.IOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leases in the {@code message} table ({@code lease_node}, {@code lease_until_ms}): claimed with
 * {@code SELECT ... FOR UPDATE SKIP LOCKED} (nodes claiming at once never wait for each other nor
 * take the same row), renewed every third of the lease time while this node works on the message,
 * ended by the envelope's update or retirement. A message a node accepts while fewer than its
 * prefetch (queue.prefetch) of its leased messages wait for a worker is leased to it in the same
 * commit (no transaction of its own) and renewed with the others while it waits; beyond that the
 * commit notifies the others ({@code NOTIFY mailferry_queue}), whose {@link #awaitWork} wakes on
 * it. Leases compare times of different nodes' clocks: keep them in step (NTP), well within the
 * lease time.
 */
public final class PgLeases implements Leases, AutoCloseable {
    static final String CHANNEL = "mailferry_queue";
    private static final Logger log = LoggerFactory.getLogger("mailferry.qmgr");

    private final DataSource db;
    private final String node;
    private final long leaseMillis;
    private final Clock clock;
    /** Messages this node leased, with the expiry it wrote (renewed together, waiting or attempted). */
    private final Map<QueueId, Long> held = new ConcurrentHashMap<>();
    /** Which of them wait for a worker, and what this node accepted beyond its prefetch. */
    private final Prefetch prefetch = new Prefetch();
    private final Object wake = new Object();
    private boolean woken;
    private volatile boolean running = true;
    private final ScheduledExecutorService renewal = Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("lease-renewal").factory());
    private Thread listener;
    /** Told when this node's lease on a message ends or must be taken again (PgSpool drops what it kept). */
    private volatile java.util.function.Consumer<QueueId> forgetting = id -> { };

    /** @param node this node's id, unique among live nodes (host, process, a random part) */
    public PgLeases(DataSource db, String node, Duration leaseTime, Clock clock) {
        this.db = db;
        this.node = node;
        this.leaseMillis = leaseTime.toMillis();
        this.clock = clock;
    }

    /** Starts renewing leases and listening for notifications (the daemon; commands need neither). */
    public PgLeases start() {
        long every = Math.max(1, leaseMillis / 3);
        renewal.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
        listener = Thread.ofVirtual().name("queue-listen").start(this::listen);
        return this;
    }

    void onForget(java.util.function.Consumer<QueueId> hook) {
        this.forgetting = hook;
    }

    /** What a lease taken by id read back with it: the row's envelope, headers, chunk count, first chunk. */
    interface Taken {
        void row(QueueId id, byte[] envelope, byte[] headers, int chunks, byte[] first);
    }

    /** Told the row of each message {@link #take} leased (PgSpool keeps it for the attempt). */
    private volatile Taken taken = (id, envelope, headers, chunks, first) -> { };

    void onTake(Taken hook) {
        this.taken = hook;
    }

    /**
     * At most {@code n} messages leased to this node and not yet started (queue.prefetch): a
     * message accepted beyond them (or while earlier ones beyond them are not taken yet) is
     * committed without a lease, for whichever node is idle; this node's lease by id then takes
     * the next of those with it ({@link Prefetch}). 0: none is leased at commit nor with another.
     */
    public void prefetch(int n) {
        prefetch.bound(n);
    }

    /** How many messages this node leased and has not started yet. */
    public int waiting() {
        return prefetch.waiting();
    }

    public String node() {
        return node;
    }

    /** How long a lease holds without renewal (queue.lease_time). */
    Duration leaseTime() {
        return Duration.ofMillis(leaseMillis);
    }

    /** The expiry to write with a message this node accepts, or 0 to leave it to any node. */
    long leaseAtCommit(QueueId id) {
        if (!prefetch.leaseAtCommit(id)) {
            return 0; // this node holds enough it has not started: the others may take this one
        }
        long until = clock.millis() + leaseMillis;
        held.put(id, until);
        return until;
    }

    /** Committed without a lease ({@link #leaseAtCommit} said 0): a worker here leases it with the next ones. */
    void overflowed(QueueId id) {
        prefetch.overflowed(id);
    }

    /** A commit failed: the lease it would have written is not held. */
    void forget(QueueId id) {
        prefetch.started(id);
        held.remove(id);
        forgetting.accept(id);
    }

    @Override
    public boolean take(QueueId id) throws IOException {
        prefetch.awaitWrite(id); // another worker may be writing this message's lease with its own
        long now = clock.millis();
        Long until = held.get(id);
        if (until != null && until - now > leaseMillis / 2) {
            prefetch.started(id);
            return true; // leased at commit, or by a claim, recently enough: no round trip
        }
        forgetting.accept(id); // the lease may have lapsed and another node changed the message
        Prefetch.Batch batch = prefetch.batchWith(id); // the next of this node's overflow, leased with it
        List<QueueId> got = new ArrayList<>();
        long newUntil = now + leaseMillis;
        try (Connection c = db.getConnection();
             // the lease and the attempt's reads in one statement: the envelope, headers and first body
             // chunk come back with it, so the attempt reads nothing more (one commit, not three or four)
             PreparedStatement p = c.prepareStatement("UPDATE message m SET lease_node = ?, lease_until_ms = ? "
                     + "WHERE m.id = ANY(?) AND m.finished_ms IS NULL "
                     + "AND (m.lease_node = ? OR m.lease_until_ms IS NULL OR m.lease_until_ms < ?) "
                     + "RETURNING m.id, m.envelope, m.headers, m.chunks, "
                     + "(SELECT b.data FROM body_chunk b WHERE b.id = m.id AND b.seq = 0 AND m.chunks = 1)")) {
            List<QueueId> ids = new ArrayList<>(batch.more());
            ids.add(id);
            p.setString(1, node);
            p.setLong(2, newUntil);
            p.setArray(3, c.createArrayOf("text", ids.stream().map(QueueId::value).toArray()));
            p.setString(4, node);
            p.setLong(5, now);
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    QueueId leased = new QueueId(r.getString(1));
                    held.put(leased, newUntil);
                    got.add(leased);
                    taken.row(leased, r.getBytes(2), r.getBytes(3), r.getInt(4), r.getBytes(5));
                }
            }
        } catch (SQLException e) {
            throw PgSpool.failure("cannot lease " + id, e);
        } finally {
            prefetch.written(batch, got);
        }
        if (got.contains(id)) {
            return true;
        }
        held.remove(id);
        return false;
    }

    @Override
    public void release(QueueId id) {
        prefetch.started(id);
        held.remove(id);
        forgetting.accept(id);
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public List<Envelope> claimDue(int max) throws IOException {
        long now = clock.millis();
        List<Envelope> out = new ArrayList<>();
        try (Connection c = db.getConnection();
             PreparedStatement p = c.prepareStatement("UPDATE message m SET lease_node = ?, lease_until_ms = ? "
                     + "FROM (SELECT id FROM message WHERE finished_ms IS NULL AND NOT held AND next_attempt_ms <= ? "
                     + "AND (lease_until_ms IS NULL OR lease_until_ms < ?) ORDER BY next_attempt_ms LIMIT ? "
                     + "FOR UPDATE SKIP LOCKED) due WHERE m.id = due.id RETURNING m.id, m.envelope, m.headers, m.chunks, "
                     // what the attempt reads comes with the claim, as with a lease by id
                     + "(SELECT b.data FROM body_chunk b WHERE b.id = m.id AND b.seq = 0 AND m.chunks = 1)")) {
            p.setString(1, node);
            p.setLong(2, now + leaseMillis);
            p.setLong(3, now);
            p.setLong(4, now);
            p.setInt(5, max);
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    QueueId id = new QueueId(r.getString(1));
                    try {
                        out.add(EnvelopeCodec.decode(r.getBytes(2)));
                        held.put(id, now + leaseMillis);
                        prefetch.claimed(id); // counts against the prefetch until a worker starts it
                        taken.row(id, r.getBytes(2), r.getBytes(3), r.getInt(4), r.getBytes(5));
                    } catch (EnvelopeCodec.CorruptException e) {
                        log.error("{}: unreadable envelope in the database, left alone: {}", id, e.getMessage());
                    }
                }
            }
        } catch (SQLException e) {
            throw PgSpool.failure("cannot claim due messages", e);
        }
        return out;
    }

    @Override
    public void awaitWork(Duration max) throws InterruptedException {
        long waitMillis = max.toMillis();
        try {
            long next = nextDue();
            if (next > 0) {
                waitMillis = Math.max(1, Math.min(waitMillis, next - clock.millis()));
            }
        } catch (IOException e) {
            // the database is away: wait the whole interval, then try again
        }
        synchronized (wake) {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
            while (!woken && running) {
                long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                if (left <= 0) {
                    break;
                }
                wake.wait(left);
            }
            woken = false;
        }
    }

    /** The earliest next attempt among messages nobody holds (0: none). */
    private long nextDue() throws IOException {
        try (Connection c = db.getConnection();
             PreparedStatement p = c.prepareStatement("SELECT min(next_attempt_ms) FROM message "
                     + "WHERE finished_ms IS NULL AND NOT held AND lease_until_ms IS NULL");
             ResultSet r = p.executeQuery()) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            throw PgSpool.failure("cannot read the next due time", e);
        }
    }

    @Override
    public int flushAll() throws IOException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            int n;
            try (PreparedStatement p = c.prepareStatement(
                    "UPDATE message SET next_attempt_ms = ? WHERE finished_ms IS NULL AND next_attempt_ms > ?")) {
                p.setLong(1, clock.millis());
                p.setLong(2, clock.millis());
                n = p.executeUpdate();
            }
            notifyOthers(c);
            c.commit();
            return n;
        } catch (SQLException e) {
            throw PgSpool.failure("cannot flush the queue", e);
        }
    }

    /** Within a transaction: every node's {@link #awaitWork} wakes when it commits. */
    static void notifyOthers(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("NOTIFY " + CHANNEL);
        }
    }

    /** Extends the leases of the messages this node holds: attempted now or waiting for a worker. */
    void renew() {
        if (held.isEmpty()) {
            return;
        }
        long until = clock.millis() + leaseMillis;
        List<QueueId> ids = List.copyOf(held.keySet());
        try (Connection c = db.getConnection();
             PreparedStatement p = c.prepareStatement("UPDATE message SET lease_until_ms = ? "
                     + "WHERE lease_node = ? AND id = ANY(?) AND finished_ms IS NULL RETURNING id")) {
            Array array = c.createArrayOf("text", ids.stream().map(QueueId::value).toArray());
            p.setLong(1, until);
            p.setString(2, node);
            p.setArray(3, array);
            List<QueueId> renewed = new ArrayList<>();
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    renewed.add(new QueueId(r.getString(1)));
                }
            }
            for (QueueId id : renewed) {
                held.computeIfPresent(id, (k, v) -> until);
            }
        } catch (SQLException | RuntimeException e) {
            log.warn("cannot renew this node's leases ({} message(s)): {}", ids.size(), e.toString());
        }
    }

    /** LISTEN on one connection of the pool; reconnects after a failure. */
    private void listen() {
        while (running) {
            try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
                s.execute("LISTEN " + CHANNEL);
                PGConnection pg = c.unwrap(PGConnection.class);
                signal(); // (re)connected: whatever was announced meanwhile is looked at now
                while (running) {
                    PGNotification[] got = pg.getNotifications(1000);
                    if (got != null && got.length > 0) {
                        signal();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (running) {
                    log.debug("queue notifications: {}", e.toString());
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }

    private void signal() {
        synchronized (wake) {
            woken = true;
            wake.notifyAll();
        }
    }

    @Override
    public void close() {
        running = false;
        renewal.shutdownNow();
        signal();
        if (listener != null) {
            listener.interrupt();
        }
    }
}
