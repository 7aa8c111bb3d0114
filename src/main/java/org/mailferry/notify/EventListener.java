package org.mailferry.notify;

/** Hears delivery events. Implementations must be quick and must not block delivery. */
@FunctionalInterface
public interface EventListener {
    void on(DeliveryEvent event);
}
