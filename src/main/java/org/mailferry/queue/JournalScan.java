package org.mailferry.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mailferry.message.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads journal segments back at start (the records themselves are {@link JournalRecord}'s). One
 * bad or torn record never hides the records after it: the scan looks forward for the next valid
 * record (magic, plausible lengths, CRC) and logs how many bytes it skipped. Then SEAL records
 * apply: a segment that had a failed write or sync is valid only up to the end its last good sync
 * covered, since everything after that was refused (451) and must not come back.
 */
final class JournalScan {
    private static final Logger log = LoggerFactory.getLogger("mailferry.spool");

    /** What a start found: the live messages and the bytes skipped as unreadable. */
    record Result(Map<QueueId, Journal.Entry> entries, long skippedBytes, int sealedRecords) {
    }

    private JournalScan() {
    }

    static Result replay(List<Segment> segments) throws IOException {
        Map<Segment, List<JournalRecord.Read>> all = new HashMap<>();
        Map<Long, Long> sealed = new HashMap<>(); // sequence -> valid end: the lowest seal wins
        long skipped = 0;
        for (Segment s : segments) {
            List<JournalRecord.Read> recs = new ArrayList<>();
            skipped += scan(s, recs);
            all.put(s, recs);
            for (JournalRecord.Read r : recs) {
                if (r.type() == JournalRecord.SEAL) {
                    sealed.merge(r.sealedSequence(), r.sealedEnd(), Math::min);
                }
            }
        }
        Map<QueueId, Journal.Entry> entries = new HashMap<>();
        int ignored = 0;
        for (Segment s : segments) {
            long end = sealed.getOrDefault(s.sequence, Long.MAX_VALUE);
            int before = ignored;
            for (JournalRecord.Read r : all.get(s)) {
                if (r.pos() >= end) {
                    ignored++;
                } else if (r.type() == JournalRecord.MESSAGE) {
                    if (r.envelope() != null) {
                        entries.put(r.id(), new Journal.Entry(s, r.bodyPosition(), r.bodyLength(), r.envelope(), null));
                    }
                } else if (r.type() != JournalRecord.SEAL) {
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

    /** True when {@code m[from, to)} holds only zero bytes. */
    private static boolean zeros(ByteBuffer m, int from, int to) {
        for (int i = from; i < to; i++) {
            if (m.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Reads one segment's valid records; returns the bytes skipped. */
    private static long scan(Segment s, List<JournalRecord.Read> out) throws IOException {
        try (FileChannel ch = FileChannel.open(s.path, StandardOpenOption.READ)) {
            long n = ch.size();
            if (n > Integer.MAX_VALUE) {
                throw new IOException(s.path + ": " + n + " bytes, larger than any journal segment");
            }
            ByteBuffer m = n == 0 ? ByteBuffer.allocate(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, n);
            int pos = 0;
            long skipped = 0;
            while (pos < n) {
                JournalRecord.Read r = JournalRecord.parse(s.path, m, pos);
                if (r == null && zeros(m, pos, (int) n)) {
                    break; // the zeros written ahead of the records (Segments.zeroAhead): the end
                }
                if (r == null) {
                    int next = pos + 1;
                    while (next < n && !(m.get(next) == 0 && JournalRecord.parse(s.path, m, next) != null)) {
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
                pos = (int) JournalRecord.end(m, pos);
            }
            s.size = n;
            if (m instanceof MappedByteBuffer) {
                m = null; // unmapped when collected
            }
            return skipped;
        }
    }
}
