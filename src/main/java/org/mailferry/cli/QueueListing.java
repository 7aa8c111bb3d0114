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
import org.mailferry.submission.Drop;

/**
 * The queue as {@code mailq} shows it (Postfix's format): id ('!' when held), size, arrival,
 * sender, then each pending recipient with its last reason in parentheses. Reads the spool files,
 * so it works whether or not the daemon runs; with the daemon stopped, the messages the sendmail
 * command left in SPOOL/maildrop are listed too (id "maildrop", the file's time), as Postfix's
 * showq lists its maildrop.
 */
public final class QueueListing {
    private static final DateTimeFormatter ARRIVAL = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss", Locale.ROOT); // asctime(), as Postfix prints it: "Dec  1"

    private QueueListing() {
    }

    /** Envelopes are read this many at a time, in parallel, then printed in id (arrival) order. */
    private static final int BATCH = 4096;

    public static int print(Spool spool, PrintStream out, ZoneId zone) throws IOException {
        return print(spool, null, out, zone);
    }

    /**
     * @param spool the queue, or null when there is none yet (only the maildrop)
     * @param maildrop SPOOL/maildrop to list too (the daemon is stopped), or null
     */
    public static int print(Spool spool, java.nio.file.Path maildrop, PrintStream out, ZoneId zone)
            throws IOException {
        List<QueueId> ids = new ArrayList<>(spool == null ? List.of() : spool.ids());
        ids.sort(Comparator.naturalOrder());
        long bytes = 0;
        int count = 0;
        for (int from = 0; from < ids.size(); from += BATCH) {
            List<Object> batch = ids.subList(from, Math.min(ids.size(), from + BATCH)).parallelStream()
                    .map(id -> load(spool, id)).toList();
            for (Object o : batch) {
                if (o == null) {
                    continue; // delivered (or moved aside) while we listed
                }
                if (count++ == 0) {
                    out.println("-Queue ID-   --Size-- ----Arrival Time---- -Sender/Recipient-------");
                }
                if (o instanceof Unreadable u) {
                    java.time.Instant arrival = java.time.Instant.ofEpochMilli(QueueId.arrivalMillis(u.id()));
                    out.print(head(u.id().value(), ' ', 0, arrival, "?", zone).append(REASON)
                            .append("(cannot read the envelope: ").append(u.problem()).append(")\n\n"));
                    continue;
                }
                Envelope e = (Envelope) o;
                bytes += e.sizeBytes();
                print(e, out, zone);
            }
        }
        for (Waiting w : maildrop == null ? List.<Waiting>of() : waiting(maildrop)) {
            if (count++ == 0) {
                out.println("-Queue ID-   --Size-- ----Arrival Time---- -Sender/Recipient-------");
            }
            bytes += w.head().bodyLength();
            StringBuilder sb = head("maildrop", ' ', w.head().bodyLength(), w.arrival(),
                    w.head().sender().isEmpty() ? "MAILER-DAEMON" : w.head().sender(), zone);
            sb.append(REASON).append("(waiting in the maildrop for the daemon to start)\n");
            for (String r : w.head().recipients()) {
                sb.append(RECIPIENT).append(r).append('\n');
            }
            out.print(sb.append('\n'));
        }
        if (count == 0) {
            out.println("Mail queue is empty");
            return 0;
        }
        out.printf(Locale.ROOT, "-- %d Kbytes in %d Request%s.%n", (bytes + 1023) / 1024, count,
                count == 1 ? "" : "s");
        return count;
    }

    private record Waiting(Drop.Head head, java.time.Instant arrival) {
    }

    /** The complete drops in the maildrop (not the .NAME being written), oldest first. */
    private static List<Waiting> waiting(java.nio.file.Path maildrop) {
        List<Waiting> out = new ArrayList<>();
        try (java.nio.file.DirectoryStream<java.nio.file.Path> ds = java.nio.file.Files.newDirectoryStream(maildrop)) {
            for (java.nio.file.Path p : ds) {
                if (!p.getFileName().toString().startsWith(".")) {
                    Waiting w = peek(p);
                    if (w != null) {
                        out.add(w);
                    }
                }
            }
        } catch (IOException e) {
            return out; // no maildrop, or not listable by this user (1733, like Postfix's)
        }
        out.sort(java.util.Comparator.comparing(Waiting::arrival));
        return out;
    }

    /** How long reading one drop's head may take: a FIFO swapped in after the check would block its open. */
    private static final java.time.Duration PEEK_TIMEOUT = java.time.Duration.ofSeconds(1);

    /**
     * A drop's head, or null when the entry is not a usable drop. Any local user may put anything
     * in the maildrop, and this runs as root or the service user: only a regular file is opened,
     * links are not followed, and the read is abandoned after {@link #PEEK_TIMEOUT}.
     */
    private static Waiting peek(java.nio.file.Path p) {
        java.util.concurrent.CompletableFuture<Waiting> head = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().name("mailq-peek").start(() -> {
            try {
                var a = java.nio.file.Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if (!a.isRegularFile()) {
                    head.complete(null);
                    return;
                }
                try (java.io.InputStream in = new java.io.BufferedInputStream(java.nio.file.Files.newInputStream(p,
                        java.nio.file.StandardOpenOption.READ, java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
                    head.complete(new Waiting(Drop.readHead(in, 100_000), a.lastModifiedTime().toInstant()));
                }
            } catch (IOException | Drop.MalformedException | RuntimeException e) {
                head.complete(null); // picked up meanwhile, or unusable (the daemon moves it aside with a log line)
            }
        });
        try {
            return head.get(PEEK_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** A queued message whose envelope cannot be read: listed with the reason, not left out. */
    private record Unreadable(QueueId id, String problem) {
    }

    /** The envelope, an {@link Unreadable}, or null when the message is gone. */
    private static Object load(Spool spool, QueueId id) {
        try {
            return spool.load(id);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            return new Unreadable(id, e.toString());
        }
    }

    private static final String REASON = " ".repeat(42);
    private static final String RECIPIENT = " ".repeat(41);

    /** The first line of an entry: id (and '!' when held), size, arrival, sender. */
    private static StringBuilder head(String id, char mark, long sizeBytes, java.time.Instant arrivalTime,
                                      String sender, ZoneId zone) {
        StringBuilder sb = new StringBuilder(160);
        sb.append(id).append(" ".repeat(Math.max(0, 12 - id.length()))).append(mark);
        String size = Long.toString(sizeBytes);
        sb.append(' ').append(" ".repeat(Math.max(0, 8 - size.length()))).append(size).append(' ');
        String arrival = ARRIVAL.format(arrivalTime.atZone(zone));
        return sb.append(arrival).append(" ".repeat(Math.max(0, 20 - arrival.length()))).append(' ')
                .append(sender).append('\n');
    }

    private static void print(Envelope e, PrintStream out, ZoneId zone) {
        StringBuilder sb = head(e.id().value(), e.held() ? '!' : ' ', e.sizeBytes(), e.arrival(),
                e.sender().isNull() ? "MAILER-DAEMON" : e.sender().value(), zone);
        String lastReason = null;
        for (Recipient r : e.recipients()) {
            if (r.state() != Recipient.State.PENDING) {
                continue;
            }
            if (!r.lastReply().isEmpty() && !r.lastReply().equals(lastReason)) {
                sb.append(REASON).append('(').append(r.lastReply()).append(")\n");
                lastReason = r.lastReply();
            }
            sb.append(RECIPIENT).append(r.address().value()).append('\n');
        }
        sb.append('\n');
        out.print(sb);
    }
}
