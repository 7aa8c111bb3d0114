package org.mailferry.delivery;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A time limit on something done over a socket that read and write timeouts cannot bound: a whole
 * reply (a server trickling bytes restarts SO_TIMEOUT at every byte), a whole transaction, one
 * write (Java sockets have no write timeout). When the limit passes, the TCP socket is closed, so
 * the blocked read or write fails; {@link #expired()} then tells it was the deadline, and
 * {@link #timeout()} is the exception to throw instead of "socket closed".
 */
final class Deadline implements AutoCloseable {
    private static final ScheduledThreadPoolExecutor WATCHDOG = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "smtp-deadline-watchdog");
        t.setDaemon(true);
        return t;
    });

    static {
        WATCHDOG.setRemoveOnCancelPolicy(true);
    }

    /** Thrown when a smarthost was too slow for a reply or transaction deadline: the site's failure. */
    static final class TooSlow extends SocketTimeoutException {
        TooSlow(String message) {
            super(message);
        }
    }

    private final Socket socket;
    private final String what;
    private final long millis;
    private final ScheduledFuture<?> watch;
    private volatile boolean fired;

    private Deadline(Socket socket, String what, long millis) {
        this.socket = socket;
        this.what = what;
        this.millis = millis;
        this.watch = WATCHDOG.schedule(this::fire, millis, TimeUnit.MILLISECONDS);
    }

    /** Closes {@code socket} unless {@link #close()}d within {@code millis}; {@code what} names the limit. */
    static Deadline arm(Socket socket, long millis, String what) {
        return new Deadline(socket, what, millis);
    }

    private void fire() {
        fired = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all we can do
        }
    }

    boolean expired() {
        return fired;
    }

    /** The failure to report: what was not done in time, and the limit. */
    TooSlow timeout() {
        return tooSlow(what, millis);
    }

    /** "WHAT not completed within N ms (too slow: the site counts as failing)". */
    static TooSlow tooSlow(String what, long millis) {
        return new TooSlow(what + " not completed within " + millis + " ms (too slow: the site counts as failing)");
    }

    /** Disarms: the work was done in time. */
    @Override
    public void close() {
        watch.cancel(false);
    }
}
