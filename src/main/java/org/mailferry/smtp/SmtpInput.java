package org.mailferry.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Buffered reading of an SMTP stream: command lines with a length bound and a per-line deadline,
 * and byte access for DATA. Used by the listener and the smarthost client.
 */
public final class SmtpInput {
    private final InputStream in;
    private final byte[] buf = new byte[16384];
    private int pos;
    private int limit;
    private final LongSupplier nanoClock;
    private long lineTimeoutNanos = Long.MAX_VALUE;
    private @Nullable TransferLimit transfer;
    private long transferStart;
    private long transferBytes;

    /** A line that did not fit in the limit; the rest of it was read and discarded. */
    public static final class LineTooLongException extends IOException {
        public LineTooLongException() {
            super("line too long");
        }
    }

    public SmtpInput(InputStream in) {
        this(in, System::nanoTime);
    }

    public SmtpInput(InputStream in, LongSupplier nanoClock) {
        this.in = in;
        this.nanoClock = nanoClock;
    }

    /** Bounds the time one line may take to arrive in full (slow clients); {@code <= 0} means none. */
    public void setLineTimeoutMillis(long millis) {
        this.lineTimeoutNanos = millis <= 0 ? Long.MAX_VALUE : millis * 1_000_000L;
    }

    /**
     * Bounds a transfer (the DATA phase) as a whole: its duration and, once {@code grace} has passed,
     * its average rate. Checked each time bytes arrive, so a client trickling a byte at a time is
     * stopped with {@link TransferTooSlowException}; a silent client still meets the socket timeout.
     */
    public record TransferLimit(long deadlineNanos, long minBytesPerSecond, long graceNanos) {
        public static final TransferLimit NONE = new TransferLimit(0, 0, 0);
    }

    /** A transfer past its deadline or below its minimum rate; the message says which. */
    public static final class TransferTooSlowException extends SocketTimeoutException {
        public TransferTooSlowException(String why) {
            super(why);
        }
    }

    /** Starts bounding what is read from now on ({@link TransferLimit#NONE}: no bound). */
    public void limitTransfer(TransferLimit limit) {
        this.transfer = limit;
        this.transferStart = nanoClock.getAsLong();
        this.transferBytes = this.limit - pos; // pipelined bytes already here
    }

    public void endTransfer() {
        this.transfer = null;
    }

    private void checkTransfer(int n) throws TransferTooSlowException {
        TransferLimit transfer = this.transfer;
        if (transfer == null) {
            return;
        }
        transferBytes += n;
        long elapsed = nanoClock.getAsLong() - transferStart;
        if (transfer.deadlineNanos() > 0 && elapsed > transfer.deadlineNanos()) {
            throw new TransferTooSlowException("not completed within " + transfer.deadlineNanos() / 1_000_000 + " ms ("
                    + transferBytes + " bytes)");
        }
        if (transfer.minBytesPerSecond() > 0 && elapsed > transfer.graceNanos()
                && transferBytes * 1_000_000_000.0 / elapsed < transfer.minBytesPerSecond()) {
            throw new TransferTooSlowException(String.format("%d bytes in %d ms, below %d bytes/s", transferBytes,
                    elapsed / 1_000_000, transfer.minBytesPerSecond()));
        }
    }

    /** True when bytes are already buffered (the client pipelined more commands). */
    public boolean hasBuffered() {
        return pos < limit;
    }

    /** Replaces the underlying stream's buffered bytes check: drops anything buffered (after STARTTLS). */
    public int discardBuffered() {
        int n = limit - pos;
        pos = limit = 0;
        return n;
    }

    private boolean fill() throws IOException {
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            return false;
        }
        pos = 0;
        limit = n;
        if (transfer != null) {
            checkTransfer(n);
        }
        return true;
    }

    /** Next byte, or -1 at end of stream. */
    public int read() throws IOException {
        if (pos >= limit && !fill()) {
            return -1;
        }
        return buf[pos++] & 0xff;
    }

    /**
     * Reads one line terminated by LF; a CR before the LF is removed. Returns the line's bytes
     * without the line ending, or null at end of stream before any byte.
     *
     * @param maxBytes the longest line accepted, line ending included
     * @throws LineTooLongException when longer (the line is consumed)
     * @throws SocketTimeoutException when the line did not complete within the line timeout
     */
    public byte @Nullable [] readLine(int maxBytes) throws IOException {
        byte[] line = new byte[128];
        int len = 0;
        boolean tooLong = false;
        long start = nanoClock.getAsLong();
        while (true) {
            if (pos >= limit) {
                boolean partial = len > 0 || tooLong;
                if (!fill()) {
                    if (!partial) {
                        return null;
                    }
                    throw new java.io.EOFException("connection closed in the middle of a line");
                }
                if (partial && nanoClock.getAsLong() - start > lineTimeoutNanos) {
                    throw new SocketTimeoutException("line not completed in time");
                }
            }
            byte b = buf[pos++];
            if (b == '\n') {
                if (tooLong || len + 1 > maxBytes) {
                    throw new LineTooLongException();
                }
                if (len > 0 && line[len - 1] == '\r') {
                    len--;
                }
                return Arrays.copyOf(line, len);
            }
            if (tooLong) {
                continue;
            }
            if (len + 1 >= maxBytes) {
                tooLong = true;
                continue;
            }
            if (len == line.length) {
                line = Arrays.copyOf(line, line.length * 2);
            }
            line[len++] = b;
        }
    }

    /**
     * Makes sure at least one byte is buffered, reading when none is; false at end of stream. With
     * {@link #buffer()}, {@link #position()}, {@link #limit()} and {@link #consumeTo(int)} it lets
     * {@link DataReader} scan the buffer in place instead of calling {@link #read()} per byte.
     */
    boolean ensureBuffered() throws IOException {
        return pos < limit || fill();
    }

    /** The buffer itself (bytes {@link #position()} to {@link #limit()} are unread); not to be kept. */
    byte[] buffer() {
        return buf;
    }

    int position() {
        return pos;
    }

    int limit() {
        return limit;
    }

    /** Marks the buffer's bytes before {@code newPosition} as read. */
    void consumeTo(int newPosition) {
        if (newPosition < pos || newPosition > limit) {
            throw new IllegalArgumentException("position " + newPosition + " outside " + pos + ".." + limit);
        }
        pos = newPosition;
    }

    /** Copies up to {@code max} buffered-or-fresh bytes into {@code dst}; -1 at end of stream. */
    public int readSome(byte[] dst, int off, int max) throws IOException {
        if (pos >= limit && !fill()) {
            return -1;
        }
        int n = Math.min(max, limit - pos);
        System.arraycopy(buf, pos, dst, off, n);
        pos += n;
        return n;
    }
}
