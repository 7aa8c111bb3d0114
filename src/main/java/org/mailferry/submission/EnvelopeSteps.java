package org.mailferry.submission;

import java.net.InetAddress;
import org.mailferry.message.Address;
import org.mailferry.message.Recipient;
import org.mailferry.smtp.PathArgument;
import org.mailferry.smtp.Reply;

/**
 * The check and proceed steps of MAIL FROM and RCPT TO (OpenSMTPD's smtp_check_mail_from,
 * smtp_proceed_mail_from, smtp_check_rcpt_to, smtp_proceed_rcpt_to). A check parses the path and
 * its parameters and applies the policy (SMTPUTF8, relay, recipient limit), logging each policy
 * refusal; a proceed only records what the check accepted in the {@link Transaction}. The
 * {@link Command} table has already made sure the state allows the command.
 */
final class EnvelopeSteps {
    /** A check step's verdict: the refusal to send, or (refusal null) what the proceed step records. */
    record Checked<T>(Reply refusal, T command) {
        static <T> Checked<T> refuse(Reply r) {
            return new Checked<>(r, null);
        }

        static <T> Checked<T> accept(T command) {
            return new Checked<>(null, command);
        }
    }

    record MailFrom(Address sender, EnvelopeParameters.Mail parameters) {
    }

    record RcptTo(Address address, EnvelopeParameters.Rcpt parameters) {
    }

    private final SmtpSession session;
    private final Client client;
    private final SessionSettings settings;
    private final Transaction transaction;

    EnvelopeSteps(SmtpSession session, Client client, SessionSettings settings, Transaction transaction) {
        this.session = session;
        this.client = client;
        this.settings = settings;
        this.transaction = transaction;
    }

    Checked<MailFrom> checkMail(String arg) {
        PathArgument p;
        try {
            p = PathArgument.parse(arg, "FROM");
        } catch (PathArgument.SyntaxException e) {
            return Checked.refuse(Replies.badSender(e.getMessage()));
        }
        EnvelopeParameters.Mail m;
        try {
            m = EnvelopeParameters.mail(p.parameters(), settings.maxMessageSizeBytes());
        } catch (EnvelopeParameters.Refused e) {
            if (e.reply.code() == 552) {
                session.refusals().refused(Refusals.Reason.MESSAGE_TOO_BIG, "MAIL", e.reply,
                        client.context(p.address().value(), null), "");
            }
            return Checked.refuse(e.reply);
        }
        if (p.address().isInternational() && !m.smtpUtf8()) {
            return Checked.refuse(Replies.NEEDS_SMTPUTF8);
        }
        if (!client.esmtp() && !p.parameters().isEmpty()) {
            return Checked.refuse(Replies.parametersNeedEhlo("MAIL"));
        }
        return Checked.accept(new MailFrom(p.address(), m));
    }

    Reply proceedMail(MailFrom m) {
        transaction.begin(m.sender(), m.parameters());
        session.enter(SmtpSession.State.MAIL);
        return Replies.SENDER_OK;
    }

    Checked<RcptTo> checkRcpt(String arg) {
        PathArgument p;
        try {
            p = PathArgument.parse(arg, "TO");
        } catch (PathArgument.SyntaxException e) {
            return Checked.refuse(Replies.badRecipient(e.getMessage()));
        }
        if (p.address().isNull()) {
            return Checked.refuse(Replies.EMPTY_RECIPIENT);
        }
        if (!client.esmtp() && !p.parameters().isEmpty()) {
            return Checked.refuse(Replies.parametersNeedEhlo("RCPT"));
        }
        EnvelopeParameters.Rcpt r;
        try {
            r = EnvelopeParameters.rcpt(p.parameters());
        } catch (EnvelopeParameters.Refused e) {
            return Checked.refuse(e.reply);
        }
        if (p.address().isInternational() && !transaction.parameters().smtpUtf8()) {
            return Checked.refuse(Replies.NEEDS_SMTPUTF8);
        }
        Reply refused = relayRefusal(p.address());
        return refused != null ? Checked.refuse(refused) : Checked.accept(new RcptTo(p.address(), r));
    }

    /** Policy: relaying needs smtpd.mynetworks or AUTH; smtpd.max_recipients per message. Each refusal logged. */
    private Reply relayRefusal(Address rcpt) {
        InetAddress address = client.address();
        if (address != null && client.user() == null && !settings.policy().mayRelay(address)) {
            Reply denied = Replies.relayDenied(Client.printable(rcpt.bracketed()));
            session.refusals().refused(Refusals.Reason.RELAY_DENIED, "RCPT", denied, context(rcpt), "");
            return denied;
        }
        if (transaction.recipients().size() >= settings.maxRecipients()) {
            session.refusals().refused(Refusals.Reason.TOO_MANY_RECIPIENTS, "RCPT", Replies.TOO_MANY_RECIPIENTS,
                    context(rcpt), "");
            return Replies.TOO_MANY_RECIPIENTS;
        }
        return null;
    }

    private Refusals.Context context(Address rcpt) {
        return client.context(transaction.sender().value(), rcpt.value());
    }

    Reply proceedRcpt(RcptTo r) {
        transaction.add(new Recipient(r.address(), Recipient.State.PENDING, "", r.parameters().orcpt(),
                r.parameters().notifyOn()));
        session.enter(SmtpSession.State.RCPT);
        return Replies.RECIPIENT_OK;
    }
}
