package org.mailferry.cli;

import java.io.IOException;
import java.io.InputStream;

/**
 * A message body as sendmail reads it, converted while it is read, holding no more than a few
 * bytes: lines split at LF, a CR just before the LF dropped, every line ended with CRLF (a last
 * line without LF too, a CR at the very end dropped), and, unless -i, the input ends at a line
 * that is a single dot (which is not part of the body). Failures of the input are {@link
 * MessageText.InputException}s.
 */
final class BodyLines extends InputStream {
    private final InputStream in;
    private final boolean ignoreDots;
    private final byte[] out = new byte[8];
    private int outPos;
    private int outLen;
    private boolean lineStart = true;
    private boolean cr;     // a CR read, not yet known to end the line
    private int dot;        // at a line's start: 1 after ".", 2 after ".\r"
    private boolean done;

    BodyLines(InputStream in, boolean ignoreDots) {
        this.in = in;
        this.ignoreDots = ignoreDots;
    }

    @Override
    public int read() throws IOException {
        while (outPos == outLen) {
            if (done) {
                return -1;
            }
            outPos = 0;
            outLen = 0;
            step();
        }
        return out[outPos++] & 0xff;
    }

    /** As many bytes as come without blocking, after the first. */
    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = 0;
        while (n < len) {
            if (n > 0 && outPos == outLen && (done || available() <= 0)) {
                break;
            }
            int c = read();
            if (c < 0) {
                break;
            }
            b[off + n++] = (byte) c;
        }
        return n == 0 && len > 0 ? -1 : n;
    }

    @Override
    public int available() throws IOException {
        try {
            return outLen - outPos + (done ? 0 : in.available());
        } catch (IOException e) {
            throw new MessageText.InputException(e);
        }
    }

    private void emit(int c) {
        out[outLen++] = (byte) c;
    }

    /** Reads one input byte and emits what it settles. */
    private void step() throws IOException {
        int c;
        try {
            c = in.read();
        } catch (IOException e) {
            throw new MessageText.InputException(e);
        }
        if (c < 0) {
            done = true;
            if (dot == 0 && (cr || !lineStart)) {
                emit('\r'); // the last line had no LF (a CR at the very end is dropped)
                emit('\n');
            }
            return;
        }
        if (dot == 1 || dot == 2) {
            if (c == '\n') {
                done = true; // a line with a single dot: the end of the input
                return;
            }
            if (dot == 1 && c == '\r') {
                dot = 2;
                return;
            }
            emit('.');
            if (dot == 2) {
                emit('\r');
            }
            dot = 0;
        }
        if (cr) {
            cr = false;
            if (c == '\n') {
                emit('\r');
                emit('\n');
                lineStart = true;
                return;
            }
            emit('\r');
        }
        if (lineStart && !ignoreDots && c == '.') {
            dot = 1;
            lineStart = false;
            return;
        }
        lineStart = false;
        if (c == '\r') {
            cr = true;
        } else if (c == '\n') {
            emit('\r');
            emit('\n');
            lineStart = true;
        } else {
            emit(c);
        }
    }
}
