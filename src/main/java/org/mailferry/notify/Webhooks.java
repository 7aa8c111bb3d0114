package org.mailferry.notify;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.mailferry.message.QueueId;

/**
 * Webhooks through an outbox: every event that passes the filter is stored with the state change
 * it reports (never lost, each with a stable id, {@link EventId}) and POSTed, signed, until a 2xx
 * or its lifetime. {@link FileWebhooks}: files in the spool, written before the change, sent by
 * this node; {@link SharedWebhooks}: rows of the shared database, written in the change's own
 * statement, sent by whichever node claims them.
 */
public interface Webhooks extends EventListener, AutoCloseable {
    /** The request header with the event's id (also the body's "id"). */
    String EVENT_ID = "Mailferry-Event-Id";

    /** The settings: where to post, which event types, the HMAC secret (null: unsigned). */
    record Settings(List<URI> urls, Set<String> events, byte[] secret, Duration lifetime) {
        @Override
        public String toString() {
            return "Webhooks.Settings[urls=" + urls + ", events=" + events + ", lifetime=" + lifetime + "]";
        }
    }

    /**
     * What one webhook POST got, for whoever shows a message's history (the web console).
     *
     * @param queueId null for an event not about one message
     * @param failure null for a 2xx, else why not ("HTTP 503", the I/O error)
     * @param givenUp the delivery's lifetime ran out with this failure
     */
    record Answer(QueueId queueId, String event, String eventId, URI url, int attempt, String failure,
                  boolean givenUp, Instant time) {
    }

    /** Starts sending (the daemon; a command only stores). */
    void start() throws IOException;

    /** A reload: requests from now on are signed with {@code secret} (null: unsigned). */
    void useSecret(byte[] secret);

    /** Tells {@code listener} of every POST's answer (one listener; it must be quick and not throw). */
    void onAnswer(Consumer<Answer> listener);

    /** Makes every pending delivery due now (retry without waiting for the backoff). */
    void flush();

    /** How many deliveries wait to be sent (a database's: every node's). */
    int pendingCount();

    @Override
    void close();
}
