package org.mailferry.queue;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit: many threads that each changed a file (or renamed into a directory) need an fsync
 * before they may answer; one fsync serves every change made before it started. A caller takes an
 * {@link #epoch} before its change and, after it, waits until a sync that started later completes.
 * <p>
 * A failed sync is final for what it covered: on Linux a failed fsync drops the dirty pages it
 * could not write and marks them clean, so a later sync that succeeds says nothing about them. So a
 * caller succeeds only when a sync covering its change completed before any sync failed after its
 * epoch; once one failed, it fails even if a later one succeeds before it wakes.
 * <p>
 * Leader and followers, as PostgreSQL's group commit: a caller who finds no sync running runs the
 * next one itself, on its own thread, covering every change made before it began; callers who come
 * while it runs wait, and one of them leads the following sync for the rest. Handing each sync to a
 * sync thread and back cost the single session a park, two wake-ups and an unpark per message
 * (issue 19). An interrupt would close the file's channel, and nothing interrupts a session or a
 * delivery attempt; a leader already interrupted hands its sync to a {@link SyncThreads} thread, and
 * one interrupted while its own sync runs gets a failed sync (the channel closed under it), which
 * fails every waiter it covered like any failed sync: nothing it covered is acknowledged, and the
 * journal starts a new segment. Waiters ignore interrupts until their sync has ended (keeping the
 * flag). Any {@code Throwable} from a sync ends the round with a failure for all its waiters, never
 * a wedge.
 */
final class GroupSync {
    /** The fsync (or fdatasync) that makes the changes durable. */
    interface Action {
        void sync() throws IOException;
    }

    private final Action action;
    private final SyncThreads threads;
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Waiters by the sync that covers them, alternating: {@code ended[n & 1]} for sync number n. A
     * sync's end wakes only the waiters it covered, and one of those who came while it ran (that one
     * starts the next sync for the others); notifyAll woke every waiting session each time, and a
     * virtual thread's wake-up and re-wait copy its stack in and out (issue 19).
     */
    private final Condition[] ended = {lock.newCondition(), lock.newCondition()};
    private long issued;      // tickets handed out
    private long durable;     // tickets covered by syncs that succeeded while failures == now
    private boolean syncing;
    private long started;     // syncs started so far: the running one's number while syncing
    private long runningCovers; // the tickets the running sync covers
    private long failures;    // syncs that failed so far
    private IOException failure; // the latest
    private final Map<Long, Long> durableBefore = new HashMap<>(); // epoch -> durable when it ended

    GroupSync(Action action, SyncThreads threads) {
        this.action = action;
        this.threads = threads;
    }

    /** For a directory: fsync of the directory itself (renames and creations in it). */
    static GroupSync ofDirectory(Disk disk, java.nio.file.Path dir) {
        return new GroupSync(() -> disk.syncDirectory(dir), disk.syncThreads());
    }

    /** Take before a change; pass to {@link #await(long)} after it. */
    long epoch() {
        lock.lock();
        try {
            return failures;
        } finally {
            lock.unlock();
        }
    }

    /** Callers that have come to {@link #await} so far (tests wait for followers with it). */
    long callers() {
        lock.lock();
        try {
            return issued;
        } finally {
            lock.unlock();
        }
    }

    /** True once any sync failed (a journal segment is then closed for appends). */
    boolean failed() {
        lock.lock();
        try {
            return failures > 0;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns once a sync that began after this call has completed, if no sync failed since
     * {@code epoch}; throws the failure otherwise. Waiting ignores interrupts (the flag stays set).
     */
    void await(long epoch) throws IOException {
        long ticket;
        long covers;
        long round;
        lock.lock();
        try {
            ticket = ++issued;
            while (true) {
                if (failures > epoch) {
                    if (durableBefore.getOrDefault(epoch, 0L) >= ticket) {
                        return; // made durable before the failure
                    }
                    throw new IOException(failure.getMessage(), failure);
                }
                if (durable >= ticket) {
                    return;
                }
                if (!syncing) {
                    break; // this thread runs the next fsync for everyone waiting
                }
                // the running sync covers this ticket, or (taken while it runs) the one after it
                ended[(int) ((ticket <= runningCovers ? started : started + 1) & 1)].awaitUninterruptibly();
            }
            syncing = true;
            round = ++started;
            covers = issued; // every change with a ticket up to here happened before this fsync
            runningCovers = covers;
        } finally {
            lock.unlock();
        }
        Throwable error = null;
        try {
            if (Thread.currentThread().isInterrupted()) {
                threads.run(action); // on a thread nobody interrupts; the flag stays set
            } else {
                action.sync(); // the leader syncs for everyone: no hand-off to another thread
            }
        } catch (Throwable t) {
            error = t;
        }
        lock.lock();
        try {
            syncing = false;
            ended[(int) (round & 1)].signalAll(); // every waiter this sync covered
            if (error == null) {
                durable = Math.max(durable, covers);
                ended[(int) ((round + 1) & 1)].signal(); // one who came meanwhile starts the next sync
            } else {
                durableBefore.put(failures, durable);
                failures++;
                failure = error instanceof IOException io ? io : new IOException("sync failed: " + error, error);
                ended[(int) ((round + 1) & 1)].signalAll(); // each judges the failure by its epoch
                throw new IOException(failure.getMessage(), failure);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Waits for a sync started on {@link SyncThreads}, ignoring interrupts meanwhile. */
    static void join(Future<?> f) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    f.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable t = e.getCause();
                    throw t instanceof IOException io ? io : new IOException("sync failed: " + t, t);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
