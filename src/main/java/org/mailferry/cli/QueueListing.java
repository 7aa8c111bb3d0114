package org.mailferry.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.message.Recipient;
import org.mailferry.queue.Spool;

/**
 * The queue as {@code mailq} shows it (Postfix's format): id ('!' when held), size, arrival,
 * sender, then each pending recipient with its last reason in parentheses. Reads the spool files,
 * so it works whether or not the daemon runs.
 */
public final class QueueListing {
    private static final DateTimeFormatter ARRIVAL = DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss", Locale.ROOT);

    private QueueListing() {
    }

    /** Envelopes are read this many at a time, in parallel, then printed in id (arrival) order. */
    private static final int BATCH = 4096;

    public static int print(Spool spool, PrintStream out, ZoneId zone) throws IOException {
        List<QueueId> ids = new ArrayList<>(spool.ids());
        ids.sort(Comparator.naturalOrder());
        long bytes = 0;
        int count = 0;
        for (int from = 0; from < ids.size(); from += BATCH) {
            List<Envelope> batch = ids.subList(from, Math.min(ids.size(), from + BATCH)).parallelStream()
                    .map(id -> loadOrNull(spool, id)).toList();
            for (Envelope e : batch) {
                if (e == null) {
                    continue; // delivered (or moved aside) while we listed
                }
                if (count++ == 0) {
                    out.println("-Queue ID-   --Size-- ----Arrival Time---- -Sender/Recipient-------");
                }
                bytes += e.sizeBytes();
                print(e, out, zone);
            }
        }
        if (count == 0) {
            out.println("Mail queue is empty");
            return 0;
        }
        out.printf(Locale.ROOT, "-- %d Kbytes in %d Request%s.%n", (bytes + 1023) / 1024, count,
                count == 1 ? "" : "s");
        return count;
    }

    private static Envelope loadOrNull(Spool spool, QueueId id) {
        try {
            return spool.load(id);
        } catch (IOException e) {
            return null;
        }
    }

    private static void print(Envelope e, PrintStream out, ZoneId zone) {
        StringBuilder sb = new StringBuilder(160);
        String id = e.id().value();
        sb.append(id).append(" ".repeat(Math.max(0, 12 - id.length()))).append(e.held() ? '!' : ' ');
        String size = Long.toString(e.sizeBytes());
        sb.append(' ').append(" ".repeat(Math.max(0, 8 - size.length()))).append(size).append(' ');
        String arrival = ARRIVAL.format(e.arrival().atZone(zone));
        sb.append(arrival).append(" ".repeat(Math.max(0, 20 - arrival.length()))).append(' ')
                .append(e.sender().isNull() ? "MAILER-DAEMON" : e.sender().value()).append('\n');
        String lastReason = null;
        for (Recipient r : e.recipients()) {
            if (r.state() != Recipient.State.PENDING) {
                continue;
            }
            if (!r.lastReply().isEmpty() && !r.lastReply().equals(lastReason)) {
                sb.append("                                          (").append(r.lastReply()).append(")\n");
                lastReason = r.lastReply();
            }
            sb.append("                                         ").append(r.address().value()).append('\n');
        }
        sb.append('\n');
        out.print(sb);
    }
}
