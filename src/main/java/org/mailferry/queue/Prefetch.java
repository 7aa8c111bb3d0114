package org.mailferry.queue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.mailferry.message.QueueId;

/**
 * A node's prefetch (queue.prefetch): which of the messages it holds wait for one of its workers,
 * and which it accepted without a lease because it held enough (its overflow, in the order they
 * were committed and scheduled here; another node may claim them meanwhile). At most
 * {@link #bound} messages wait leased to this node; a message accepted while they and the overflow
 * reach the bound is left to any node. When a worker gets to an overflowed message, the lease it
 * must write takes the next ones of the overflow with it (as many as the bound leaves room for), so
 * on a node alone a burst beyond its prefetch costs one more write per batch, not per message.
 * Thread-safe.
 */
final class Prefetch {
    private final Set<QueueId> waiting = new HashSet<>();
    private final LinkedHashSet<QueueId> overflow = new LinkedHashSet<>();
    /** More overflow than this is not remembered (those are leased one by one when their turn comes). */
    private static final int OVERFLOW_KEPT = 100_000;
    private volatile int bound = 1;

    void bound(int n) {
        this.bound = n;
    }

    /** A message this node accepts: true when it is leased in the accept's commit (then it waits here). */
    synchronized boolean leaseAtCommit(QueueId id) {
        if (waiting.size() + overflow.size() >= bound) {
            return false;
        }
        waiting.add(id);
        return true;
    }

    /**
     * Committed without a lease (told after the commit, just before it is scheduled here, so the
     * overflow keeps the schedule's order and a batch takes the messages the workers get to next).
     */
    synchronized void overflowed(QueueId id) {
        if (overflow.size() < OVERFLOW_KEPT) {
            overflow.add(id);
        }
    }

    /** Leased by a claim: it waits here until a worker starts it. */
    synchronized void claimed(QueueId id) {
        waiting.add(id);
    }

    /** Its attempt started, or its lease ended, or its commit failed: neither waiting nor overflow. */
    synchronized void started(QueueId id) {
        waiting.remove(id);
        overflow.remove(id);
    }

    /** Overflowed messages reserved for a lease being written, and that write's end. */
    private final Map<QueueId, CountDownLatch> inFlight = new HashMap<>();

    /** The overflowed messages a lease by id writes with its own, and when that write is over. */
    record Batch(List<QueueId> more, CountDownLatch done) {
    }

    /**
     * {@code id} is to be leased by a write: the oldest overflowed messages that fit under the bound
     * are reserved to be leased in the same statement (counted as waiting; a worker that gets to one
     * meanwhile waits for the write, {@link #awaitWrite}, rather than writing its own lease).
     */
    synchronized Batch batchWith(QueueId id) {
        waiting.remove(id);
        overflow.remove(id);
        int room = bound - waiting.size();
        List<QueueId> more = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        for (Iterator<QueueId> it = overflow.iterator(); it.hasNext() && more.size() < room; ) {
            QueueId next = it.next();
            it.remove();
            waiting.add(next);
            inFlight.put(next, done);
            more.add(next);
        }
        return new Batch(more, done);
    }

    /**
     * Returns once no write reserved {@code id} with another's lease (at once when none did): the
     * lease it wrote is then held. Bounded by the pool's socket timeout (60 s); 2 minutes at most.
     */
    void awaitWrite(QueueId id) throws IOException {
        CountDownLatch writing;
        synchronized (this) {
            writing = inFlight.get(id);
        }
        if (writing == null) {
            return;
        }
        try {
            if (!writing.await(2, TimeUnit.MINUTES)) {
                throw new IOException("the lease of " + id + ", written by another worker, did not finish in 2 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while another worker wrote the lease of " + id, e);
        }
    }

    /** The write is over: those of {@code b} not in {@code leased} wait here no longer (another node holds them, or it failed). */
    synchronized void written(Batch b, Collection<QueueId> leased) {
        for (QueueId id : b.more()) {
            inFlight.remove(id);
            if (!leased.contains(id)) {
                waiting.remove(id);
            }
        }
        b.done().countDown();
    }

    synchronized int waiting() {
        return waiting.size();
    }

    synchronized int overflow() {
        return overflow.size();
    }
}
