package org.mailferry.notify;

import java.util.List;

/**
 * The public name of each event type, as written in webhooks, metrics and the webhook filter.
 * A bounce because the queue lifetime ran out is "expired", not "bounced".
 */
public final class EventType {
    /** Every name, in the order a message can meet them. */
    public static final List<String> NAMES = List.of("received", "deferred", "delayed", "delivered", "bounced",
            "expired", "deleted", "removed");

    private EventType() {
    }

    public static String of(DeliveryEvent event) {
        return switch (event) {
            case DeliveryEvent.Received r -> "received";
            case DeliveryEvent.Delivered d -> "delivered";
            case DeliveryEvent.Deferred d -> "deferred";
            case DeliveryEvent.Delayed d -> "delayed";
            case DeliveryEvent.Bounced b -> b.expired() ? "expired" : "bounced";
            case DeliveryEvent.Deleted d -> "deleted";
            case DeliveryEvent.Removed r -> "removed";
        };
    }
}
