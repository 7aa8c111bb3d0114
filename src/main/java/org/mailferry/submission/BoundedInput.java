package org.mailferry.submission;

import java.io.IOException;
import java.io.InputStream;

/**
 * The next {@code length} bytes of a request, as a stream of their own: a body is read through it
 * straight into the spool, never gathered in memory. Closing it leaves the connection open.
 */
final class BoundedInput extends InputStream {
    private final InputStream in;
    private final long length;
    private long left;

    BoundedInput(InputStream in, long length) {
        this.in = in;
        this.length = length;
        this.left = length;
    }

    @Override
    public int read() throws IOException {
        if (left <= 0) {
            return -1;
        }
        int b = in.read();
        if (b >= 0) {
            left--;
        } else {
            left = -left; // ended early: remembered for complete()
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (left <= 0) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, left));
        if (n > 0) {
            left -= n;
        } else if (n < 0) {
            left = -left;
        }
        return n;
    }

    @Override
    public int available() throws IOException {
        return left <= 0 ? 0 : (int) Math.min(left, in.available());
    }

    /** All {@code length} bytes came; else the client went away in the middle of its request. */
    void complete() throws Drop.MalformedException {
        if (left != 0) {
            long got = length - Math.abs(left);
            throw new Drop.MalformedException("incomplete request (" + got + " of " + length + " bytes)");
        }
    }

    @Override
    public void close() {
        // the connection's stream stays open for the answer
    }
}
