package org.mailferry.submission;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.mailferry.message.Address;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.message.Recipient;
import org.mailferry.queue.Spool;

/**
 * Turns a {@link Drop} from the sendmail command (via the submit socket or the maildrop) into a
 * normal queue entry: adds a Received header naming the local user, commits to the spool, then
 * reports the envelope as queued. The user comes from the kernel (socket peer credentials or
 * the maildrop file's owner), never from the drop itself.
 */
public final class LocalSubmission {
    private static final DateTimeFormatter RFC5322_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    /** Replaced by a reload; a submission under way keeps the settings it started with. */
    private volatile SessionSettings settings;
    private final Spool spool;
    private final Consumer<Envelope> queued;

    public LocalSubmission(SessionSettings settings, Spool spool, Consumer<Envelope> queued) {
        this.settings = settings;
        this.spool = spool;
        this.queued = queued;
    }

    /** The settings for submissions from now on (a reload). */
    public void reconfigure(SessionSettings next) {
        this.settings = next;
    }

    public long maxMessageSizeBytes() {
        return settings.maxMessageSizeBytes();
    }

    /** smtpd.max_recipients: local submissions obey the SMTP listener's limits. */
    public int maxRecipients() {
        return settings.maxRecipients();
    }

    /** The drop's addresses are not usable; the sendmail command checks them first, so rare. */
    public static final class RefusedException extends Exception {
        public RefusedException(String message) {
            super(message);
        }
    }

    /** Queues the drop durably and returns its queue id. */
    public QueueId submit(Drop drop, String user) throws IOException, RefusedException {
        Drop.Head head = new Drop.Head(drop.sender(), drop.recipients(), drop.dsnNotify(), drop.ret(), drop.envId(),
                drop.body().length, drop.recipientDsn());
        try {
            return submit(head, new java.io.ByteArrayInputStream(drop.body()), user, () -> { });
        } catch (Drop.MalformedException e) {
            throw new IllegalStateException(e); // no check, no such failure
        }
    }

    /** Run once the body is read, before the commit: may still refuse a request that ended early. */
    public interface Check {
        void check() throws IOException, Drop.MalformedException;
    }

    /**
     * Queues a message whose body is read from {@code body} to its end, straight into the spool
     * (never whole in memory); the size limit applies while it streams. Returns its queue id.
     */
    public QueueId submit(Drop.Head head, InputStream body, String user, Check complete)
            throws IOException, RefusedException, Drop.MalformedException {
        refuseTooManyRecipients(head.recipients().size());
        Address sender;
        List<Recipient> rcpts = new ArrayList<>();
        try {
            sender = new Address(head.sender());
            for (int i = 0; i < head.recipients().size(); i++) {
                Address a = new Address(head.recipients().get(i));
                if (a.isNull()) {
                    throw new RefusedException("empty recipient address");
                }
                Drop.RecipientDsn own = head.recipientDsn().get(i);
                rcpts.add(new Recipient(a, Recipient.State.PENDING, "", own.orcpt(),
                        own.notifyOn().isEmpty() ? head.dsnNotify() : own.notifyOn()));
            }
        } catch (IllegalArgumentException e) {
            throw new RefusedException(e.getMessage());
        }
        boolean utf8 = sender.isInternational() || rcpts.stream().anyMatch(r -> r.address().isInternational());
        try (Spool.Incoming incoming = spool.create()) {
            Instant now = settings.clock().instant();
            byte[] received = received(incoming.id(), user, rcpts, now);
            incoming.body().write(received);
            HeaderRewriter stored = settings.headers().forLocalUser(incoming.body()); // Bcc removed, names qualified
            long max = settings.maxMessageSizeBytes();
            long size = 0;
            boolean eightBit = false;
            byte[] buf = new byte[8192];
            for (int n; (n = body.read(buf)) > 0; ) {
                size += n;
                if (size > max) {
                    throw new RefusedException("message size exceeds the limit of " + max
                            + " bytes (smtpd.max_message_size)");
                }
                for (int i = 0; i < n && !eightBit; i++) {
                    eightBit = buf[i] < 0;
                }
                stored.write(buf, 0, n);
            }
            stored.finish();
            complete.check();
            Envelope env = new Envelope(incoming.id(), now, sender, rcpts, eightBit ? "8BITMIME" : "7BIT", utf8,
                    received.length + stored.written(), head.envId(), head.ret(), "local user " + user,
                    0, now, false, List.of());
            spool.commit(incoming, env);
            queued.accept(env);
            return incoming.id();
        }
    }

    /** The SMTP listener answers 452 4.5.3 beyond smtpd.max_recipients; a local submission is refused. */
    private void refuseTooManyRecipients(int n) throws RefusedException {
        if (n > settings.maxRecipients()) {
            throw new RefusedException(n + " recipients exceed the limit of " + settings.maxRecipients()
                    + " (smtpd.max_recipients); split the message");
        }
    }

    private byte[] received(QueueId id, String user, List<Recipient> rcpts, Instant now) {
        StringBuilder sb = new StringBuilder(160).append("Received: by ").append(settings.hostname())
                .append(" (Mailferry, from user ").append(user.replaceAll("[^\\x21-\\x7e]", "?")).append(")\r\n")
                .append("\tid ").append(id);
        if (rcpts.size() == 1) {
            sb.append("\r\n\tfor ").append(rcpts.get(0).address().bracketed());
        }
        sb.append("; ").append(RFC5322_DATE.format(now.atZone(ZoneOffset.UTC))).append("\r\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
