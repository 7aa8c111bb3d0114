package org.mailferry.delivery;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * A socket input stream with a deadline for a whole reply or transaction, not per read: before each
 * read, SO_TIMEOUT is set to the time left, so a server trickling one byte a second cannot stretch
 * a reply past its limit (SO_TIMEOUT alone restarts at every byte). Past the deadline a read fails
 * with {@link Deadline.TooSlow} naming the limit; a deadline that passes with not one byte read is
 * a plain {@link SocketTimeoutException} ("timeout": a silent server, as before).
 */
final class DeadlineInput extends FilterInputStream {
    private final Socket socket;
    private long deadlineNanos = Long.MAX_VALUE;
    private String limit = "";
    private long bytes;
    private long bytesAtStart;
    private boolean silenceTooSlow;

    DeadlineInput(InputStream in, Socket socket) {
        super(in);
        this.socket = socket;
    }

    /**
     * Reads from now on must end by {@code deadlineNanos} ({@link System#nanoTime()}); {@code limit}
     * names it; {@code silenceTooSlow}: too slow even when not a byte came (a transaction's limit).
     */
    void until(long deadlineNanos, String limit, boolean silenceTooSlow) {
        this.deadlineNanos = deadlineNanos;
        this.limit = limit;
        this.bytesAtStart = bytes;
        this.silenceTooSlow = silenceTooSlow;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        long left = deadlineNanos == Long.MAX_VALUE ? 0 : deadlineNanos - System.nanoTime();
        if (deadlineNanos != Long.MAX_VALUE) {
            if (left <= 0) {
                throw expired();
            }
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000L)));
        }
        try {
            int n = in.read(b, off, len);
            if (n > 0) {
                bytes += n;
            }
            return n;
        } catch (SocketTimeoutException e) {
            throw deadlineNanos != Long.MAX_VALUE && System.nanoTime() - deadlineNanos >= -1_000_000L ? expired() : e;
        }
    }

    private SocketTimeoutException expired() {
        return bytes == bytesAtStart && !silenceTooSlow ? new SocketTimeoutException("timeout")
                : new Deadline.TooSlow(limit + " (too slow: the site counts as failing)");
    }
}
