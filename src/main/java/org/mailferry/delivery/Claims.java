package org.mailferry.delivery;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.mailferry.message.QueueId;

/**
 * Who is working on a message right now: a delivery attempt or an operator's command (hold,
 * release, delete, flush). Whoever holds the claim is the only one to rewrite the envelope, so an
 * operator's change and an attempt's result never overwrite each other. Attempts do not wait
 * (the message is tried later); operators wait for a running attempt, up to a limit.
 */
final class Claims {
    private final Set<QueueId> claimed = new HashSet<>();
    private volatile java.util.function.Consumer<QueueId> released = id -> { };

    Claims() {
    }

    /** {@code released} is told of each release, after it (the scheduler looks at a message it had to skip). */
    void onRelease(java.util.function.Consumer<QueueId> released) {
        this.released = released;
    }

    /** Claims {@code id} if nobody holds it. */
    public synchronized boolean tryClaim(QueueId id) {
        return claimed.add(id);
    }

    /** Waits up to {@code patience} for the claim; false when it is still taken. */
    public synchronized boolean claim(QueueId id, Duration patience) throws InterruptedException {
        long end = System.nanoTime() + patience.toNanos();
        while (claimed.contains(id)) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        claimed.add(id);
        return true;
    }

    public void release(QueueId id) {
        synchronized (this) {
            claimed.remove(id);
            notifyAll();
        }
        released.accept(id);
    }
}
