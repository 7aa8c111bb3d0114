package org.mailferry.cli;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import org.mailferry.config.ConfigSource;
import org.mailferry.notify.EventListener;

/** A relay running in this process, started through the {@link Wiring}. */
public interface RunningRelay extends AutoCloseable {
    /** The SMTP listener's address. */
    InetSocketAddress address();

    /** Adds a listener to every event from now on. */
    void listen(EventListener listener);

    /** Where a reload (SIGHUP, mailferry reload) reads the configuration again. */
    void reloadFrom(ConfigSource source);

    /**
     * Reads the configuration again and applies it to what comes next; a configuration that does
     * not load is refused with one log line and the one in use stays. True when applied.
     */
    boolean reload();

    /** Completes with the exit status when the relay stopped by itself (a failed queue recovery). */
    CompletableFuture<Integer> stopped();

    @Override
    void close();
}
