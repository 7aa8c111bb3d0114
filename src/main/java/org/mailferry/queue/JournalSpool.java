package org.mailferry.queue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.message.Recipient;

/**
 * The spool Mailferry runs on, both the queue and its history: messages up to a size limit go to
 * the {@link Journal} (one append and a shared fdatasync each), larger ones and every message whose
 * first attempt did not finish it live in the {@link FileSpool}'s files. A journal message's body
 * is held in memory only while it is received, within a total budget; past the limit or the budget
 * it spills to a spool file. Finished messages are kept by where they finished from: the
 * {@link FileSpool}'s {@link FinishedFiles}, or the {@link HistoryLog}; Message-IDs are indexed in
 * memory ({@link MessageIds}).
 */
public final class JournalSpool implements Storage {
    /** Memory all messages being received may hold at once before they go to files instead. */
    private static final long BUDGET_BYTES = 32L << 20;
    private static final long SEGMENT_BYTES = 64L << 20;

    private final FileSpool files;
    private final Journal journal;
    private final HistoryLog historyLog;
    private final Clock clock;
    private final long maxBytes;
    private final AtomicLong budget = new AtomicLong(BUDGET_BYTES);
    private volatile CommitListener commitListener;
    private final MessageIds messageIds = new MessageIds();

    /** @param maxJournalBytes the largest message kept in the journal; 0 keeps every message in files */
    public JournalSpool(Path root, Clock clock, long maxJournalBytes) throws IOException {
        this(root, clock, maxJournalBytes, Disk.system());
    }

    /** @param disk how files are opened and directories synced ({@link Disk#system()}; tests inject faults) */
    public JournalSpool(Path root, Clock clock, long maxJournalBytes, Disk disk) throws IOException {
        this(root, clock, maxJournalBytes, SEGMENT_BYTES, disk);
    }

    JournalSpool(Path root, Clock clock, long maxJournalBytes, long segmentBytes, Disk disk) throws IOException {
        this.files = new FileSpool(root, clock, disk);
        this.journal = new Journal(root.resolve("journal"), disk, segmentBytes);
        this.historyLog = new HistoryLog(root.resolve("done"), clock, disk);
        this.clock = clock;
        this.maxBytes = Math.min(maxJournalBytes, Integer.MAX_VALUE - (1 << 20));
    }

    public Path queueDirectory() {
        return files.queueDirectory();
    }

    /** The number of queued messages. */
    @Override
    public long count() {
        long n = files.count();
        try {
            return n < 0 ? n : n + journal().size();
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Start-up, before anything else uses the spool: removes tmp/ leftovers, notes the bodies
     * without an envelope, reads the journal (messages not yet attempted).
     */
    @Override
    public int recover() throws IOException {
        int removed = files.recover();
        journal();
        return removed;
    }

    /** Removes the bodies without an envelope that {@link #recover} found (in the background). */
    @Override
    public int removeOrphanBodies() throws IOException {
        return files.removeOrphanBodies();
    }

    /** The journal, read on first use (a command that only lists may never need it). */
    private Journal journal() throws IOException {
        journal.load(id -> Files.exists(files.queueDirectory().resolve(id.value() + FileSpool.ENV)));
        return journal;
    }

    private Journal.Entry entry(QueueId id) throws IOException {
        return journal().find(id);
    }

    @Override
    public Incoming create() throws IOException {
        return new Receiving(QueueId.next(clock.millis()), files, budget, maxBytes);
    }

    /** Who hears of each commit (the daemon's "received" events); set once, before the spool is used. */
    @Override
    public void onCommit(CommitListener listener) {
        this.commitListener = listener;
    }

    @Override
    public void commit(Incoming incoming, Envelope envelope) throws IOException {
        Receiving in = (Receiving) incoming;
        CommitListener listener = commitListener;
        byte[] headers = headers(in);
        CommitListener.After after = listener == null ? null : listener.committing(envelope, headers);
        try {
            if (in.spilled != null) {
                files.commit(in.spilled, envelope);
            } else {
                journal().append(envelope, in.buffer, in.length, headers);
            }
        } catch (IOException | RuntimeException e) {
            if (after != null) {
                after.failed();
            }
            throw e;
        }
        in.committed = true;
        in.release();
        messageIds.add(envelope.id(), headers);
        if (after != null) {
            after.committed();
        }
    }

    /** The header block of a message being received. */
    private byte[] headers(Receiving in) throws IOException {
        return in.spilled != null ? files.headers(in.spilled)
                : HeaderBlock.read(in.buffer, in.length);
    }

    @Override
    public void update(Envelope envelope) throws IOException {
        Journal.Entry e = entry(envelope.id());
        if (e == null) {
            files.update(envelope);
            return;
        }
        // the first attempt did not finish it: from now on it lives in files (retries rewrite only
        // the small envelope file there)
        try (InputStream body = journal.body(e)) {
            files.store(envelope, body);
        }
        journal.end(JournalRecord.MOVED, envelope.id(), false); // found in queue/ at the next start anyway
    }

    @Override
    public Envelope load(QueueId id) throws IOException {
        Journal.Entry e = entry(id);
        return e != null ? e.envelope() : files.load(id);
    }

    @Override
    public List<QueueId> ids() throws IOException {
        List<QueueId> out = new ArrayList<>(files.ids());
        for (Journal.Entry e : journal().entries()) {
            out.add(e.envelope().id());
        }
        return out;
    }

    @Override
    public void forEach(Consumer<Envelope> each) throws IOException {
        for (Journal.Entry e : journal().entries()) {
            each.accept(e.envelope());
        }
        files.forEach(each);
    }

    @Override
    public InputStream openBody(QueueId id) throws IOException {
        Journal.Entry e = entry(id);
        return e != null ? new BufferedInputStream(journal.body(e), 8192) : files.openBody(id);
    }

    @Override
    public void remove(QueueId id) throws IOException {
        if (!journal().end(JournalRecord.REMOVED, id, true)) {
            files.remove(id);
        }
        messageIds.remove(id);
    }

    @Override
    public void retire(Envelope finished) throws IOException {
        Journal.Entry e = entry(finished.id());
        if (e == null) {
            files.retire(finished);
            return;
        }
        historyLog.append(finished, headers(e));
        // delivered: a lost mark sends it again (cheap to risk, and the common case, so not synced);
        // bounced, expired or deleted: it must not come back, so the mark is synced
        boolean delivered = finished.recipients().stream().allMatch(r -> r.state() == Recipient.State.DELIVERED);
        journal.end(JournalRecord.DONE, finished.id(), !delivered);
    }

    // History: finished messages and lookups, over the same files

    @Override
    public Envelope find(QueueId id) throws IOException {
        Journal.Entry e = entry(id);
        if (e != null) {
            return e.envelope();
        }
        Envelope env = files.find(id);
        if (env != null) {
            return env;
        }
        HistoryLog.Finished f = historyLog.find(id);
        return f == null ? null : f.envelope();
    }

    @Override
    public byte[] headers(QueueId id) throws IOException {
        Journal.Entry e = entry(id);
        if (e == null) {
            byte[] headers = files.headers(id);
            if (headers.length == 0) {
                HistoryLog.Finished f = historyLog.find(id);
                return f == null ? headers : f.headers();
            }
            return headers;
        }
        return headers(e);
    }

    /** The header block of a queued message: a journal message's as kept from its commit. */
    @Override
    public byte[] headerBlock(QueueId id) throws IOException {
        Journal.Entry e = entry(id);
        return e != null ? headers(e) : files.headerBlock(id);
    }

    /** A journal message's header block: kept from its commit, or read from its segment. */
    private byte[] headers(Journal.Entry e) throws IOException {
        if (e.headers() != null) {
            return e.headers();
        }
        try (InputStream body = new BufferedInputStream(journal.body(e), 8192)) {
            return HeaderBlock.read(body);
        }
    }

    @Override
    public int sweepFinished(Instant before) throws IOException {
        int swept = files.finished().sweep(before) + historyLog.sweep(before);
        if (swept > 0) {
            messageIds.prune(this);
        }
        return swept;
    }

    /** From the in-memory index ({@link MessageIds}): reads no envelope once the index is built. */
    @Override
    public QueueId findMessageId(String messageId) throws IOException {
        return messageIds.find(this, this, messageId);
    }

    @Override
    public void forEachFinished(java.util.function.BiConsumer<Envelope, byte[]> each) throws IOException {
        files.finished().forEach(each);
        historyLog.forEach(each::accept);
    }

    /** One node: the spool lock keeps every other daemon off this spool. */
    @Override
    public Leases leases() {
        return Leases.SOLE;
    }

    /** Closes the journal's files (the daemon stops). */
    @Override
    public void close() {
        journal.close();
        historyLog.close();
    }
}
