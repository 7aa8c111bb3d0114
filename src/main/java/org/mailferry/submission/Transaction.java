package org.mailferry.submission;

import java.util.ArrayList;
import java.util.List;
import org.mailferry.message.Address;
import org.mailferry.message.Recipient;

/**
 * One mail transaction as far as the client has given it, from MAIL FROM to the end of DATA
 * (OpenSMTPD's {@code struct smtp_tx}): the envelope sender with its MAIL parameters, and the
 * recipients accepted so far. Cleared by RSET, EHLO, HELO, STARTTLS and the end of DATA.
 */
final class Transaction {
    private Address sender;
    private EnvelopeParameters.Mail parameters = EnvelopeParameters.Mail.NONE;
    private final List<Recipient> recipients = new ArrayList<>();

    void begin(Address from, EnvelopeParameters.Mail mailParameters) {
        sender = from;
        parameters = mailParameters;
    }

    void add(Recipient r) {
        recipients.add(r);
    }

    void clear() {
        sender = null;
        parameters = EnvelopeParameters.Mail.NONE;
        recipients.clear();
    }

    Address sender() {
        return sender;
    }

    EnvelopeParameters.Mail parameters() {
        return parameters;
    }

    List<Recipient> recipients() {
        return recipients;
    }

    /** The one recipient's address, for a log line or a Received header's "for"; null unless exactly one. */
    Address soleRecipient() {
        return recipients.size() == 1 ? recipients.get(0).address() : null;
    }
}
