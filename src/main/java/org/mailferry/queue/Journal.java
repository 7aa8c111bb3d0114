package org.mailferry.queue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;

/**
 * The spool's fast lane: a small message is appended, envelope and body in one record
 * ({@link JournalRecord}), to a shared segment file ({@link Segments}), and one fdatasync makes
 * every record appended before it durable. So a message costs a write and a share of one sync, not
 * two files, two fsyncs and renames. A message lives here from its commit until its first attempt
 * ends: delivered (a DONE mark), deferred or held (moved to queue files, a MOVED mark) or deleted (a
 * REMOVED mark). A mark for a message that is not simply delivered (removed, bounced, expired,
 * deleted by an operator) is synced; DONE after a delivery and MOVED are not: losing one replays
 * the message (delivered twice, never lost), and a MOVED message found in queue/ is not replayed.
 * <p>
 * After a failed write or sync, a segment takes no more appends: on Linux a failed fdatasync drops
 * the pages it could not write, so the segment may hold a gap, and a later sync says nothing about
 * them. Every message whose sync did not succeed before the failure is refused (451), the next
 * commit starts a new segment, and that segment begins with a SEAL record: the broken segment is
 * valid only up to the end its last good sync covered, so a refused message is not replayed once
 * the seal is durable (with the new segment's first good sync, before any later 250). A scan skips
 * unreadable bytes forward to the next valid record ({@link JournalScan}). Segments are deleted
 * oldest first once none of their messages is live, since a mark may sit in a newer segment than
 * its message but never in an older one.
 */
final class Journal {
    /**
     * A live message: where its body is, its envelope as committed, and its header block when
     * kept from the commit (null past {@link #HEADERS_BUDGET_BYTES}, or read back at a start).
     */
    record Entry(Segment segment, long bodyPosition, int bodyLength, Envelope envelope, byte[] headers) {
    }

    /**
     * Memory for the header blocks of live messages, kept from their commit so that the first
     * attempt's event and history record do not read them back from the segment (two reads of the
     * body's start per message before, issue 19); a backlog beyond it is read back as before.
     */
    static final long HEADERS_BUDGET_BYTES = 4L << 20;

    private final AtomicLong headersBudget = new AtomicLong(HEADERS_BUDGET_BYTES);

    private final Segments segments;
    private final Map<QueueId, Entry> live = new ConcurrentHashMap<>();
    private volatile boolean loaded;

    Journal(Path dir, Disk disk, long segmentBytes) {
        this.segments = new Segments(dir, disk, segmentBytes);
    }

    /** Reads every segment (once): the live messages and, per segment, how many are live. */
    void load(Predicate<QueueId> movedOut) throws IOException {
        if (loaded) {
            return; // the common case, on every lookup: no lock (appends hold it while they write)
        }
        synchronized (this) {
            if (!loaded) {
                read(movedOut);
            }
        }
    }

    private void read(Predicate<QueueId> movedOut) throws IOException {
        JournalScan.Result r = segments.recover();
        if (r != null) {
            for (Entry e : r.entries().values()) {
                if (movedOut.test(e.envelope().id())) {
                    continue; // moved to queue files; its MOVED mark was lost in a crash
                }
                e.segment().live.incrementAndGet();
                live.put(e.envelope().id(), e);
            }
        }
        loaded = true;
    }

    Entry find(QueueId id) {
        return live.get(id);
    }

    Collection<Entry> entries() {
        return live.values();
    }

    int size() {
        return live.size();
    }

    /**
     * Appends a message and returns once it is durable (a group fdatasync). Throws when its write
     * or its sync failed, or any sync of its segment failed before its own succeeded: then it is
     * not acknowledged, and it will not come back at the next start.
     */
    Entry append(Envelope env, byte[] body, int bodyLength, byte[] headers) throws IOException {
        byte[] envBytes = EnvelopeCodec.encode(env);
        Segments.Written w = segments.append(JournalRecord.message(env.id(), envBytes, body, bodyLength));
        Segment s = w.segment();
        Entry e = new Entry(s, w.position() + JournalRecord.bodyOffset(envBytes), bodyLength, env, keep(headers));
        try {
            s.sync.await(w.epoch());
        } catch (IOException failed) {
            segments.brokenBySync(s, failed);
            if (s.syncFailed && e.bodyPosition() + bodyLength <= s.syncedSize) {
                // a good sync covered its bytes before the failure (its ticket came just too late
                // to tell): durable, and inside the valid end, so it would come back: acknowledge it
                live.put(env.id(), e);
                return e;
            }
            release(e);
            s.live.decrementAndGet(); // past the segment's valid end: the seal keeps it out
            segments.seal();
            throw failed;
        }
        live.put(env.id(), e);
        return e;
    }

    /**
     * Ends a live message's stay with a mark ({@link JournalRecord#DONE}, {@code MOVED} or
     * {@code REMOVED}); false when it was not live. With {@code durable} the mark is synced before
     * this returns (a deleted or bounced message must not come back); without, a lost mark replays
     * the message (see the class comment).
     */
    boolean end(byte type, QueueId id, boolean durable) throws IOException {
        Entry e = live.remove(id);
        if (e == null) {
            return false;
        }
        release(e);
        Segments.Written w = segments.mark(JournalRecord.mark(type, id), e.segment());
        if (durable) {
            try {
                w.segment().sync.await(w.epoch());
            } catch (IOException failed) {
                segments.brokenBySync(w.segment(), failed);
                throw failed;
            }
        }
        return true;
    }

    /** {@code headers} if the budget has room for them, else null. */
    private byte[] keep(byte[] headers) {
        if (headers == null) {
            return null;
        }
        long left = headersBudget.addAndGet(-headers.length);
        if (left < 0) {
            headersBudget.addAndGet(headers.length);
            return null;
        }
        return headers;
    }

    private void release(Entry e) {
        if (e.headers() != null) {
            headersBudget.addAndGet(e.headers().length);
        }
    }

    /** The budget left for kept header blocks (tests). */
    long headersBudget() {
        return headersBudget.get();
    }

    /** The body of a live message, read from its segment with positional reads. */
    InputStream body(Entry e) throws IOException {
        return e.segment().read(e.bodyPosition(), e.bodyLength());
    }

    /** Closes the segments (the daemon stops); live messages stay for the next start. */
    void close() {
        segments.close();
    }
}
