package org.mailferry.notify;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place events are emitted. A listener that throws in {@link #on} is logged and does not
 * stop the others; one that cannot {@link #prepare} (the webhook outbox cannot be written) stops
 * the state change, and what the others prepared is discarded.
 */
public final class Events implements EventListener {
    private static final Logger log = LoggerFactory.getLogger("mailferry.events");
    private final List<EventListener> listeners = new CopyOnWriteArrayList<>();

    public void add(EventListener listener) {
        listeners.add(listener);
    }

    public void remove(EventListener listener) {
        listeners.remove(listener);
    }

    @Override
    public void on(DeliveryEvent event) {
        for (EventListener l : listeners) {
            try {
                l.on(event);
            } catch (RuntimeException e) {
                log.error("event listener {} failed on {}", l, event, e);
            }
        }
    }

    @Override
    public void prepare(List<DeliveryEvent> owed) throws IOException {
        if (owed.isEmpty()) {
            return;
        }
        List<EventListener> prepared = new ArrayList<>();
        for (EventListener l : listeners) {
            try {
                l.prepare(owed);
                prepared.add(l);
            } catch (IOException | RuntimeException e) {
                prepared.forEach(p -> p.discard(owed));
                throw e instanceof IOException io ? io : new IOException(l + " failed to prepare: " + e, e);
            }
        }
    }

    @Override
    public void discard(List<DeliveryEvent> owed) {
        for (EventListener l : listeners) {
            try {
                l.discard(owed);
            } catch (RuntimeException e) {
                log.error("event listener {} failed to discard {}", l, owed, e);
            }
        }
    }
}
