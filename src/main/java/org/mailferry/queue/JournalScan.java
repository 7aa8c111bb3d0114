package org.mailferry.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.mailferry.message.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads journal segments back at start. One bad or torn record never hides the records after it:
 * the scan looks forward for the next valid record (magic, plausible lengths, CRC) and logs how
 * many bytes it skipped. Then SEAL records apply: a segment that had a failed write or sync is
 * valid only up to the end its last good sync covered, since everything after that was refused
 * (451) and must not come back.
 */
final class JournalScan {
    private static final Logger log = LoggerFactory.getLogger("mailferry.spool");
    static final int MAX_ENVELOPE = 16 << 20;

    /** One valid record: a message (with its entry), a mark, or a seal of another segment. */
    record Rec(long pos, byte type, QueueId id, Journal.Entry entry, long sealedSequence, long sealedEnd) {
    }

    /** What a start found: the live messages and the bytes skipped as unreadable. */
    record Result(Map<QueueId, Journal.Entry> entries, long skippedBytes, int sealedRecords) {
    }

    private JournalScan() {
    }

    static Result replay(List<Segment> segments) throws IOException {
        Map<Segment, List<Rec>> all = new HashMap<>();
        Map<Long, Long> sealed = new HashMap<>(); // sequence -> valid end: the lowest seal wins
        long skipped = 0;
        for (Segment s : segments) {
            List<Rec> recs = new ArrayList<>();
            skipped += scan(s, recs);
            all.put(s, recs);
            for (Rec r : recs) {
                if (r.type() == Journal.SEAL) {
                    sealed.merge(r.sealedSequence(), r.sealedEnd(), Math::min);
                }
            }
        }
        Map<QueueId, Journal.Entry> entries = new HashMap<>();
        int ignored = 0;
        for (Segment s : segments) {
            long end = sealed.getOrDefault(s.sequence, Long.MAX_VALUE);
            int before = ignored;
            for (Rec r : all.get(s)) {
                if (r.pos() >= end) {
                    ignored++;
                } else if (r.type() == Journal.MESSAGE) {
                    if (r.entry() != null) {
                        entries.put(r.id(), r.entry());
                    }
                } else if (r.type() != Journal.SEAL) {
                    entries.remove(r.id());
                }
            }
            if (ignored > before) {
                log.warn("{}: {} record(s) after offset {} ignored: written after a failed write or sync there,"
                        + " never acknowledged", s.path, ignored - before, end);
            }
        }
        return new Result(entries, skipped, ignored);
    }

    /** Reads one segment's valid records; returns the bytes skipped. */
    private static long scan(Segment s, List<Rec> out) throws IOException {
        try (FileChannel ch = FileChannel.open(s.path, StandardOpenOption.READ)) {
            long n = ch.size();
            if (n > Integer.MAX_VALUE) {
                throw new IOException(s.path + ": " + n + " bytes, larger than any journal segment");
            }
            ByteBuffer m = n == 0 ? ByteBuffer.allocate(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, n);
            int pos = 0;
            long skipped = 0;
            while (pos < n) {
                Rec r = parse(s, m, pos);
                if (r == null) {
                    int next = pos + 1;
                    while (next < n && !(m.get(next) == 0 && parse(s, m, next) != null)) {
                        next++;
                    }
                    if (next >= n) {
                        log.warn("{}: torn tail at offset {} ({} bytes, never acknowledged): ignored", s.path, pos,
                                n - pos);
                        skipped += n - pos;
                        break;
                    }
                    log.warn("{}: {} unreadable byte(s) at offset {} skipped; valid records resume at offset {}",
                            s.path, next - pos, pos, next);
                    skipped += next - pos;
                    pos = next;
                    continue;
                }
                out.add(r);
                pos = (int) end(m, pos);
            }
            s.size = n;
            if (m instanceof MappedByteBuffer) {
                m = null; // unmapped when collected
            }
            return skipped;
        }
    }

    private static long end(ByteBuffer m, int pos) {
        return pos + (long) Journal.HEADER + m.getInt(pos + 17) + m.getInt(pos + 21);
    }

    /** The valid record at {@code pos}, or null. */
    private static Rec parse(Segment s, ByteBuffer m, int pos) {
        int n = m.limit();
        if (n - pos < Journal.HEADER || m.getInt(pos) != Journal.MAGIC) {
            return null;
        }
        byte type = m.get(pos + 4);
        int envLength = m.getInt(pos + 17);
        int bodyLength = m.getInt(pos + 21);
        if (type < Journal.MESSAGE || type > Journal.SEAL || envLength < 0 || envLength > MAX_ENVELOPE
                || bodyLength < 0 || (long) pos + Journal.HEADER + envLength + bodyLength > n) {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(m.slice(pos + 4, Journal.HEADER - 8));
        crc.update(m.slice(pos + Journal.HEADER, envLength + bodyLength));
        if ((int) crc.getValue() != m.getInt(pos + 25)) {
            return null;
        }
        byte[] env = new byte[envLength];
        m.get(pos + Journal.HEADER, env);
        if (type == Journal.SEAL) {
            if (envLength != 16) {
                return null;
            }
            ByteBuffer b = ByteBuffer.wrap(env);
            return new Rec(pos, type, null, null, b.getLong(), b.getLong());
        }
        byte[] idBytes = new byte[12];
        m.get(pos + 5, idBytes);
        String idText = new String(idBytes, StandardCharsets.US_ASCII);
        if (!QueueId.isValid(idText)) {
            return null;
        }
        QueueId id = new QueueId(idText);
        Journal.Entry entry = null;
        if (type == Journal.MESSAGE) {
            try {
                entry = new Journal.Entry(s, pos + Journal.HEADER + envLength, bodyLength, EnvelopeCodec.decode(env));
            } catch (EnvelopeCodec.CorruptException e) {
                log.warn("{}: {}: unreadable envelope in a valid record: {}", s.path, id, e.getMessage());
            }
        }
        return new Rec(pos, type, id, entry, 0, 0);
    }
}
