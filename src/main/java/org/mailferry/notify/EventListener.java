package org.mailferry.notify;

import java.io.IOException;
import java.util.List;

/**
 * Hears delivery events. Implementations must be quick and must not block delivery.
 * A state change with events is told in two steps: {@link #prepare} before the change is made
 * durable, {@link #on} for each event after it. A listener that must not lose an event in a crash
 * (the webhook outbox) records it durably in {@code prepare}; the others need only {@link #on}.
 */
@FunctionalInterface
public interface EventListener {
    void on(DeliveryEvent event);

    /** Before the state change: records what {@link #on} will be told after it. Throwing stops the change. */
    default void prepare(List<DeliveryEvent> owed) throws IOException {
    }

    /** The state change prepared for did not happen: forgets what {@link #prepare} recorded. */
    default void discard(List<DeliveryEvent> owed) {
    }
}
