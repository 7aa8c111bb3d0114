package org.mailferry.queue;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicLong;
import org.mailferry.message.QueueId;

/**
 * A message being received: in memory while it fits the limit and the budget, else in a spool
 * file (what was buffered is copied there first).
 */
final class Receiving implements Spool.Incoming {
    private final QueueId id;
    private final FileSpool files;
    private final AtomicLong budget;
    private final long maxBytes;
    byte[] buffer = new byte[8192];
    int length;
    private long reserved;
    Spool.Incoming spilled;
    boolean committed;
    private final OutputStream out = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            if (spilled == null && (length < buffer.length || grow(1))) {
                buffer[length++] = (byte) b;
            } else {
                spilled.body().write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (spilled == null && (buffer.length - length >= len || grow(len))) {
                System.arraycopy(b, off, buffer, length, len);
                length += len;
            } else {
                spilled.body().write(b, off, len);
            }
        }
    };

    /**
     * @param budget   bytes all messages being received may still hold (shared, given back on close)
     * @param maxBytes the largest message kept in memory (the journal's limit); 0: always a file
     */
    Receiving(QueueId id, FileSpool files, AtomicLong budget, long maxBytes) throws IOException {
        this.id = id;
        this.files = files;
        this.budget = budget;
        this.maxBytes = maxBytes;
        if (!reserve(buffer.length)) {
            spill();
        }
    }

    /**
     * Makes room for {@code more} bytes, or spills to a file (then returns false). The buffer grows
     * fourfold (8, 32, 128 KiB...): a 100 KiB message allocates 168 KiB and copies 40 KiB on the
     * way, where doubling allocated 248 KiB and copied 120 KiB (issue 19: the young collections and
     * the zeroing of new arrays were a tenth of the daemon's CPU at 100 KiB).
     */
    private boolean grow(int more) throws IOException {
        long need = (long) length + more;
        if (need <= maxBytes) {
            int size = (int) Math.min(Math.max(need, 4L * buffer.length), maxBytes);
            if (reserve(size - buffer.length)) {
                buffer = java.util.Arrays.copyOf(buffer, size);
                return true;
            }
        }
        spill();
        return false;
    }

    private boolean reserve(long bytes) {
        if (maxBytes <= 0 || budget.addAndGet(-bytes) < 0) {
            budget.addAndGet(bytes);
            return false;
        }
        reserved += bytes;
        return true;
    }

    private void spill() throws IOException {
        spilled = files.create(id);
        if (buffer != null) {
            spilled.body().write(buffer, 0, length);
        }
        release();
    }

    void release() {
        budget.addAndGet(reserved);
        reserved = 0;
        buffer = null;
    }

    @Override
    public QueueId id() {
        return id;
    }

    @Override
    public OutputStream body() {
        return out;
    }

    @Override
    public void close() {
        if (spilled != null) {
            spilled.close(); // does nothing after a commit
        }
        if (!committed) {
            release();
        }
    }
}
