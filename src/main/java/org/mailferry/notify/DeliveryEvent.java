package org.mailferry.notify;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.mailferry.message.Address;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.queue.HeaderBlock;
import org.mailferry.queue.Spool;

/**
 * One state change of one message (or one of its recipients). Every transition emits exactly one.
 * Each carries its message's {@link Facts}, so a listener never reads the spool back, and an
 * {@link #eventId()} that a redo of the same transition after a crash gives again.
 */
public sealed interface DeliveryEvent {
    /** The message the event is about, as it stood when the event happened. */
    Facts facts();

    Instant time();

    default QueueId id() {
        return facts().id();
    }

    default Address sender() {
        return facts().sender();
    }

    default long sizeBytes() {
        return facts().sizeBytes();
    }

    /** The same for the same transition, whenever it is made or remade: see {@link EventId}. */
    default String eventId() {
        return EventId.of(this);
    }

    /**
     * What every event says about its message.
     *
     * @param messageId the {@code Message-ID:} header field, or null when the message has none
     * @param attempt   the delivery attempt the event belongs to: 0 before the first, N for what
     *                  the N-th attempt did (and for a message removed after it)
     */
    record Facts(QueueId id, Address sender, String messageId, long sizeBytes, int attempt) {

        /** From the envelope and the message's header block. */
        public static Facts of(Envelope env, byte[] headers, int attempt) {
            return new Facts(env.id(), env.sender(), HeaderBlock.field(headers, "Message-ID"), env.sizeBytes(),
                    attempt);
        }

        /** From the envelope, reading the header block from the spool (Message-ID null if unreadable). */
        public static Facts read(Spool spool, Envelope env, int attempt) {
            byte[] headers;
            try {
                headers = HeaderBlock.read(spool, env.id());
            } catch (IOException e) {
                headers = new byte[0];
            }
            return of(env, headers, attempt);
        }
    }

    /** Accepted into the queue (after the fsync). */
    record Received(Facts facts, Instant time, int recipients, String client) implements DeliveryEvent {
    }

    /** Accepted by the smarthost for this recipient. */
    record Delivered(Facts facts, Instant time, Address recipient, String relay, Duration delay, String dsn,
                     String reply) implements DeliveryEvent {
    }

    /** A temporary failure; another attempt follows at {@code nextAttempt}. */
    record Deferred(Facts facts, Instant time, Address recipient, String relay, Duration delay, String dsn,
                    String reason, Instant nextAttempt) implements DeliveryEvent {
    }

    /**
     * Still not delivered after queue.delay_warning: the sender gets one delay warning (unless
     * NOTIFY says otherwise). Once per message and recipient.
     */
    record Delayed(Facts facts, Instant time, Address recipient, Duration delay, String reason)
            implements DeliveryEvent {
    }

    /** A permanent failure (or queue lifetime over): the recipient will not be tried again. */
    record Bounced(Facts facts, Instant time, Address recipient, String relay, Duration delay, String dsn,
                   String reason, boolean expired) implements DeliveryEvent {
    }

    /** Removed from the queue by an operator ({@code queue delete}) before it was delivered. */
    record Deleted(Facts facts, Instant time, Address recipient, String reason) implements DeliveryEvent {
    }

    /** Every recipient is final; the message left the queue. */
    record Removed(Facts facts, Instant time) implements DeliveryEvent {
    }
}
