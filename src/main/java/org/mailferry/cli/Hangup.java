package org.mailferry.cli;

import org.slf4j.LoggerFactory;

/**
 * SIGHUP asks the daemon to reload (systemctl reload, kill -HUP), as it asks Postfix and
 * sendmail. The JDK's only way to handle a signal is sun.misc.Signal (module jdk.unsupported,
 * exported to every class-path application and kept through JDK 25; no replacement exists). The
 * handler runs on the JVM's signal thread: it starts the reload on its own thread and returns.
 */
final class Hangup {
    private Hangup() {
    }

    /** Runs {@code reload} on each SIGHUP from now on; logs once when the platform has no SIGHUP. */
    static void onSignal(Runnable reload) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"),
                    signal -> Thread.ofPlatform().name("reload").start(reload));
        } catch (IllegalArgumentException e) {
            LoggerFactory.getLogger("mailferry").warn("SIGHUP cannot be handled here ({}); use 'mailferry reload'",
                    e.getMessage());
        }
    }
}
