package org.mailferry.notify;

import java.io.IOException;
import org.mailferry.message.Envelope;
import org.mailferry.queue.HeaderBlock;
import org.mailferry.queue.Spool;

/**
 * The JSON body of one webhook: the event, its time, the message (queue id, Message-ID header,
 * envelope sender), the recipient, the attempt number, the smarthost's reply and enhanced status.
 * Sender, attempt and Message-ID come from the spool, where the event's state is already stored.
 */
final class WebhookPayload {
    private WebhookPayload() {
    }

    static String of(String deliveryId, DeliveryEvent event, Spool spool) {
        Envelope env = null;
        String messageId = null;
        try {
            env = spool.find(event.id());
            messageId = HeaderBlock.field(spool.headers(event.id()), "Message-ID");
        } catch (IOException e) {
            // the event is still worth telling without these
        }
        Json j = Json.object()
                .field("id", deliveryId)
                .field("event", EventType.of(event))
                .field("time", event.time())
                .field("queue_id", event.id().value())
                .field("message_id", messageId)
                .field("sender", env == null ? null : env.sender().value())
                .field("attempt", env == null ? 0 : env.attempts());
        switch (event) {
            case DeliveryEvent.Received r -> j.field("recipient", (String) null).field("client", r.client())
                    .field("size", r.sizeBytes());
            case DeliveryEvent.Delivered d -> j.field("recipient", d.recipient().value()).field("relay", d.relay())
                    .field("reply", d.reply()).field("enhanced_status", d.dsn());
            case DeliveryEvent.Deferred d -> j.field("recipient", d.recipient().value()).field("relay", d.relay())
                    .field("reply", d.reason()).field("enhanced_status", d.dsn())
                    .field("next_attempt", d.nextAttempt());
            case DeliveryEvent.Bounced b -> j.field("recipient", b.recipient().value()).field("relay", b.relay())
                    .field("reply", b.reason()).field("enhanced_status", b.dsn());
            case DeliveryEvent.Deleted d -> j.field("recipient", d.recipient().value()).field("reply", d.reason());
            case DeliveryEvent.Delayed d -> j.field("recipient", d.recipient().value()).field("reply", d.reason());
            default -> j.field("recipient", (String) null); // message-wide events (removed)
        }
        return j.end();
    }
}
