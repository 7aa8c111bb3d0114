package org.mailferry.notify;

/**
 * The JSON body of one webhook: the event's id (the same on every retry and for a remade
 * transition), type and time; the message's facts as the event carries them (queue id, Message-ID
 * header, envelope sender, size, attempt number); the recipient, the smarthost's reply and
 * enhanced status. Nothing is read from the spool.
 */
final class WebhookPayload {
    private WebhookPayload() {
    }

    static String of(DeliveryEvent event) {
        DeliveryEvent.Facts f = event.facts();
        Json j = Json.object()
                .field("id", event.eventId())
                .field("event", EventType.of(event))
                .field("time", event.time())
                .field("queue_id", f.id().value())
                .field("message_id", f.messageId())
                .field("sender", f.sender().value())
                .field("size", f.sizeBytes())
                .field("attempt", f.attempt());
        switch (event) {
            case DeliveryEvent.Received r -> j.field("recipient", (String) null).field("recipients", r.recipients())
                    .field("client", r.client());
            case DeliveryEvent.Delivered d -> j.field("recipient", d.recipient().value()).field("relay", d.relay())
                    .field("reply", d.reply()).field("enhanced_status", d.dsn());
            case DeliveryEvent.Deferred d -> j.field("recipient", d.recipient().value()).field("relay", d.relay())
                    .field("reply", d.reason()).field("enhanced_status", d.dsn())
                    .field("next_attempt", d.nextAttempt());
            case DeliveryEvent.Bounced b -> j.field("recipient", b.recipient().value()).field("relay", b.relay())
                    .field("reply", b.reason()).field("enhanced_status", b.dsn());
            case DeliveryEvent.Deleted d -> j.field("recipient", d.recipient().value()).field("reply", d.reason());
            case DeliveryEvent.Delayed d -> j.field("recipient", d.recipient().value()).field("reply", d.reason());
            case DeliveryEvent.Removed r -> j.field("recipient", (String) null);
        }
        return j.end();
    }
}
