package org.mailferry.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's segment files and their lifecycle, not what is in them: which segment takes
 * appends (a new one per process, when full, or after a failed write or sync), creating one
 * durably (its name synced), writing records at the end of it, the SEAL records owed for broken
 * segments, deleting segments once none of their messages is live, and listing them at start.
 * <pre>  SPOOL/journal/NNNNNNNNNNNNNNNN.log   (hex sequence, oldest first)</pre>
 * Every method that writes holds this object's lock; waiting for a sync ({@link Segment#sync}) is
 * done by the caller, outside it.
 */
final class Segments {
    private static final Logger log = LoggerFactory.getLogger("mailferry.spool");
    static final String SUFFIX = ".log";

    /** A record written: where, and the epoch of its segment's sync to await for it. */
    record Written(Segment segment, long position, long epoch) {
    }

    private final Path dir;
    private final Disk disk;
    private final long segmentBytes;
    private final Deque<Segment> segments = new ArrayDeque<>(); // oldest first; guarded by this
    private Segment current; // guarded by this; null until the first append
    private long nextSequence;
    private boolean sealsDue; // guarded by this
    private final int zeroChunk; // zeros written ahead of the records at a time (zeroAhead)
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

    Segments(Path dir, Disk disk, long segmentBytes) {
        this.dir = dir;
        this.disk = disk;
        this.segmentBytes = segmentBytes;
        this.zeroChunk = (int) Math.min(1 << 20, Math.max(4096, segmentBytes / 16));
    }

    /** The segments on disk, oldest first, read back ({@link JournalScan}); none when nothing was journaled. */
    synchronized JournalScan.Result recover() throws IOException {
        List<Segment> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return null; // nothing journaled yet (and a reader such as mailq must not create it)
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                try {
                    found.add(new Segment(p, Long.parseUnsignedLong(name.substring(0, name.length() - 4), 16)));
                } catch (NumberFormatException e) {
                    log.warn("{}: ignoring a file that is not a journal segment", p);
                }
            }
        }
        found.sort(Comparator.comparingLong(s -> s.sequence));
        JournalScan.Result r = JournalScan.replay(found);
        for (Segment s : found) {
            segments.addLast(s);
            nextSequence = s.sequence + 1;
        }
        if (r.skippedBytes() > 0) {
            log.warn("{}: journal read with {} unreadable byte(s) skipped", dir, r.skippedBytes());
        }
        return r;
    }

    /** Appends a message's record to the writable segment, counting it live there. */
    synchronized Written append(ByteBuffer... record) throws IOException {
        Segment s = writable();
        long epoch = s.sync.epoch();
        if (s.broken()) { // its sync failed just now (the flag is set before the epoch moves)
            s = writable();
            epoch = s.sync.epoch();
        }
        long pos = s.size;
        write(s, record, pos);
        s.live.incrementAndGet();
        return new Written(s, pos, epoch);
    }

    /**
     * Appends a mark ending a message that lives in {@code of} (tried once more in a new segment
     * when the write fails), then deletes the segments that no longer hold a live message.
     */
    synchronized Written mark(ByteBuffer record, Segment of) throws IOException {
        of.live.decrementAndGet();
        Segment s;
        long epoch;
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
        dropFinished();
        return new Written(s, -1, epoch);
    }

    /**
     * Makes the refusals durable now, if the disk lets it: a new segment with the SEAL records owed,
     * synced. When that fails too, the next commit tries again (and no 250 comes before it).
     */
    void seal() {
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
    synchronized void brokenBySync(Segment s, IOException failed) {
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

    /** Writes a record at {@code pos}; a failure closes the segment for appends. Call holding the lock. */
    private void write(Segment s, ByteBuffer record, long pos) throws IOException {
        write(s, new ByteBuffer[] {record}, pos);
    }

    /** The same for a record in parts (a large message's header and envelope, then its body), written in order. */
    private void write(Segment s, ByteBuffer[] record, long pos) throws IOException {
        int length = 0;
        for (ByteBuffer part : record) {
            length += part.remaining();
        }
        boolean interrupted = Thread.interrupted(); // an interrupt would close the shared channel
        try {
            long at = pos;
            for (ByteBuffer part : record) {
                while (part.hasRemaining()) {
                    at += s.writer.write(part, at);
                }
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
        if (s.size > s.zeroedEnd - zeroChunk / 2) {
            zeroAhead(s);
        }
    }

    /**
     * Writes zeros ahead of the records, as PostgreSQL fills its WAL segments: an fdatasync after a
     * write into blocks the file already has flushes the data alone, while one after an append
     * must also commit the file's new size and blocks to the file system's journal (on this
     * machine's ext4 0.09-0.14 ms against 0.19-0.31 ms per 4.6 KiB write and sync, bench/README.md).
     * Only a hint: a sync covers whatever it needs either way, so a failure here is ignored (and
     * stops the zeros for this segment). A scan takes the zeros after the last record as the end.
     */
    private void zeroAhead(Segment s) {
        long from = Math.max(s.zeroedEnd, s.size);
        boolean interrupted = Thread.interrupted();
        try {
            ByteBuffer zeros = ZEROS.duplicate().limit(zeroChunk);
            while (zeros.hasRemaining()) {
                s.writer.write(zeros, from + zeros.position());
            }
            s.zeroedEnd = from + zeroChunk;
        } catch (IOException e) {
            s.zeroedEnd = Long.MAX_VALUE; // the disk is full or failing: the records' own writes will tell
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
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
        Segment s = current; // (old segments are deleted after marks, in mark())
        if (sealsDue) {
            sealsDue = false;
            for (Segment b : segments) {
                long end = b.validEnd();
                if (b != s && b.broken() && (b.sealedAt != end || b.sealedIn != s)) {
                    try {
                        write(s, JournalRecord.seal(b.sequence, end), s.size);
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
        }, disk.syncThreads());
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
    private void dropFinished() {
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
            oldest.close();
            try {
                Files.deleteIfExists(oldest.path);
            } catch (IOException e) {
                log.warn("{}: cannot delete a finished journal segment: {}", oldest.path, e.toString());
            }
        }
    }

    /** Closes the segments (the daemon stops); live messages stay for the next start. */
    synchronized void close() {
        for (Segment s : segments) {
            s.close();
        }
    }
}
