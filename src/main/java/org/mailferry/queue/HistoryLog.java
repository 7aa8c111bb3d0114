package org.mailferry.queue;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The history of messages that finished straight from the journal: final envelope and header block,
 * appended to one log per hour, {@code done/history-yyyyMMddHH.log} (UTC, by the hour they finished),
 * never synced (losing history in a crash loses no message). An append costs one write to an open
 * file instead of two new files. A lookup by queue id reads the logs from the hour the message
 * arrived (the id says when) onwards; the most recent lookups and appends are kept in memory, so
 * the webhook and status lookups that follow a delivery read no file.
 * <pre>  record: int length of the id + envelope | int length of the headers | id | envelope | headers</pre>
 */
final class HistoryLog {
    private static final Logger log = LoggerFactory.getLogger("mailferry.spool");
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyyMMddHH").withZone(ZoneOffset.UTC);
    static final String PREFIX = "history-";
    private static final String SUFFIX = ".log";
    private static final int ID = 12;
    private static final int MAX_PART = 64 << 20;

    /** A finished message as kept. */
    record Finished(Envelope envelope, byte[] headers) {
    }

    /** What a scan of the logs hands over. */
    interface Visitor {
        void visit(Envelope envelope, byte[] headers);
    }

    private final Path dir;
    private final Clock clock;
    private String currentName; // guarded by this
    private volatile HourName named = new HourName(Long.MIN_VALUE, "");
    private FileChannel current;
    private final Map<QueueId, Finished> recent = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<QueueId, Finished> eldest) {
            return size() > 1024;
        }
    };

    private final Disk disk;

    HistoryLog(Path dir, Clock clock, Disk disk) {
        this.dir = dir;
        this.clock = clock;
        this.disk = disk;
    }

    synchronized void append(Envelope finished, byte[] headers) throws IOException {
        // Named by the later of now and the message's arrival: find() skips the logs named before
        // the arrival, and a clock stepped back (the id generator never goes back) must not hide it.
        Instant now = clock.instant();
        Instant arrived = arrival(finished.id());
        String name = name(arrived.isAfter(now) ? arrived : now);
        if (!name.equals(currentName) || !current.isOpen()) { // an interrupted writer closes it
            closeCurrent();
            current = disk.open(dir.resolve(name), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            currentName = name;
        }
        byte[] env = EnvelopeCodec.encode(finished);
        ByteBuffer b = ByteBuffer.allocate(8 + ID + env.length + headers.length);
        b.putInt(ID + env.length).putInt(headers.length)
                .put(finished.id().value().getBytes(StandardCharsets.US_ASCII)).put(env).put(headers).flip();
        boolean interrupted = Thread.interrupted(); // an interrupt would close the channel
        try {
            while (b.hasRemaining()) {
                current.write(b);
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        recent.put(finished.id(), new Finished(finished, headers));
    }

    /** "history-YYYYMMDDHH.log" of the hour {@code t} is in; the last hour's kept (one per message). */
    private String name(Instant t) {
        long hour = Math.floorDiv(t.toEpochMilli(), 3_600_000L);
        HourName last = named;
        if (last.hour() != hour) {
            last = new HourName(hour, PREFIX + HOUR.format(t) + SUFFIX);
            named = last;
        }
        return last.name();
    }

    private record HourName(long hour, String name) {
    }

    /** A finished message by id, or null. */
    Finished find(QueueId id) throws IOException {
        synchronized (this) {
            Finished f = recent.get(id);
            if (f != null) {
                return f;
            }
        }
        String from = name(arrival(id));
        Finished[] found = {null};
        for (Path p : logs()) {
            if (p.getFileName().toString().compareTo(from) >= 0 && found[0] == null) {
                scan(p, id, (env, headers) -> found[0] = new Finished(env, headers));
            }
        }
        if (found[0] != null) {
            synchronized (this) {
                recent.put(id, found[0]);
            }
        }
        return found[0];
    }

    void forEach(Visitor each) throws IOException {
        for (Path p : logs()) {
            scan(p, null, each);
        }
    }

    /** Deletes the logs last written before {@code before}; returns how many messages they held. */
    synchronized int sweep(Instant before) throws IOException {
        int n = 0;
        for (Path p : logs()) {
            try {
                if (Files.getLastModifiedTime(p).toInstant().isBefore(before)) {
                    int[] count = {0};
                    scan(p, null, (env, headers) -> count[0]++);
                    if (p.getFileName().toString().equals(currentName)) {
                        closeCurrent(); // the next append starts the file again
                    }
                    Files.deleteIfExists(p);
                    n += count[0];
                }
            } catch (NoSuchFileException gone) {
                // swept meanwhile
            }
        }
        recent.clear();
        return n;
    }

    synchronized void close() {
        closeCurrent();
    }

    private void closeCurrent() {
        if (current != null) {
            try {
                current.close();
            } catch (IOException e) {
                log.warn("{}: close: {}", currentName, e.toString());
            }
        }
        current = null;
        currentName = null;
    }

    private List<Path> logs() throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
            ds.forEach(out::add);
        }
        out.sort(null);
        return out;
    }

    /** Reads one log; with {@code only} set, decodes only that message's record and stops there. */
    private static void scan(Path p, QueueId only, Visitor each) throws IOException {
        byte[] wanted = only == null ? null : only.value().getBytes(StandardCharsets.US_ASCII);
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(p), 65536))) {
            while (true) {
                int first;
                int headers;
                try {
                    first = in.readInt();
                    headers = in.readInt();
                } catch (EOFException end) {
                    return;
                }
                if (first < ID || first > MAX_PART || headers < 0 || headers > MAX_PART) {
                    log.warn("{}: unreadable record: ignoring the rest", p);
                    return;
                }
                byte[] id = in.readNBytes(ID);
                if (wanted != null && !java.util.Arrays.equals(id, wanted)) {
                    try {
                        in.skipNBytes(first - ID + (long) headers);
                    } catch (EOFException torn) {
                        return;
                    }
                    continue;
                }
                byte[] env = in.readNBytes(first - ID);
                byte[] hdr = in.readNBytes(headers);
                if (env.length < first - ID || hdr.length < headers) {
                    return; // torn tail: written when the process stopped
                }
                try {
                    each.visit(EnvelopeCodec.decode(env), hdr);
                } catch (EnvelopeCodec.CorruptException e) {
                    log.warn("{}: ignoring an unreadable finished envelope: {}", p, e.getMessage());
                }
                if (wanted != null) {
                    return;
                }
            }
        } catch (NoSuchFileException gone) {
            // swept meanwhile
        }
    }

    /** When the message with this id arrived (its first 40 bits: milliseconds since 2024). */
    private static Instant arrival(QueueId id) {
        return Instant.ofEpochMilli(QueueId.arrivalMillis(id));
    }
}
