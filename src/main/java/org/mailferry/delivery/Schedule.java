package org.mailferry.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.mailferry.message.QueueId;

/**
 * When each queued message is due, on an injected clock: (id, due time) only, never envelopes.
 * Two lanes, as Postfix's qmgr scans its incoming and deferred queues in turn: a message never
 * tried yet goes to the new lane, first come first served; a retry waits in a heap by due time and,
 * once due, in the deferred lane. {@link #take} alternates between the two when both have work,
 * so 100,000 retries due at once after an outage delay a fresh message by one attempt at most.
 * Each id is in the schedule at most once: adding it again replaces its due time (the old entry
 * stays in the heap, stale, and is skipped). A flush moves entries in memory; nothing is written.
 */
final class Schedule {
    /** An id with its due time; {@code fresh} for the new lane. Identity tells stale entries apart. */
    private record Entry(QueueId id, long dueMillis, boolean fresh) {
    }

    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<QueueId, Entry> current = new HashMap<>();
    private final PriorityQueue<Entry> waiting = new PriorityQueue<>((a, b) -> {
        int c = Long.compare(a.dueMillis(), b.dueMillis());
        return c != 0 ? c : a.id().compareTo(b.id());
    });
    private final ArrayDeque<Entry> fresh = new ArrayDeque<>();
    private final ArrayDeque<Entry> retries = new ArrayDeque<>();
    private boolean lastWasFresh;
    /** Longest real-time sleep between looks at the clock (a test's clock may jump meanwhile). */
    private final long maxSleepMillis;

    Schedule(Clock clock) {
        this(clock, Duration.ofSeconds(1));
    }

    Schedule(Clock clock, Duration maxSleep) {
        this.clock = clock;
        this.maxSleepMillis = Math.max(1, maxSleep.toMillis());
    }

    /**
     * Schedules {@code id} at {@code due}, replacing an earlier entry; {@code fresh} puts it in the
     * new lane (a message not tried yet, due now or earlier).
     */
    void add(QueueId id, Instant due, boolean fresh) {
        lock.lock();
        try {
            long now = clock.millis();
            Entry e = new Entry(id, due.toEpochMilli(), fresh && due.toEpochMilli() <= now);
            current.put(id, e);
            if (e.fresh()) {
                this.fresh.add(e);
            } else if (e.dueMillis() <= now) {
                retries.add(e);
            } else {
                waiting.add(e);
            }
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Adds {@code id} only when it is not scheduled yet; true when added. */
    boolean addIfAbsent(QueueId id, Instant due, boolean fresh) {
        lock.lock();
        try {
            if (current.containsKey(id)) {
                return false;
            }
            add(id, due, fresh);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Makes one scheduled message due now; false when it is not in the schedule. */
    boolean flush(QueueId id) {
        lock.lock();
        try {
            Entry e = current.get(id);
            if (e == null) {
                return false;
            }
            add(id, Instant.ofEpochMilli(Math.min(e.dueMillis(), clock.millis())), false);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes every scheduled message due now, in memory: O(n log n), no envelope is rewritten;
     * returns how many are scheduled (all due now).
     */
    int flushAll() {
        lock.lock();
        try {
            Entry e;
            while ((e = waiting.poll()) != null) {
                if (current.get(e.id()) == e) {
                    retries.add(e);
                }
            }
            changed.signalAll();
            return current.size();
        } finally {
            lock.unlock();
        }
    }

    /** Takes {@code id} out of the schedule (deleted, held); true when it was there. */
    boolean remove(QueueId id) {
        lock.lock();
        try {
            return current.remove(id) != null; // its entries are stale now
        } finally {
            lock.unlock();
        }
    }

    /** The next due message now, or null: never waits. */
    QueueId poll() {
        lock.lock();
        try {
            return next(clock.millis());
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code patience} for a due message; null when none came. */
    QueueId take(Duration patience) throws InterruptedException {
        long end = System.nanoTime() + patience.toNanos();
        lock.lockInterruptibly();
        try {
            while (true) {
                long now = clock.millis();
                QueueId id = next(now);
                if (id != null) {
                    return id;
                }
                long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                if (left <= 0) {
                    return null;
                }
                Entry head = peekWaiting();
                long untilDue = head == null ? Long.MAX_VALUE : Math.max(1, head.dueMillis() - now);
                changed.await(Math.min(Math.min(left, untilDue), maxSleepMillis), TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Wakes waiting workers to look at the clock again (after a test moved it). */
    void wake() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** How many entries are due now, waiting for a worker (both lanes). */
    int dueCount() {
        lock.lock();
        try {
            return fresh.size() + retries.size();
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return current.size();
        } finally {
            lock.unlock();
        }
    }

    boolean contains(QueueId id) {
        lock.lock();
        try {
            return current.containsKey(id);
        } finally {
            lock.unlock();
        }
    }

    /** The due time of a scheduled message, or null. */
    Instant dueTime(QueueId id) {
        lock.lock();
        try {
            Entry e = current.get(id);
            return e == null ? null : Instant.ofEpochMilli(e.dueMillis());
        } finally {
            lock.unlock();
        }
    }

    private Entry peekWaiting() {
        Entry e;
        while ((e = waiting.peek()) != null && current.get(e.id()) != e) {
            waiting.poll(); // stale
        }
        return e;
    }

    /** Moves what became due to the deferred lane, then takes from the lanes in turn. */
    private QueueId next(long now) {
        Entry w;
        while ((w = peekWaiting()) != null && w.dueMillis() <= now) {
            retries.add(waiting.poll());
        }
        Entry e = lastWasFresh ? poll(retries) : poll(fresh);
        if (e == null) {
            e = lastWasFresh ? poll(fresh) : poll(retries);
        }
        if (e == null) {
            return null;
        }
        lastWasFresh = e.fresh();
        current.remove(e.id());
        return e.id();
    }

    /** The first live entry of a lane, dropping stale ones. */
    private Entry poll(ArrayDeque<Entry> lane) {
        Entry e;
        while ((e = lane.poll()) != null) {
            if (current.get(e.id()) == e) {
                return e;
            }
        }
        return null;
    }
}
