package org.mailferry.notify;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * An event's id: {@code QUEUEID.HHHHHHHHHHHHHHHH}, the queue id and 64 bits of SHA-256 over what
 * names the transition: event type, attempt number and recipient. Not the time, the reply or the
 * smarthost, which differ when a transition is remade after a crash (its record lost, the attempt
 * made again): so the remade event has the same id, and an application that drops ids it has seen
 * drops the copy. No two different transitions share an id: per recipient each attempt ends in one
 * of delivered, deferred, bounced or expired (and at most one delay warning per message); a message
 * is received once, removed once; a deletion ends every pending recipient. A "deferred" not made by
 * a connection (relay "none": no smarthost configured, a failure on our side) also hashes its
 * reason, since it can follow the attempt with the same number; the same such deferral repeated
 * before the next attempt (same reason) is the same fact and keeps its id.
 */
public final class EventId {
    private EventId() {
    }

    public static String of(DeliveryEvent event) {
        String recipient = switch (event) {
            case DeliveryEvent.Delivered d -> d.recipient().value();
            case DeliveryEvent.Deferred d -> d.recipient().value() + (d.relay().equals("none") ? "\n" + d.reason() : "");
            case DeliveryEvent.Delayed d -> d.recipient().value();
            case DeliveryEvent.Bounced b -> b.recipient().value();
            case DeliveryEvent.Deleted d -> d.recipient().value();
            case DeliveryEvent.Received r -> "";
            case DeliveryEvent.Removed r -> "";
        };
        String key = EventType.of(event) + "\n" + event.facts().attempt() + "\n" + recipient;
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return event.id().value() + "." + HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
