package org.mailferry.queue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;

/**
 * Which node may attempt or change a message, when several share one queue: a node holds a
 * message's lease (its node id and an expiry, renewed while it works) from its claim until the
 * envelope is updated or retired. A node that dies stops renewing; when its leases expire, other
 * nodes claim the messages. With one node ({@link #SOLE}, the file spool, guarded by the spool
 * lock) every message is always this node's.
 */
public interface Leases {
    /**
     * Takes (or confirms) this node's lease on {@code id}; false when another node holds it. The
     * lease is renewed until {@link #release}.
     */
    boolean take(QueueId id) throws IOException;

    /** The attempt or change is over: stop renewing (updating or retiring the envelope ended the lease). */
    void release(QueueId id);

    /** True when other nodes share the queue: {@link #claimDue} and {@link #awaitWork} do something. */
    boolean shared();

    /** Leases up to {@code max} messages due now that no live node holds; their envelopes. */
    List<Envelope> claimDue(int max) throws IOException;

    /**
     * Waits until messages may be due for this node: another node announced some (a new message it
     * will not attempt itself, a flush, a release), the next retry falls due, or {@code max} passed.
     */
    void awaitWork(Duration max) throws InterruptedException;

    /** Makes every queued message due now for every node; returns how many, or -1 when not shared. */
    int flushAll() throws IOException;

    /** One node owns the whole queue. */
    Leases SOLE = new Leases() {
        @Override
        public boolean take(QueueId id) {
            return true;
        }

        @Override
        public void release(QueueId id) {
        }

        @Override
        public boolean shared() {
            return false;
        }

        @Override
        public List<Envelope> claimDue(int max) {
            return List.of();
        }

        @Override
        public void awaitWork(Duration max) throws InterruptedException {
            Thread.sleep(max.toMillis());
        }

        @Override
        public int flushAll() {
            return -1;
        }
    };
}
