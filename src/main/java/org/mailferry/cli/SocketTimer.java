package org.mailferry.cli;

import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.locks.LockSupport;

/**
 * How long the sendmail command waits for the daemon on the submit socket: {@link #CONNECT_SECONDS}
 * for the connection, {@link #ANSWER_SECONDS} without progress while it sends and reads the answer;
 * {@code $MAILFERRY_SUBMIT_TIMEOUT} (seconds) sets both. A blocking channel has no timeouts of its
 * own, so a platform thread (cheap at start-up, unlike an executor) closes it when the time is up;
 * the blocked call then fails and the message goes to the maildrop.
 */
final class SocketTimer implements AutoCloseable {
    static final double CONNECT_SECONDS = 5;
    static final double ANSWER_SECONDS = 30;

    private final Closeable target;
    private final Thread thread;
    private volatile long deadline;
    private volatile boolean done;
    private volatile boolean fired;

    /** Starts timing the connection. */
    SocketTimer(Closeable target) {
        this.target = target;
        this.deadline = System.nanoTime() + nanos(CONNECT_SECONDS);
        this.thread = new Thread(this::watch, "sendmail-timeout");
        thread.setDaemon(true);
        thread.start();
    }

    /** The given seconds, or $MAILFERRY_SUBMIT_TIMEOUT's when it is a positive number. */
    static long nanos(double fallback) {
        String s = System.getenv("MAILFERRY_SUBMIT_TIMEOUT");
        double seconds = fallback;
        if (s != null && !s.isBlank()) {
            try {
                double given = Double.parseDouble(s.strip());
                seconds = given > 0 ? given : fallback;
            } catch (NumberFormatException e) {
                // not a number: the default, as the native client does
            }
        }
        return (long) (seconds * 1e9);
    }

    /** Progress: the daemon has {@link #ANSWER_SECONDS} again from now. */
    void progress() {
        deadline = System.nanoTime() + nanos(ANSWER_SECONDS);
    }

    /** The time was up and the channel was closed. */
    boolean fired() {
        return fired;
    }

    private void watch() {
        while (!done) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                fired = true;
                try {
                    target.close();
                } catch (IOException ignored) {
                    // closed either way
                }
                return;
            }
            LockSupport.parkNanos(this, left);
        }
    }

    @Override
    public void close() {
        done = true;
        LockSupport.unpark(thread);
    }
}
