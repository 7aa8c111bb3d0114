package org.mailferry.message;

import java.time.Instant;
import java.util.List;

/**
 * Everything about a queued message except its body: who sent it, to whom, how it was declared,
 * and each recipient's state. Immutable; a state change produces a new envelope.
 *
 * @param bodyType   "7BIT" or "8BITMIME" (declared or detected)
 * @param sizeBytes  size of the stored body, Received header included
 * @param attempts   delivery attempts made so far
 * @param nextAttempt when the next attempt is due (arrival for a new message)
 * @param held       true while put on hold by an operator
 * @param history    what each attempt did, oldest first
 */
public record Envelope(
        QueueId id,
        Instant arrival,
        Address sender,
        List<Recipient> recipients,
        String bodyType,
        boolean smtpUtf8,
        long sizeBytes,
        String envId,
        String ret,
        String client,
        int attempts,
        Instant nextAttempt,
        boolean held,
        List<Attempt> history) {

    public Envelope {
        recipients = List.copyOf(recipients);
        history = history == null ? List.of() : List.copyOf(history);
        bodyType = bodyType == null || bodyType.isEmpty() ? "7BIT" : bodyType;
        envId = envId == null ? "" : envId;
        ret = ret == null ? "" : ret;
        client = client == null ? "" : client;
    }

    public List<Recipient> pending() {
        return recipients.stream().filter(r -> r.state() == Recipient.State.PENDING).toList();
    }

    public boolean isFinished() {
        return recipients.stream().allMatch(r -> r.state().isFinal());
    }

    /** After an attempt: new recipient states, one more attempt, the next due time, more history. */
    public Envelope afterAttempt(List<Recipient> newRecipients, Instant next, List<Attempt> more) {
        List<Attempt> h = new java.util.ArrayList<>(history);
        h.addAll(more);
        return new Envelope(id, arrival, sender, newRecipients, bodyType, smtpUtf8, sizeBytes, envId, ret,
                client, attempts + 1, next, held, h);
    }

    /** New recipient states and more history, without counting an attempt (no smarthost, deletion). */
    public Envelope withRecipients(List<Recipient> newRecipients, List<Attempt> more) {
        List<Attempt> h = new java.util.ArrayList<>(history);
        h.addAll(more);
        return new Envelope(id, arrival, sender, newRecipients, bodyType, smtpUtf8, sizeBytes, envId, ret,
                client, attempts, nextAttempt, held, h);
    }

    /** The same message from another sender: what one attempt sends, never stored (sender rewriting). */
    public Envelope withSender(Address newSender) {
        return new Envelope(id, arrival, newSender, recipients, bodyType, smtpUtf8, sizeBytes, envId, ret,
                client, attempts, nextAttempt, held, history);
    }

    public Envelope withHeld(boolean newHeld) {
        return new Envelope(id, arrival, sender, recipients, bodyType, smtpUtf8, sizeBytes, envId, ret,
                client, attempts, nextAttempt, newHeld, history);
    }

    public Envelope withNextAttempt(Instant next) {
        return new Envelope(id, arrival, sender, recipients, bodyType, smtpUtf8, sizeBytes, envId, ret,
                client, attempts, next, held, history);
    }
}
