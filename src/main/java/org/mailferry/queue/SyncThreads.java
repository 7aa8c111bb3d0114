package org.mailferry.queue;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The platform threads every fsync runs on: nothing interrupts them (an interrupt would close the
 * file's channel mid-force), and a waiter ignores interrupts until its sync has ended. The daemon
 * makes one and closes it when it stops; a one-shot command's {@link Disk#system()} makes its own
 * (idle threads end after a minute; they are daemon threads and never keep a process alive).
 */
public final class SyncThreads implements AutoCloseable {
    private final ExecutorService threads = Executors.newCachedThreadPool(
            Thread.ofPlatform().name("spool-sync-", 0).daemon(true).factory());

    /** Starts an fsync on a sync thread; {@link GroupSync#join} waits for it. */
    Future<?> start(GroupSync.Action a) {
        return threads.submit(() -> {
            a.sync();
            return null;
        });
    }

    /** Runs an fsync on a sync thread and waits for it, ignoring interrupts meanwhile. */
    void run(GroupSync.Action a) throws IOException {
        GroupSync.join(start(a));
    }

    /** Takes no new syncs; the running ones finish (never interrupted). */
    @Override
    public void close() {
        threads.shutdown();
    }
}
