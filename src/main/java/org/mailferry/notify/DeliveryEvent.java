package org.mailferry.notify;

import java.time.Duration;
import java.time.Instant;
import org.mailferry.message.Address;
import org.mailferry.message.QueueId;

/** One state change of one message (or one of its recipients). Every transition emits exactly one. */
public sealed interface DeliveryEvent {
    QueueId id();

    Instant time();

    /** Accepted into the queue (after the fsync). */
    record Received(QueueId id, Instant time, Address sender, long sizeBytes, int recipients, String client)
            implements DeliveryEvent {
    }

    /** Accepted by the smarthost for this recipient. */
    record Delivered(QueueId id, Instant time, Address recipient, String relay, Duration delay, String dsn,
                     String reply) implements DeliveryEvent {
    }

    /** A temporary failure; another attempt follows at {@code nextAttempt}. */
    record Deferred(QueueId id, Instant time, Address recipient, String relay, Duration delay, String dsn,
                    String reason, Instant nextAttempt) implements DeliveryEvent {
    }

    /**
     * Still not delivered after queue.delay_warning: the sender gets one delay warning (unless
     * NOTIFY says otherwise). Once per message and recipient.
     */
    record Delayed(QueueId id, Instant time, Address recipient, Duration delay, String reason)
            implements DeliveryEvent {
    }

    /** A permanent failure (or queue lifetime over): the recipient will not be tried again. */
    record Bounced(QueueId id, Instant time, Address recipient, String relay, Duration delay, String dsn,
                   String reason, boolean expired) implements DeliveryEvent {
    }

    /** Removed from the queue by an operator ({@code queue delete}) before it was delivered. */
    record Deleted(QueueId id, Instant time, Address recipient, String reason) implements DeliveryEvent {
    }

    /** Every recipient is final; the message left the queue. */
    record Removed(QueueId id, Instant time) implements DeliveryEvent {
    }
}
