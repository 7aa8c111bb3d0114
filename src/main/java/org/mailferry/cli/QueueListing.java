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

    public static int print(Spool spool, PrintStream out, ZoneId zone) throws IOException {
        List<Envelope> all = new ArrayList<>();
        spool.forEach(all::add);
        if (all.isEmpty()) {
            out.println("Mail queue is empty");
            return 0;
        }
        all.sort(Comparator.comparing(Envelope::id));
        out.println("-Queue ID-   --Size-- ----Arrival Time---- -Sender/Recipient-------");
        long bytes = 0;
        for (Envelope e : all) {
            bytes += e.sizeBytes();
            out.printf(Locale.ROOT, "%-12s%s %8d %-20s %s%n", e.id(), e.held() ? "!" : " ", e.sizeBytes(),
                    ARRIVAL.format(e.arrival().atZone(zone)), e.sender().isNull() ? "MAILER-DAEMON" : e.sender().value());
            String lastReason = null;
            for (Recipient r : e.recipients()) {
                if (r.state() != Recipient.State.PENDING) {
                    continue;
                }
                if (!r.lastReply().isEmpty() && !r.lastReply().equals(lastReason)) {
                    out.println("                                          (" + r.lastReply() + ")");
                    lastReason = r.lastReply();
                }
                out.println("                                         " + r.address().value());
            }
            out.println();
        }
        out.printf(Locale.ROOT, "-- %d Kbytes in %d Request%s.%n", (bytes + 1023) / 1024, all.size(),
                all.size() == 1 ? "" : "s");
        return all.size();
    }
}
