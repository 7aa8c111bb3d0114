package org.mailferry.delivery;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A time limit on something done over a socket that read and write timeouts cannot bound: a whole
 * reply (a server trickling bytes restarts SO_TIMEOUT at every byte), a whole transaction, one
 * write (Java sockets have no write timeout). When the limit passes, the TCP socket is closed, so
 * the blocked read or write fails; {@link #expired()} then tells it was the deadline, and
 * {@link #timeout()} is the exception to throw instead of "socket closed".
 */
final class Deadline implements AutoCloseable {
    private static final Watchdog WATCHDOG = new Watchdog();
    /** A limit longer than this (about 100 years) is this: nanoTime differences must not overflow. */
    private static final long LONGEST_NANOS = TimeUnit.DAYS.toNanos(36_500);

    /** Thrown when a smarthost was too slow for a reply or transaction deadline: the site's failure. */
    static final class TooSlow extends SocketTimeoutException {
        TooSlow(String message) {
            super(message);
        }
    }

    private final Socket socket;
    private final String what;
    private final long millis;
    private final long dueNanos;
    private volatile boolean fired;

    private Deadline(Socket socket, String what, long millis) {
        this.socket = socket;
        this.what = what;
        this.millis = millis;
        this.dueNanos = System.nanoTime() + Math.min(TimeUnit.MILLISECONDS.toNanos(millis), LONGEST_NANOS);
        WATCHDOG.arm(this);
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
        WATCHDOG.disarm(this);
    }

    /** How often the watchdog thread has woken so far (tests: arming must not wake it each time). */
    static long wakeUps() {
        return WATCHDOG.wakeUps.get();
    }

    /**
     * The one thread that closes the sockets of expired deadlines. A scheduled executor woke its
     * thread for nearly every deadline armed or cancelled (two to three per delivered message,
     * issue 19); this one looks at least once a second and is woken only by a deadline due before
     * it would look anyway. The deadlines armed at once are one or two per delivery worker: a scan
     * of all of them is cheap.
     */
    private static final class Watchdog implements Runnable {
        private static final long HEARTBEAT_NANOS = TimeUnit.SECONDS.toNanos(1);
        private final Set<Deadline> armed = ConcurrentHashMap.newKeySet();
        private final AtomicLong wakeUps = new AtomicLong();
        private final Thread thread;
        private volatile long lookAtNanos = System.nanoTime(); // when the thread looks next

        Watchdog() {
            thread = Thread.ofPlatform().name("smtp-deadline-watchdog").daemon(true).unstarted(this);
            thread.start();
        }

        void arm(Deadline d) {
            armed.add(d);
            if (d.dueNanos - lookAtNanos < 0) { // (read after the add: see run())
                LockSupport.unpark(thread);
            }
        }

        void disarm(Deadline d) {
            armed.remove(d);
        }

        @Override
        public void run() {
            while (true) {
                long now = System.nanoTime();
                long next = now + HEARTBEAT_NANOS;
                for (Deadline d : armed) {
                    if (d.dueNanos - now <= 0) {
                        if (armed.remove(d)) {
                            try {
                                d.fire();
                            } catch (RuntimeException e) { // never lose the watchdog
                                d.fired = true;
                            }
                        }
                    } else if (d.dueNanos - next < 0) {
                        next = d.dueNanos;
                    }
                }
                lookAtNanos = next;
                // a deadline armed during the scan either is seen now or saw the new lookAtNanos
                for (Deadline d : armed) {
                    if (d.dueNanos - next < 0) {
                        next = d.dueNanos;
                    }
                }
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(this, wait);
                }
                wakeUps.incrementAndGet();
            }
        }
    }
}
