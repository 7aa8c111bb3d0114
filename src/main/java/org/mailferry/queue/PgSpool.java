package org.mailferry.queue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;

/**
 * The queue and its history in PostgreSQL (queue.backend = "postgresql"), shared by every node
 * that points at the same database: one {@code message} row per message (the envelope in
 * EnvelopeCodec's format, the columns delivery selects on beside it) and its body in
 * {@code body_chunk} rows ({@link PgIncoming}, {@link PgBody}). Each method is one transaction;
 * the commit of a new message is acknowledged only after PostgreSQL reports its commit durable
 * (synchronous_commit = on, set on every connection by {@link PgPool}). Any database failure is an
 * IOException, as a disk's would be: the client gets 451 4.3.0 and delivery backs off.
 */
public final class PgSpool implements Storage {
    private final DataSource db;
    private final Clock clock;
    private final PgLeases leases;
    private final PgRouteCounters counters;
    private final PgOutbox outbox;
    private volatile CommitListener commitListener;
    /** Memory the messages this node accepted and holds may take in {@link #fresh}. */
    private static final long FRESH_BYTES = 32L << 20;
    /**
     * What this node just committed and leased to itself, kept until its first attempt ends: the
     * attempt then reads nothing back from the database (its envelope and body are as committed,
     * and no other node may change them while the lease holds). Dropped when the lease is
     * released, or when it must be taken again from the database (it may have lapsed meanwhile).
     */
    private final java.util.Map<QueueId, Fresh> fresh = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong freshBytes = new java.util.concurrent.atomic.AtomicLong();

    private record Fresh(Envelope envelope, byte[] body, byte[] headers) {
        long bytes() {
            return body.length + headers.length + 1024L;
        }
    }

    /** @param db a pool whose schema {@link PgSchema#migrate} brought to its version; closed with this */
    public PgSpool(DataSource db, Clock clock, PgLeases leases) {
        this.db = db;
        this.clock = clock;
        this.leases = leases;
        this.counters = new PgRouteCounters(db, leases.node(), leases.leaseTime(), clock);
        this.outbox = new PgOutbox(db);
        leases.onForget(this::dropFresh);
        leases.onTake(this::keepTaken);
    }

    /** A lease taken by id came with the row: kept like a fresh message, so the attempt reads nothing back. */
    private void keepTaken(QueueId id, byte[] envelope, byte[] headers, int chunks, byte[] first) {
        if (chunks > 1 || envelope == null) {
            return; // a large body is streamed from its chunks, as before
        }
        Envelope env;
        try {
            env = EnvelopeCodec.decode(envelope);
        } catch (EnvelopeCodec.CorruptException e) {
            return; // load reports it
        }
        keep(new Fresh(env, chunks == 0 || first == null ? new byte[0] : first, headers == null ? new byte[0] : headers));
    }

    private void keep(Fresh f) {
        if (freshBytes.addAndGet(f.bytes()) <= FRESH_BYTES) {
            Fresh old = fresh.put(f.envelope().id(), f);
            if (old != null) {
                freshBytes.addAndGet(-old.bytes());
            }
        } else {
            freshBytes.addAndGet(-f.bytes());
        }
    }

    /** The webhook outbox in this database: rows owed to a state change are written with it. */
    public PgOutbox outbox() {
        return outbox;
    }

    /** The routes' quota counters in this database, shared with the other nodes (not yet renewing). */
    public PgRouteCounters routeCounters() {
        return counters;
    }

    private void dropFresh(QueueId id) {
        Fresh f = fresh.remove(id);
        if (f != null) {
            freshBytes.addAndGet(-f.bytes());
        }
    }

    /**
     * A reload: connections opened from now on log in with {@code password} (read again from
     * queue.postgresql_password_file or _command; "" for none); the pool's idle connections are
     * replaced at once, the busy ones when their statement is done.
     */
    public void usePassword(String password) {
        PgPool.usePassword(db, password);
    }

    @Override
    public PgLeases leases() {
        return leases;
    }

    /** Nothing to recover: an uncommitted message left nothing in the database. */
    @Override
    public int recover() {
        return 0;
    }

    @Override
    public int removeOrphanBodies() {
        return 0;
    }

    @Override
    public void close() {
        leases.close();
        counters.close();
        if (db instanceof AutoCloseable pool) {
            try {
                pool.close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger("mailferry").warn("closing the database pool: {}", e.toString());
            }
        }
    }

    @Override
    public void onCommit(CommitListener listener) {
        this.commitListener = listener;
    }

    /** A database failure as an IOException naming what was being done (never with a password). */
    static IOException failure(String doing, SQLException e) {
        // the pool's "connection is not available" says why only in its cause (the driver's last error)
        SQLException why = e.getCause() instanceof SQLException cause ? cause : e;
        String state = why.getSQLState() == null ? "" : " [SQLSTATE " + why.getSQLState() + "]";
        return new IOException("PostgreSQL: " + doing + ": " + why.getMessage() + state, e);
    }

    @Override
    public Incoming create() {
        return new PgIncoming(QueueId.next(clock.millis()), db);
    }

    @Override
    public void commit(Incoming incoming, Envelope envelope) throws IOException {
        PgIncoming in = (PgIncoming) incoming;
        byte[] headers = in.headers();
        CommitListener listener = commitListener;
        CommitListener.After after = listener == null ? null : listener.committing(envelope, headers);
        long leaseUntil = envelope.held() ? 0 : leases.leaseAtCommit(envelope.id());
        try {
            if (in.large()) {
                Connection c = in.finishLarge();
                try (PreparedStatement p = c.prepareStatement("INSERT INTO message (" + COLUMNS + ") VALUES ("
                        + "?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    row(p, 1, envelope, headers, in.chunks(), leaseUntil);
                    p.executeUpdate();
                }
                PgOutbox.insert(c, outbox.take(envelope.id())); // the "received" webhook, same transaction
                if (leaseUntil == 0) {
                    PgLeases.notifyOthers(c); // this node is busy: another one takes it
                }
                c.commit();
            } else {
                byte[] body = in.small();
                // one statement, one round trip, committed on its own (autocommit): the body's chunk,
                // the row and, when this node leaves the message to the others, their wake-up call
                try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                        "WITH b AS (INSERT INTO body_chunk (id, seq, data) SELECT ?, 0, ? WHERE ?), "
                                + "m AS (INSERT INTO message (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                + "RETURNING id), " + PgOutbox.CTE.formatted("m") + " SELECT "
                                + (leaseUntil == 0 ? "pg_notify('" + PgLeases.CHANNEL + "', '')" : "1") + " FROM m")) {
                    p.setString(1, envelope.id().value());
                    p.setBytes(2, body);
                    p.setBoolean(3, body.length > 0);
                    row(p, 4, envelope, headers, in.chunks(), leaseUntil);
                    PgOutbox.bind(c, p, 13, outbox.take(envelope.id())); // its "received" webhook
                    p.executeQuery().close();
                }
                if (leaseUntil != 0) {
                    keep(new Fresh(envelope, body, headers));
                }
            }
            in.committed = true;
            if (leaseUntil == 0 && !envelope.held()) {
                leases.overflowed(envelope.id());
            }
        } catch (SQLException e) {
            leases.forget(envelope.id());
            if (after != null) {
                after.failed();
            }
            throw failure("cannot queue " + envelope.id(), e);
        } catch (IOException | RuntimeException e) {
            leases.forget(envelope.id());
            if (after != null) {
                after.failed();
            }
            throw e;
        } finally {
            in.close();
        }
        if (after != null) {
            after.committed();
        }
    }

    private static final String COLUMNS = "id, envelope, headers, message_id, next_attempt_ms, held, chunks, "
            + "lease_node, lease_until_ms";

    /** The message row's values, from parameter {@code i} on (the nine of {@link #COLUMNS}). */
    private void row(PreparedStatement p, int i, Envelope envelope, byte[] headers, int chunks, long leaseUntil)
            throws SQLException {
        p.setString(i, envelope.id().value());
        p.setBytes(i + 1, EnvelopeCodec.encode(envelope));
        p.setBytes(i + 2, headers);
        String mid = HeaderBlock.field(headers, "Message-ID");
        p.setString(i + 3, mid == null ? null : MessageIds.bare(mid));
        p.setLong(i + 4, envelope.nextAttempt().toEpochMilli());
        p.setBoolean(i + 5, envelope.held());
        p.setInt(i + 6, chunks);
        p.setString(i + 7, leaseUntil == 0 ? null : leases.node());
        if (leaseUntil == 0) {
            p.setNull(i + 8, java.sql.Types.BIGINT);
        } else {
            p.setLong(i + 8, leaseUntil);
        }
    }

    @Override
    public Envelope load(QueueId id) throws IOException {
        Fresh f = fresh.get(id);
        if (f != null) {
            return f.envelope();
        }
        byte[] bytes = one("SELECT envelope FROM message WHERE id = ? AND finished_ms IS NULL", id);
        if (bytes == null) {
            throw new NoSuchFileException(id + ": not queued");
        }
        return decode(id, bytes);
    }

    private static Envelope decode(QueueId id, byte[] bytes) throws IOException {
        try {
            return EnvelopeCodec.decode(bytes);
        } catch (EnvelopeCodec.CorruptException e) {
            throw new IOException(id + ": unreadable envelope in the database: " + e.getMessage());
        }
    }

    /** The first column of the one row for {@code id}, or null when there is none. */
    private byte[] one(String sql, QueueId id) throws IOException {
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            p.setString(1, id.value());
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getBytes(1) : null;
            }
        } catch (SQLException e) {
            throw failure("cannot read " + id, e);
        }
    }

    @Override
    public void update(Envelope envelope) throws IOException {
        boolean dueNow = !envelope.held() && !envelope.isFinished() && !envelope.nextAttempt().isAfter(clock.instant());
        // due now (a flush, a release): whichever node is idle takes it, woken in the same statement
        int rows = change("WITH u AS (UPDATE message SET envelope = ?, next_attempt_ms = ?, held = ?, lease_node = NULL, "
                + "lease_until_ms = NULL WHERE id = ? AND finished_ms IS NULL RETURNING 1), "
                + PgOutbox.CTE.formatted("u") + " SELECT "
                + (dueNow ? "pg_notify('" + PgLeases.CHANNEL + "', '')" : "1") + " FROM u", envelope, false);
        if (rows == 0) {
            throw new NoSuchFileException(envelope.id() + ": not queued");
        }
    }

    @Override
    public void remove(QueueId id) throws IOException {
        leases.release(id);
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "WITH b AS (DELETE FROM body_chunk WHERE id = ?) DELETE FROM message WHERE id = ?")) {
            p.setString(1, id.value());
            p.setString(2, id.value());
            p.executeUpdate();
        } catch (SQLException e) {
            throw failure("cannot remove " + id, e);
        }
    }

    @Override
    public void retire(Envelope finished) throws IOException {
        change("WITH b AS (DELETE FROM body_chunk WHERE id = ?), u AS (UPDATE message SET envelope = ?, "
                + "next_attempt_ms = ?, held = ?, lease_node = NULL, lease_until_ms = NULL, finished_ms = ? "
                + "WHERE id = ? AND finished_ms IS NULL RETURNING 1), " + PgOutbox.CTE.formatted("u")
                + " SELECT 1 FROM u", finished, true);
    }

    /**
     * One statement, committed on its own: the envelope's row rewritten (and, retiring, its body
     * deleted and the time it finished noted) with the webhooks the change owes; returns the rows
     * changed. The lease ends with it.
     */
    private int change(String sql, Envelope e, boolean retiring) throws IOException {
        leases.release(e.id());
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
            int i = 1;
            if (retiring) {
                p.setString(i++, e.id().value());
            }
            p.setBytes(i++, EnvelopeCodec.encode(e));
            p.setLong(i++, e.nextAttempt().toEpochMilli());
            p.setBoolean(i++, e.held());
            if (retiring) {
                p.setLong(i++, clock.millis());
            }
            p.setString(i, e.id().value());
            PgOutbox.bind(c, p, i + 1, outbox.take(e.id()));
            int rows = 0;
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    rows++;
                }
            }
            return rows;
        } catch (SQLException x) {
            throw failure("cannot update " + e.id(), x);
        }
    }

    @Override
    public List<QueueId> ids() throws IOException {
        List<QueueId> out = new ArrayList<>();
        try (Connection c = db.getConnection();
             PreparedStatement p = c.prepareStatement("SELECT id FROM message WHERE finished_ms IS NULL");
             ResultSet r = p.executeQuery()) {
            while (r.next()) {
                out.add(new QueueId(r.getString(1)));
            }
        } catch (SQLException e) {
            throw failure("cannot list the queue", e);
        }
        return out;
    }

    @Override
    public void forEach(Consumer<Envelope> each) throws IOException {
        rows("SELECT id, envelope, headers FROM message WHERE finished_ms IS NULL", (env, headers) -> each.accept(env));
    }

    /** Streams rows of (id, envelope, headers) through a cursor (fetch size 500); unreadable ones logged and skipped. */
    private void rows(String sql, BiConsumer<Envelope, byte[]> each) throws IOException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false); // a cursor: pgjdbc fetches in batches only inside a transaction
            try (PreparedStatement p = c.prepareStatement(sql)) {
                p.setFetchSize(500);
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        QueueId id = new QueueId(r.getString(1));
                        Envelope env;
                        try {
                            env = decode(id, r.getBytes(2));
                        } catch (IOException e) {
                            org.slf4j.LoggerFactory.getLogger("mailferry").warn("{}", e.getMessage());
                            continue;
                        }
                        each.accept(env, r.getBytes(3));
                    }
                }
            }
            c.commit();
        } catch (SQLException e) {
            throw failure("cannot read the queue", e);
        }
    }

    /** The row's chunk count and its first chunk in one query; the rest, if any, one query each. */
    @Override
    public InputStream openBody(QueueId id) throws IOException {
        Fresh f = fresh.get(id);
        if (f != null) {
            return new java.io.ByteArrayInputStream(f.body());
        }
        try (Connection c = db.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT m.chunks, b.data FROM message m LEFT JOIN body_chunk b ON b.id = m.id AND b.seq = 0 "
                        + "WHERE m.id = ? AND m.finished_ms IS NULL")) {
            p.setString(1, id.value());
            try (ResultSet r = p.executeQuery()) {
                if (!r.next()) {
                    throw new NoSuchFileException(id + ": not queued");
                }
                int chunks = r.getInt(1);
                byte[] first = r.getBytes(2);
                if (chunks <= 1) {
                    return new java.io.ByteArrayInputStream(first == null ? new byte[0] : first);
                }
                return new BufferedInputStream(new PgBody(db, id, chunks), 8192);
            }
        } catch (SQLException e) {
            throw failure("cannot read the body of " + id, e);
        }
    }

    // History: the same rows, finished ones included

    @Override
    public Envelope find(QueueId id) throws IOException {
        byte[] bytes = one("SELECT envelope FROM message WHERE id = ?", id);
        return bytes == null ? null : decode(id, bytes);
    }

    @Override
    public byte[] headers(QueueId id) throws IOException {
        Fresh f = fresh.get(id);
        if (f != null) {
            return f.headers();
        }
        byte[] bytes = one("SELECT headers FROM message WHERE id = ?", id);
        return bytes == null ? new byte[0] : bytes;
    }

    /** From the message_id index; the newest message when several carry the same Message-ID. */
    @Override
    public QueueId findMessageId(String messageId) throws IOException {
        try (Connection c = db.getConnection();
             PreparedStatement p = c.prepareStatement(
                     "SELECT id FROM message WHERE message_id = ? ORDER BY id DESC LIMIT 1")) {
            p.setString(1, MessageIds.bare(messageId));
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? new QueueId(r.getString(1)) : null;
            }
        } catch (SQLException e) {
            throw failure("cannot look up a Message-ID", e);
        }
    }

    @Override
    public void forEachFinished(BiConsumer<Envelope, byte[]> each) throws IOException {
        rows("SELECT id, envelope, headers FROM message WHERE finished_ms IS NOT NULL", each);
    }

    @Override
    public int sweepFinished(Instant before) throws IOException {
        try (Connection c = db.getConnection();
             PreparedStatement p = c.prepareStatement("DELETE FROM message WHERE finished_ms < ?")) {
            p.setLong(1, before.toEpochMilli());
            return p.executeUpdate();
        } catch (SQLException e) {
            throw failure("cannot sweep finished messages", e);
        }
    }

    /** The number of queued messages (every node's), or -1 when the database cannot be asked. */
    @Override
    public List<String> clusterSummary() throws IOException {
        return PgClusterView.describe(db, clock.millis());
    }

    @Override
    public long count() {
        try (Connection c = db.getConnection();
             PreparedStatement p = c.prepareStatement("SELECT count(*) FROM message WHERE finished_ms IS NULL");
             ResultSet r = p.executeQuery()) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }
}
