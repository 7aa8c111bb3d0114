package org.mailferry.queue;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
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
 * queue files, a MOVED mark) or deleted (a REMOVED mark). Marks need no sync: losing one replays the
 * message (delivered twice, never lost), and a MOVED message found in queue/ is not replayed.
 * <pre>
 *   SPOOL/journal/NNNNNNNNNNNNNNNN.log   (hex sequence; each process that writes starts a new one)
 *   record: 00 'M' 'J' 01 | type | 12-byte id | int env length | int body length | int CRC32C
 *           of everything after the CRC... (type, id, lengths, envelope, body) | envelope | body
 * </pre>
 * Appends are serial (one lock), so when a record is durable every record before it is too: a scan
 * reads a segment to its first invalid record (a torn tail: never acknowledged) and stops there.
 * Segments are deleted oldest first once none of their messages is live, since a mark may sit in a
 * newer segment than its message but never in an older one.
 */
final class Journal {
    private static final Logger log = LoggerFactory.getLogger("mailferry.spool");
    static final int MAGIC = 0x004D4A01;
    static final int HEADER = 4 + 1 + 12 + 4 + 4 + 4;
    static final byte MESSAGE = 1;
    static final byte DONE = 2;
    static final byte MOVED = 3;
    static final byte REMOVED = 4;
    static final String SUFFIX = ".log";
    private static final int MAX_ENVELOPE = 16 << 20;

    /** A live message: where its body is, and its envelope as committed. */
    record Entry(Segment segment, long bodyPosition, int bodyLength, Envelope envelope) {
    }

    static final class Segment {
        final Path path;
        final long sequence;
        final AtomicInteger live = new AtomicInteger();
        FileChannel channel; // opened for reading on first use; the current segment also writes
        GroupSync sync;
        long size;

        Segment(Path path, long sequence) {
            this.path = path;
            this.sequence = sequence;
        }

        synchronized FileChannel reader() throws IOException {
            if (channel == null) {
                channel = FileChannel.open(path, StandardOpenOption.READ);
            }
            return channel;
        }
    }

    private final Path dir;
    private final long segmentBytes;
    private final Map<QueueId, Entry> live = new ConcurrentHashMap<>();
    private final Deque<Segment> segments = new ArrayDeque<>(); // oldest first; guarded by this
    private Segment current; // guarded by this; null until the first append
    private long nextSequence;
    private volatile boolean loaded;

    Journal(Path dir, long segmentBytes) {
        this.dir = dir;
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
        Map<QueueId, Entry> entries = new HashMap<>();
        for (Segment s : found) {
            scan(s, entries);
            segments.addLast(s);
            nextSequence = s.sequence + 1;
        }
        for (Entry e : entries.values()) {
            if (movedOut.test(e.envelope().id())) {
                continue; // moved to queue files; its MOVED mark was lost in a crash
            }
            e.segment().live.incrementAndGet();
            live.put(e.envelope().id(), e);
        }
        loaded = true;
    }

    private static void scan(Segment s, Map<QueueId, Entry> entries) throws IOException {
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(s.path), 65536)) {
            long pos = 0;
            while (true) {
                byte[] header = in.readNBytes(HEADER);
                if (header.length == 0) {
                    break;
                }
                ByteBuffer h = ByteBuffer.wrap(header);
                if (header.length < HEADER || h.getInt(0) != MAGIC) {
                    log.warn("{}: torn record at offset {} (never acknowledged): ignoring the rest", s.path, pos);
                    break;
                }
                byte type = h.get(4);
                String idText = new String(header, 5, 12, StandardCharsets.US_ASCII);
                int envLength = h.getInt(17);
                int bodyLength = h.getInt(21);
                if (envLength < 0 || envLength > MAX_ENVELOPE || bodyLength < 0 || !QueueId.isValid(idText)) {
                    log.warn("{}: bad record at offset {}: ignoring the rest", s.path, pos);
                    break;
                }
                byte[] env = in.readNBytes(envLength);
                CRC32C crc = new CRC32C();
                crc.update(header, 4, HEADER - 8);
                crc.update(env);
                long bodyPosition = pos + HEADER + envLength;
                long left = bodyLength;
                byte[] buf = new byte[8192];
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        break;
                    }
                    crc.update(buf, 0, n);
                    left -= n;
                }
                if (env.length < envLength || left > 0 || (int) crc.getValue() != h.getInt(25)) {
                    log.warn("{}: torn record at offset {} (never acknowledged): ignoring the rest", s.path, pos);
                    break;
                }
                QueueId id = new QueueId(idText);
                if (type == MESSAGE) {
                    try {
                        entries.put(id, new Entry(s, bodyPosition, bodyLength, EnvelopeCodec.decode(env)));
                    } catch (EnvelopeCodec.CorruptException e) {
                        log.warn("{}: {}: unreadable envelope in a valid record: {}", s.path, id, e.getMessage());
                    }
                } else {
                    entries.remove(id);
                }
                pos = bodyPosition + bodyLength;
            }
            s.size = pos;
        }
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

    /** Appends a message and returns once it is durable (a group fdatasync). */
    Entry append(Envelope env, byte[] body, int bodyLength) throws IOException {
        byte[] envBytes = EnvelopeCodec.encode(env);
        ByteBuffer record = record(MESSAGE, env.id(), envBytes, body, bodyLength);
        Segment s;
        long pos;
        synchronized (this) {
            s = writable();
            pos = s.size;
            write(s, record, pos);
            s.live.incrementAndGet();
        }
        Entry e = new Entry(s, pos + HEADER + envBytes.length, bodyLength, env);
        try {
            s.sync.await();
        } catch (IOException failed) {
            mark(REMOVED, e); // not acknowledged: must not come back at the next start
            throw failed;
        }
        live.put(env.id(), e);
        return e;
    }

    /** Ends a live message's stay (no sync: see the class comment); false when it was not live. */
    boolean end(byte type, QueueId id) throws IOException {
        Entry e = live.remove(id);
        if (e == null) {
            return false;
        }
        mark(type, e);
        return true;
    }

    private void mark(byte type, Entry e) throws IOException {
        ByteBuffer record = record(type, e.envelope().id(), new byte[0], new byte[0], 0);
        synchronized (this) {
            Segment s = writable();
            write(s, record, s.size);
            e.segment().live.decrementAndGet();
            dropFinishedSegments();
        }
    }

    /** The body of a live message, read from its segment with positional reads. */
    InputStream body(Entry e) throws IOException {
        FileChannel ch = e.segment().reader();
        return new InputStream() {
            private long pos = e.bodyPosition();
            private final long end = e.bodyPosition() + e.bodyLength();

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (pos >= end) {
                    return -1;
                }
                int n = ch.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - pos)), pos);
                if (n < 0) {
                    throw new EOFException(e.segment().path + ": ends inside a message body");
                }
                pos += n;
                return n;
            }
        };
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

    private void write(Segment s, ByteBuffer record, long pos) throws IOException {
        int length = record.remaining();
        try {
            while (record.hasRemaining()) {
                s.channel.write(record, pos + record.position());
            }
        } catch (IOException e) {
            try {
                s.channel.truncate(pos); // a partial record must not stay in front of the next one
            } catch (IOException ignored) {
                // the next append overwrites it; a scan stops at it at worst
            }
            throw e;
        }
        s.size = pos + length;
    }

    /** The segment this process appends to: a new one per process, rolled over when full. */
    private Segment writable() throws IOException {
        if (current != null && current.size < segmentBytes) {
            return current;
        }
        FileSpool.createPrivate(dir);
        Path p = dir.resolve(String.format("%016x", nextSequence) + SUFFIX);
        Segment s = new Segment(p, nextSequence++);
        s.channel = PrivateFiles.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileChannel ch = s.channel;
        s.sync = new GroupSync(() -> ch.force(false));
        GroupSync.ofDirectory(dir).await(); // the new file's name must survive a crash too
        segments.addLast(s);
        current = s;
        dropFinishedSegments();
        return s;
    }

    /** Deletes the oldest segments while none of their messages is live (and not the current one). */
    private void dropFinishedSegments() throws IOException {
        while (!segments.isEmpty()) {
            Segment oldest = segments.peekFirst();
            if (oldest == current || oldest.live.get() > 0) {
                return;
            }
            if (current != null) {
                current.channel.force(false); // marks of its messages may sit in the current segment
            }
            segments.removeFirst();
            synchronized (oldest) {
                if (oldest.channel != null) {
                    oldest.channel.close();
                }
            }
            try {
                Files.deleteIfExists(oldest.path);
            } catch (NoSuchFileException ignored) {
                // removed meanwhile
            }
        }
    }

    /** Closes the segments (the daemon stops); live messages stay for the next start. */
    synchronized void close() {
        for (Segment s : segments) {
            synchronized (s) {
                try {
                    if (s.channel != null) {
                        s.channel.close();
                    }
                } catch (IOException e) {
                    log.warn("{}: close: {}", s.path, e.toString());
                }
            }
        }
    }
}
