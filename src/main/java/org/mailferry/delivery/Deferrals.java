package org.mailferry.delivery;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Deferrals written in the background at once (every site down), at most {@link #THREADS} at a
 * time, on platform threads of their own: on virtual threads their file I/O starved the SMTP
 * sessions' and the admin API's virtual threads (a flush of 100,000 against a dead smarthost
 * answered in 9-15 s). A worker that hands one over waits only for a free slot.
 */
final class Deferrals implements AutoCloseable {
    static final int THREADS = 8;
    private final Semaphore slots = new Semaphore(THREADS);
    private final ExecutorService threads = Executors.newFixedThreadPool(THREADS,
            Thread.ofPlatform().name("defer-", 0).daemon(true).factory());

    /** Runs {@code write} on a deferral thread once one of the slots is free. */
    void submit(Runnable write) {
        slots.acquireUninterruptibly();
        try {
            threads.execute(() -> {
                try {
                    write.run();
                } finally {
                    slots.release();
                }
            });
        } catch (RuntimeException | Error e) {
            slots.release();
            throw e;
        }
    }

    /** Lets the deferrals under way finish (never interrupted: each writes its deferral), up to 5 s. */
    @Override
    public void close() {
        threads.shutdown();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
