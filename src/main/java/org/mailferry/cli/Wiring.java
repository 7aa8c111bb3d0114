package org.mailferry.cli;

import java.io.IOException;
import org.mailferry.config.Config;
import org.mailferry.notify.EventListener;
import org.mailferry.queue.Storage;
import org.mailferry.queue.QueueAccess;

/**
 * What the commands need built, provided by the wiring (Mailferry): the commands decide what to
 * do, the wiring constructs the relay and the parts the commands use with the daemon stopped.
 */
public interface Wiring {
    /** Starts the relay (serve, and check's private relay for --send-test). */
    RunningRelay start(Config config) throws IOException;

    /** The spool as the queue and status commands read it, the daemon running or not. */
    Storage spool(Config config) throws IOException;

    /** The listener for changes made with the daemon stopped: the webhook outbox. */
    EventListener offlineEvents(Config config, Storage spool) throws IOException;

    /** Who may list (mailq) and change the queue. */
    QueueAccess access(Config config);
}
