package org.mailferry.notify;

import java.io.IOException;
import java.util.List;
import org.mailferry.message.Envelope;
import org.mailferry.queue.CommitListener;

/**
 * The "received" event of every message the spool commits, whoever submitted it (SMTP, sendmail,
 * a DSN): prepared before the commit (the webhook outbox stores it), emitted once the message is
 * durably queued, discarded when the commit fails.
 */
public final class ReceivedEvents implements CommitListener {
    private final EventListener events;

    public ReceivedEvents(EventListener events) {
        this.events = events;
    }

    @Override
    public After committing(Envelope env, byte[] headers) throws IOException {
        List<DeliveryEvent> owed = List.of(new DeliveryEvent.Received(DeliveryEvent.Facts.of(env, headers, 0),
                env.arrival(), env.recipients().size(), env.client()));
        events.prepare(owed);
        return new After() {
            @Override
            public void committed() {
                owed.forEach(events::on);
            }

            @Override
            public void failed() {
                events.discard(owed);
            }
        };
    }
}
