package org.mailferry.queue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool's fast lane: a small message is appended, envelope and body in one record, to a shared
 * segment file, and one fdatasync makes every record appended before it durable. So a message
 * costs a write and a share of one sync, not two files, two fsyncs and renames. A message lives here
 * from its commit until its first attempt ends: delivered (a DONE mark), deferred or held (moved to
 * queue files, a MOVED mark) or deleted (a REMOVED mark). A mark for a message that is not simply
 * delivered (removed, bounced, expired, deleted by an operator) is synced; DONE after a delivery
 * and MOVED are not: losing one replays the message (delivered twice, never lost), and a MOVED
 * message found in queue/ is not replayed.
 * <pre>
 *   SPOOL/journal/NNNNNNNNNNNNNNNN.log   (hex sequence; each process that writes starts a new one)
 *   record: 00 'M' 'J' 01 | type | 12-byte id | int env length | int body length | int CRC32C
 *           of everything after the CRC... (type, id, lengths, envelope, body) | envelope | body
 *   SEAL record: id unused, envelope = long sequence of a segment | long its valid end
 * </pre>
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
    private static final Logger log = LoggerFactory.getLogger("mailferry.spool");
    static final int MAGIC = 0x004D4A01;
    static final int HEADER = 4 + 1 + 12 + 4 + 4 + 4;
    static final byte MESSAGE = 1;
    static final byte DONE = 2;
    static final byte MOVED = 3;
    static final byte REMOVED = 4;
    static final byte SEAL = 5;
    static final String SUFFIX = ".log";
    private static final QueueId NO_ID = new QueueId("000000000000");

    /** A live message: where its body is, and its envelope as committed. */
    record Entry(Segment segment, long bodyPosition, int bodyLength, Envelope envelope) {
    }

    private final Path dir;
    private final Disk disk;
    private final long segmentBytes;
    private final Map<QueueId, Entry> live = new ConcurrentHashMap<>();
    private final Deque<Segment> segments = new ArrayDeque<>(); // oldest first; guarded by this
    private Segment current; // guarded by this; null until the first append
    private long nextSequence;
    private volatile boolean loaded;
    private volatile boolean sealsDue;

    Journal(Path dir, Disk disk, long segmentBytes) {
        this.dir = dir;
        this.disk = disk;
        this.segmentBytes = segmentBytes;
    }

    /** Reads every segment (once): the live messages and, per segment, how many are live. */
    void load(java.util.function.Predicate<QueueId> movedOut) throws IOException {
        if (loaded) {
            return; // the common case, on every lookup: no lock (appends hold it while they write)
        }
        synchronized (this) {
            if (!loaded) {
                read(movedOut);
            }
        }
    }

    private void read(java.util.function.Predicate<QueueId> movedOut) throws IOException {
        List<Segment> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.isDirectory(dir) ? Files.newDirectoryStream(dir, "*" + SUFFIX)
                : null) {
            if (ds == null) {
                loaded = true; // nothing journaled yet (and a reader such as mailq must not create it)
                return;
            }
            for (Path p : ds) {
                String name = p.getFileName().toString();
                try {
                    found.add(new Segment(p, Long.parseUnsignedLong(name.substring(0, name.length() - 4), 16)));
                } catch (NumberFormatException e) {
                    log.warn("{}: ignoring a file that is not a journal segment", p);
                }
            }
        }
        found.sort(java.util.Comparator.comparingLong(s -> s.sequence));
        JournalScan.Result r = JournalScan.replay(found);
        for (Segment s : found) {
            segments.addLast(s);
            nextSequence = s.sequence + 1;
        }
        if (r.skippedBytes() > 0) {
            log.warn("{}: journal read with {} unreadable byte(s) skipped", dir, r.skippedBytes());
        }
        for (Entry e : r.entries().values()) {
            if (movedOut.test(e.envelope().id())) {
                continue; // moved to queue files; its MOVED mark was lost in a crash
            }
            e.segment().live.incrementAndGet();
            live.put(e.envelope().id(), e);
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
    Entry append(Envelope env, byte[] body, int bodyLength) throws IOException {
        byte[] envBytes = EnvelopeCodec.encode(env);
        ByteBuffer record = record(MESSAGE, env.id(), envBytes, body, bodyLength);
        Segment s;
        long pos;
        long epoch;
        synchronized (this) {
            s = writable();
            epoch = s.sync.epoch();
            if (s.broken()) { // its sync failed just now (the flag is set before the epoch moves)
                s = writable();
                epoch = s.sync.epoch();
            }
            pos = s.size;
            write(s, record, pos);
            s.live.incrementAndGet();
        }
        Entry e = new Entry(s, pos + HEADER + envBytes.length, bodyLength, env);
        try {
            s.sync.await(epoch);
        } catch (IOException failed) {
            brokenBySync(s, failed);
            if (s.syncFailed && e.bodyPosition() + bodyLength <= s.syncedSize) {
                // a good sync covered its bytes before the failure (its ticket came just too late
                // to tell): durable, and inside the valid end, so it would come back: acknowledge it
                live.put(env.id(), e);
                return e;
            }
            s.live.decrementAndGet(); // past the segment's valid end: the seal keeps it out
            seal();
            throw failed;
        }
        live.put(env.id(), e);
        return e;
    }

    /**
     * Ends a live message's stay; false when it was not live. With {@code durable} the mark is
     * synced before this returns (a deleted or bounced message must not come back); without, a
     * lost mark replays the message (see the class comment).
     */
    boolean end(byte type, QueueId id, boolean durable) throws IOException {
        Entry e = live.remove(id);
        if (e == null) {
            return false;
        }
        ByteBuffer record = record(type, id, new byte[0], new byte[0], 0);
        Segment s;
        long epoch;
        synchronized (this) {
            e.segment().live.decrementAndGet();
            try {
                s = writable();
                epoch = s.sync.epoch();
                if (s.broken()) {
                    s = writable();
                    epoch = s.sync.epoch();
                }
                write(s, record.duplicate(), s.size);
            } catch (IOException first) {
                s = writable(); // once more, in a new segment
                epoch = s.sync.epoch();
                write(s, record, s.size);
            }
            dropFinishedSegments();
        }
        if (durable) {
            try {
                s.sync.await(epoch);
            } catch (IOException failed) {
                brokenBySync(s, failed);
                throw failed;
            }
        }
        return true;
    }

    /**
     * Makes the refusals durable now, if the disk lets it: a new segment with the SEAL records owed,
     * synced. When that fails too, the next commit tries again (and no 250 comes before it).
     */
    private void seal() {
        Segment c;
        long epoch;
        synchronized (this) {
            if (!sealsDue) {
                return;
            }
            try {
                c = writable();
                epoch = c.sync.epoch();
            } catch (IOException e) {
                return;
            }
        }
        try {
            c.sync.await(epoch);
        } catch (IOException e) {
            brokenBySync(c, e);
        }
    }

    /** A sync of the segment failed: it takes no more appends; logged once per segment. */
    private synchronized void brokenBySync(Segment s, IOException failed) {
        sealsDue = true;
        if (s == current) {
            current = null;
        }
        if (!s.failureLogged) {
            s.failureLogged = true;
            log.error("{}: sync failed: {}; every message in it not yet durable is refused (451 4.3.0), and it"
                    + " takes no more appends: the next commit starts a new segment", s.path, failed.getMessage());
        }
    }

    /** The body of a live message, read from its segment with positional reads. */
    InputStream body(Entry e) throws IOException {
        return e.segment().read(e.bodyPosition(), e.bodyLength());
    }

    private static ByteBuffer record(byte type, QueueId id, byte[] env, byte[] body, int bodyLength) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + env.length + bodyLength);
        b.putInt(MAGIC).put(type).put(id.value().getBytes(StandardCharsets.US_ASCII))
                .putInt(env.length).putInt(bodyLength);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 4, HEADER - 8);
        crc.update(env);
        crc.update(body, 0, bodyLength);
        b.putInt((int) crc.getValue()).put(env).put(body, 0, bodyLength).flip();
        return b;
    }

    /** Writes a record at {@code pos}; a failure closes the segment for appends. Call holding the lock. */
    private void write(Segment s, ByteBuffer record, long pos) throws IOException {
        int length = record.remaining();
        boolean interrupted = Thread.interrupted(); // an interrupt would close the shared channel
        try {
            while (record.hasRemaining()) {
                s.writer.write(record, pos + record.position());
            }
        } catch (IOException e) {
            s.writeFailedAt = s.writeFailedAt >= 0 ? Math.min(s.writeFailedAt, pos) : pos; // a partial record may stay behind it: the seal keeps it out
            sealsDue = true;
            if (current == s) {
                current = null;
            }
            if (!s.failureLogged) {
                s.failureLogged = true;
                log.error("{}: write failed at offset {}: {}; it takes no more appends: the next commit starts"
                        + " a new segment", s.path, pos, e.toString());
            }
            throw e;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        s.size = pos + length;
    }

    /**
     * The segment this process appends to: a new one per process, when full, or after a failed
     * write or sync; first writes the SEAL records owed for broken segments. Call holding the lock.
     */
    private Segment writable() throws IOException {
        if (current == null || current.size >= segmentBytes || current.broken()) {
            current = null;
            current = create();
        }
        Segment s = current; // (old segments are deleted after marks, in end())
        if (sealsDue) {
            sealsDue = false;
            for (Segment b : segments) {
                long end = b.validEnd();
                if (b != s && b.broken() && (b.sealedAt != end || b.sealedIn != s)) {
                    ByteBuffer seal = ByteBuffer.allocate(16).putLong(b.sequence).putLong(end);
                    try {
                        write(s, record(SEAL, NO_ID, seal.array(), new byte[0], 0), s.size);
                    } catch (IOException e) {
                        sealsDue = true;
                        throw e;
                    }
                    b.sealedAt = end;
                    b.sealedIn = s;
                }
            }
        }
        return s;
    }

    /** A new segment whose name is durable (the directory synced), or an exception and no file. */
    private Segment create() throws IOException {
        DurableFile.createDirectory(dir, disk);
        Path p = dir.resolve(String.format("%016x", nextSequence) + SUFFIX);
        Segment s = new Segment(p, nextSequence++);
        s.writer = disk.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel ch = s.writer;
        s.sync = new GroupSync(() -> {
            long end = s.size;
            try {
                ch.force(false);
            } catch (Throwable t) {
                s.syncFailed = true; // before any waiter learns of it, so no later sync moves syncedSize
                throw t;
            }
            if (!s.syncFailed) {
                s.syncedSize = end;
            }
        });
        try {
            GroupSync dirSync = GroupSync.ofDirectory(disk, dir);
            dirSync.await(dirSync.epoch()); // the new file's name must survive a crash too
        } catch (IOException e) {
            ch.close();
            Files.deleteIfExists(p);
            log.error("{}: cannot start a journal segment: {}", p, e.toString());
            throw e;
        }
        segments.addLast(s);
        return s;
    }

    /** Deletes the oldest segments while none of their messages is live (and not the current one). */
    private void dropFinishedSegments() {
        while (!segments.isEmpty()) {
            Segment oldest = segments.peekFirst();
            if (oldest == current || oldest.live.get() > 0) {
                return;
            }
            if (current != null) {
                try { // marks of its messages may sit in the current segment: durable before it goes
                    current.sync.await(current.sync.epoch());
                } catch (IOException e) {
                    brokenBySync(current, e);
                    return; // kept; tried again later
                }
            }
            segments.removeFirst();
            synchronized (oldest) {
                if (oldest.channel != null) {
                    try {
                        oldest.channel.close();
                    } catch (IOException ignored) {
                        // deleted below
                    }
                }
            }
            try {
                if (oldest.writer != null) {
                    oldest.writer.close();
                }
                Files.deleteIfExists(oldest.path);
            } catch (IOException e) {
                log.warn("{}: cannot delete a finished journal segment: {}", oldest.path, e.toString());
            }
        }
    }

    /** Closes the segments (the daemon stops); live messages stay for the next start. */
    synchronized void close() {
        for (Segment s : segments) {
            synchronized (s) {
                for (FileChannel ch : new FileChannel[] {s.channel, s.writer}) {
                    try {
                        if (ch != null) {
                            ch.close();
                        }
                    } catch (IOException e) {
                        log.warn("{}: close: {}", s.path, e.toString());
                    }
                }
            }
        }
    }
}
