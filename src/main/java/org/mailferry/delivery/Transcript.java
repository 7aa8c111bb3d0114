package org.mailferry.delivery;

import java.util.List;
import java.util.Map;
import org.mailferry.message.Address;
import org.mailferry.smtp.Reply;

/**
 * What one transaction heard, before any judgement: the replies to MAIL FROM, to each RCPT TO
 * (keyed by recipient), to DATA and after the final dot, or why the message was not sent at all.
 * {@link Classifier#outcomes} turns it into one outcome per recipient. A reply not read (the
 * transaction ended before it) is null.
 *
 * @param relay      "host[address]:port"
 * @param recipients the pending recipients, in envelope order
 * @param rcpt       each recipient's RCPT reply (a recipient listed twice: an accepting reply wins)
 */
record Transcript(String relay, List<Address> recipients, Unsendable unsendable, Reply mail,
                  Map<Address, Reply> rcpt, Reply data, Reply end) {

    /** Why the message was not offered: the smarthost cannot take it as it is. */
    sealed interface Unsendable {
        /** The message needs SMTPUTF8 and the smarthost does not offer it. */
        record NeedsSmtpUtf8() implements Unsendable {
        }

        /** The message is larger than the smarthost's SIZE. */
        record TooBig(long sizeBytes, long limitBytes) implements Unsendable {
        }
    }

    static Transcript unsendable(String relay, List<Address> recipients, Unsendable why) {
        return new Transcript(relay, recipients, why, null, Map.of(), null, null);
    }

    /** True when no RCPT was accepted (or MAIL FROM was refused). */
    boolean noneAccepted() {
        return !mail.isPositive() || rcpt.values().stream().noneMatch(Reply::isPositive);
    }
}
