package org.mailferry.cli;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import org.mailferry.notify.EventListener;

/** A relay running in this process, started through the {@link Wiring}. */
public interface RunningRelay extends AutoCloseable {
    /** The SMTP listener's address. */
    InetSocketAddress address();

    /** Adds a listener to every event from now on. */
    void listen(EventListener listener);

    /** Completes with the exit status when the relay stopped by itself (a failed queue recovery). */
    CompletableFuture<Integer> stopped();

    @Override
    void close();
}
