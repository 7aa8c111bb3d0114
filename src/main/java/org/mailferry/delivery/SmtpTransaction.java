package org.mailferry.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mailferry.message.Address;
import org.mailferry.message.Envelope;
import org.mailferry.message.Recipient;
import org.mailferry.smtp.DataReader;
import org.mailferry.smtp.DsnParameters;
import org.mailferry.smtp.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP transaction, the protocol alone: MAIL FROM with SIZE, BODY, SMTPUTF8, RET and ENVID as
 * offered, RCPT TO with NOTIFY and ORCPT passed on, PIPELINING when offered (RFC 2920), DATA and
 * the body, RSET after a refusal. It records what it heard ({@link Transcript}); whether that is
 * delivered, deferred or bounced is {@link Classifier}'s. An IOException is the connection's.
 */
final class SmtpTransaction {
    private static final Logger log = LoggerFactory.getLogger("mailferry.smtp");

    private SmtpTransaction() {
    }

    static Transcript send(SmtpClient c, Envelope env, InputStream body) throws IOException {
        List<Recipient> rcpts = env.pending();
        List<Address> addresses = rcpts.stream().map(Recipient::address).toList();
        StringBuilder mail = new StringBuilder("MAIL FROM:").append(env.sender().bracketed());
        if (c.offers("SIZE")) {
            mail.append(" SIZE=").append(env.sizeBytes());
        }
        if (c.offers("8BITMIME") && env.bodyType().equals("8BITMIME")) {
            mail.append(" BODY=8BITMIME");
        }
        if (env.smtpUtf8()) {
            if (!c.offers("SMTPUTF8")) {
                return Transcript.unsendable(c.relay(), addresses, new Transcript.Unsendable.NeedsSmtpUtf8());
            }
            mail.append(" SMTPUTF8");
        }
        boolean dsn = c.offers("DSN");
        if (dsn && !env.ret().isEmpty()) {
            mail.append(" RET=").append(env.ret());
        }
        if (dsn && !env.envId().isEmpty()) {
            mail.append(" ENVID=").append(DsnParameters.encodeXtext(env.envId()));
        }
        if (c.maxSize() > 0 && env.sizeBytes() > c.maxSize()) {
            return Transcript.unsendable(c.relay(), addresses,
                    new Transcript.Unsendable.TooBig(env.sizeBytes(), c.maxSize()));
        }
        boolean pipelining = c.offers("PIPELINING");
        c.command(mail.toString());
        Reply mailReply = pipelining ? null : c.reply();
        if (mailReply != null && !mailReply.isPositive()) {
            reset(c);
            return new Transcript(c.relay(), addresses, null, mailReply, Map.of(), null, null);
        }
        List<Reply> rcptReplies = new ArrayList<>();
        for (Recipient r : rcpts) {
            c.command("RCPT TO:" + r.address().bracketed() + (dsn ? dsnParameters(r) : ""));
            if (!pipelining) {
                rcptReplies.add(c.reply());
            }
        }
        if (pipelining) {
            c.command("DATA");
            mailReply = c.reply();
            for (int i = 0; i < rcpts.size(); i++) {
                rcptReplies.add(c.reply());
            }
        }
        boolean anyAccepted = mailReply.isPositive() && rcptReplies.stream().anyMatch(Reply::isPositive);
        Reply dataReply;
        if (pipelining) {
            dataReply = c.reply();
        } else if (anyAccepted) {
            c.command("DATA");
            dataReply = c.reply();
        } else {
            dataReply = null;
        }
        Map<Address, Reply> byRecipient = byRecipient(addresses, rcptReplies);
        if (!anyAccepted) {
            if (dataReply != null && dataReply.isIntermediate()) {
                c.command("."); // RFC 2920 3.1: the server took DATA though no RCPT succeeded
                c.reply();
            }
            reset(c);
            return new Transcript(c.relay(), addresses, null, mailReply, byRecipient, dataReply, null);
        }
        if (!dataReply.isIntermediate()) {
            reset(c);
            return new Transcript(c.relay(), addresses, null, mailReply, byRecipient, dataReply, null);
        }
        long breaks = c.writeBody(body);
        if (breaks > 0) {
            log.info("{}: relay={}, {} line break(s) inserted: lines longer than {} octets", env.id(), c.relay(),
                    breaks, DataReader.MAX_LINE_OCTETS);
        }
        return new Transcript(c.relay(), addresses, null, mailReply, byRecipient, dataReply, c.reply());
    }

    /** Each recipient's RCPT reply; a recipient listed twice keeps an accepting reply if it got one. */
    private static Map<Address, Reply> byRecipient(List<Address> addresses, List<Reply> replies) {
        Map<Address, Reply> m = new LinkedHashMap<>();
        for (int i = 0; i < addresses.size(); i++) {
            m.merge(addresses.get(i), replies.get(i), (first, again) -> first.isPositive() ? first : again);
        }
        return m;
    }

    /** RFC 3461: NOTIFY and ORCPT as the submitting client gave them, passed on unchanged. */
    private static String dsnParameters(Recipient r) {
        return (r.dsnNotify().isEmpty() ? "" : " NOTIFY=" + r.dsnNotify())
                + (r.orcpt().isEmpty() ? "" : " ORCPT=" + DsnParameters.orcptParameter(r.orcpt()));
    }

    private static void reset(SmtpClient c) throws IOException {
        c.command("RSET");
        c.reply();
    }
}
