package org.mailferry.submission;

import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Where AUTH passwords are hashed: a small pool of platform threads with a short queue, away from
 * the sessions' own threads. A PBKDF2 check takes ~0.65 s of CPU; when the sessions ran on virtual
 * threads, a few clients looping AUTH stopped every other session (a mynetworks client went from
 * 23 messages in 25 s to 3), and on platform threads they would still take every core: here they
 * share one thread. When the queue is full the check is refused at once and the client
 * gets 454 4.7.0, as Postfix answers when its SASL server is unavailable.
 */
public final class PasswordChecks implements AutoCloseable {
    /** The outcome of one check: BUSY when the pool's queue was full. */
    enum Outcome { MATCH, NO_MATCH, BUSY }

    public static final int THREADS = 1;
    public static final int QUEUE = 4;
    private final ThreadPoolExecutor pool;

    public PasswordChecks(int threads, int queue) {
        pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue),
                r -> {
                    Thread t = new Thread(r, "mailferry-password-check");
                    t.setDaemon(true);
                    t.setPriority(Thread.MIN_PRIORITY);
                    return t;
                });
    }

    /** Checks on the pool and waits for it; wipes {@code password} once done. */
    Outcome verify(Users users, String user, char[] password) {
        char[] copy = password.clone();
        Arrays.fill(password, '\0');
        Future<Boolean> f;
        try {
            f = pool.submit(() -> {
                try {
                    return users.verify(user, copy);
                } finally {
                    Arrays.fill(copy, '\0');
                }
            });
        } catch (RejectedExecutionException e) {
            Arrays.fill(copy, '\0');
            return Outcome.BUSY;
        }
        try {
            return f.get() ? Outcome.MATCH : Outcome.NO_MATCH;
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            return Outcome.BUSY;
        } catch (ExecutionException e) {
            throw new IllegalStateException("password check failed", e.getCause());
        }
    }

    /** Checks waiting for a thread (for tests and metrics). */
    int waiting() {
        return pool.getQueue().size();
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
