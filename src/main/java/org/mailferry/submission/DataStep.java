package org.mailferry.submission;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.mailferry.message.Address;
import org.mailferry.message.Envelope;
import org.mailferry.queue.Spool;
import org.mailferry.smtp.DataReader;
import org.mailferry.smtp.Reply;
import org.mailferry.smtp.SmtpInput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proceed step of DATA (OpenSMTPD's smtp_proceed_data and the end of message after it): opens
 * a spool file, answers 354, reads the body through the header rewriter with a Received header in
 * front, refuses a body that breaks a rule (size, bare CR or LF, NUL, line length) and commits the
 * rest before answering 250. DATA has no check step of its own: the {@link Command} table admits
 * it only after RCPT and without arguments.
 */
final class DataStep {
    private static final Logger log = LoggerFactory.getLogger("mailferry.smtpd");
    private static final DateTimeFormatter RFC5322_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
    private static volatile DateText lastDate = new DateText(Long.MIN_VALUE, "");

    private final SmtpSession session;
    private final Client client;
    private final SessionSettings settings;
    private final Spool spool;
    private final Consumer<Envelope> queued;
    private final Transaction transaction;

    DataStep(SmtpSession session, Client client, SessionSettings settings, Spool spool, Consumer<Envelope> queued,
             Transaction transaction) {
        this.session = session;
        this.client = client;
        this.settings = settings;
        this.spool = spool;
        this.queued = queued;
        this.transaction = transaction;
    }

    /** The reply after the body; null when the client is gone or was too slow (the session ends). */
    Reply proceed() throws IOException {
        Spool.Incoming incoming;
        try {
            incoming = spool.create();
        } catch (IOException e) {
            log.error("spool: cannot create a message file: {}", e.toString());
            return spoolFailure(e);
        }
        try (incoming) {
            Instant now = settings.clock().instant();
            byte[] received = receivedHeader(incoming.id().value(), now);
            session.reply(Replies.START_DATA);
            session.flush();
            CountingSink sink = new CountingSink(incoming.body());
            sink.write(received);
            boolean trusted = client.address() == null || settings.policy().mayRelay(client.address());
            // Bcc removed; local names qualified for clients in mynetworks (and sendmail -bs)
            HeaderRewriter headers = settings.headers().forClient(sink, trusted);
            DataReader.Result r;
            SmtpInput in = session.input();
            in.limitTransfer(settings.dataLimit());
            try {
                r = new DataReader(settings.maxMessageSizeBytes(), settings.maxLineLength()).read(in, headers);
            } catch (SmtpInput.TransferTooSlowException e) {
                log.warn("{}: client {} too slow in DATA: {} (smtpd.data_timeout, smtpd.min_data_rate); "
                        + "disconnected", incoming.id(), client.text(), e.getMessage());
                session.reply(Replies.TIMEOUT);
                session.flush();
                return null;
            } finally {
                in.endTransfer();
            }
            headers.finish();
            if (!r.ended()) {
                log.info("{}: client {} disconnected during DATA", incoming.id(), client.text());
                return null;
            }
            Reply refusal = refusal(r);
            if (refusal != null) {
                Address sole = transaction.soleRecipient();
                session.refusals().refused(reason(r), "END-OF-MESSAGE", refusal,
                        client.context(transaction.sender().value(), sole == null ? null : sole.value()), "");
                session.reset();
                return refusal;
            }
            if (sink.failure != null) {
                log.error("{}: spool write failed during DATA: {}", incoming.id(), sink.failure.toString());
                session.reset();
                return spoolFailure(sink.failure);
            }
            Envelope env = envelope(incoming, now, r.eightBit(), sink.count);
            try {
                spool.commit(incoming, env);
            } catch (IOException e) {
                log.error("{}: spool commit failed: {}", incoming.id(), e.toString());
                session.reset();
                return spoolFailure(e);
            }
            session.reset();
            queued.accept(env);
            return Replies.queued(incoming.queuedAs());
        }
    }

    private Envelope envelope(Spool.Incoming incoming, Instant now, boolean eightBitSeen, long size) {
        EnvelopeParameters.Mail m = transaction.parameters();
        String user = client.user();
        return new Envelope(incoming.id(), now, transaction.sender(), transaction.recipients(),
                m.eightBit() || eightBitSeen ? "8BITMIME" : "7BIT", m.smtpUtf8(), size, m.envId(), m.ret(),
                user == null ? client.text() // as Postfix logs it:
                        : client.text() + ", sasl_username=" + Client.printable(user),
                0, now, false, List.of());
    }

    private static Reply refusal(DataReader.Result r) {
        if (r.oversize()) {
            return Replies.TOO_BIG;
        }
        if (r.bareLineEnding()) {
            return Replies.BARE_LINE_ENDING;
        }
        if (r.nul()) {
            return Replies.NUL_IN_DATA;
        }
        if (r.longLine()) {
            return Replies.DATA_LINE_TOO_LONG;
        }
        return null;
    }

    private static Refusals.Reason reason(DataReader.Result r) {
        return r.oversize() ? Refusals.Reason.MESSAGE_TOO_BIG : r.bareLineEnding() ? Refusals.Reason.BARE_LINE_ENDING
                : r.nul() ? Refusals.Reason.NUL_IN_DATA : Refusals.Reason.LINE_TOO_LONG;
    }

    private static Reply spoolFailure(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("No space left") || m.contains("Disk quota") ? Replies.SPOOL_FULL : Replies.SPOOL_FAILURE;
    }

    private byte[] receivedHeader(String id, Instant now) {
        boolean esmtp = client.esmtp();
        String user = client.user();
        String with = (transaction.parameters().smtpUtf8() ? "UTF8SMTP" : esmtp ? "ESMTP" : "SMTP")
                + (client.tlsActive() && esmtp ? "S" : "") + (user != null && esmtp ? "A" : ""); // RFC 3848
        StringBuilder sb = new StringBuilder(200)
                .append("Received: from ").append(Client.printable(client.helo())).append(" (")
                .append(client.text()).append(")\r\n")
                .append(user == null ? "" : "\t(Authenticated sender: " + Client.printable(user) + ")\r\n")
                .append("\tby ").append(settings.hostname()).append(" (Mailferry) with ").append(with)
                .append(client.address() == null ? "" : " id " + id); // sendmail -bs: the daemon's Received names its id
        Address sole = transaction.soleRecipient();
        if (sole != null) {
            sb.append("\r\n\tfor ").append(sole.bracketed());
        }
        sb.append("; ").append(date(now)).append("\r\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The date of the Received: field, formatted once per second (2-3% of the CPU per message before). */
    static String date(Instant now) {
        DateText last = lastDate;
        if (last.epochSecond() != now.getEpochSecond()) {
            last = new DateText(now.getEpochSecond(), RFC5322_DATE.format(now.atZone(ZoneOffset.UTC)));
            lastDate = last;
        }
        return last.text();
    }

    private record DateText(long epochSecond, String text) {
    }
}
