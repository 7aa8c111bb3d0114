package org.mailferry.notify;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place events are emitted. A listener that throws is logged and does not stop the others. */
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
}
