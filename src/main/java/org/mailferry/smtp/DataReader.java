package org.mailferry.smtp;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Reads the DATA section of an SMTP transaction: removes dot-stuffing and stops at
 * {@code CRLF.CRLF} only. A bare CR or bare LF never ends the message (SMTP smuggling); it is
 * recorded so the session can refuse the message. The size limit, NUL bytes, 8-bit bytes and
 * overlong lines are recorded too; the stream is always read to its real end so the session stays
 * in step with the client.
 *
 * <p>It scans {@link SmtpInput}'s buffer in place and passes the message on in blocks: one write per
 * buffer, plus one per line that starts with a dot (the dot is left out). A CR that ends a buffer is
 * held back until the next byte says whether it ends a line.
 */
public final class DataReader {
    /** RFC 5321 4.5.3.1.6: 998 characters plus CRLF. */
    public static final int MAX_LINE_OCTETS = 998;

    private static final int LINE_START = 0;
    private static final int TEXT = 1;
    private static final int CR = 2;
    private static final int DOT = 3;
    private static final int DOT_CR = 4;
    private static final byte[] CRLF = {'\r', '\n'};

    /** What was read. {@code bytes} counts what was written to the sink (at most the limit). */
    public record Result(long bytes, boolean ended, boolean oversize, boolean bareLineEnding, boolean nul,
                         boolean eightBit, boolean longLine) {
    }

    private final long maxBytes;
    private final int maxLineOctets;

    public DataReader(long maxBytes, int maxLineOctets) {
        this.maxBytes = maxBytes;
        this.maxLineOctets = maxLineOctets;
    }

    /**
     * Reads until CRLF.CRLF or end of stream, writing the unstuffed message to {@code sink}.
     * {@code Result.ended} is false when the stream ended first (the client went away).
     */
    public Result read(SmtpInput in, OutputStream sink) throws IOException {
        Limited out = new Limited(sink, maxBytes);
        boolean bare = false;
        boolean nul = false;
        boolean eightBit = false;
        boolean longLine = false;
        boolean crHeld = false; // state CR, its CR at the end of an earlier buffer and not yet written
        int lineLen = 0; // a stuffed dot and a bare CR included, the CRLF not
        int state = LINE_START;
        while (in.ensureBuffered()) {
            byte[] b = in.buffer();
            int i = in.position();
            int lim = in.limit();
            int run = i; // b[run, i) is passed on as it is
            while (i < lim) {
                byte c = b[i];
                switch (state) {
                    case LINE_START -> {
                        if (c == '.') {
                            out.write(b, run, i - run);
                            run = ++i; // the dot is dropped
                            state = DOT;
                            continue;
                        }
                    }
                    case DOT -> {
                        if (c == '\r') {
                            run = ++i; // this CR: dropped when the message ends, written when bare
                            state = DOT_CR;
                            continue;
                        }
                        lineLen = 1; // a stuffed dot: dropped, but it counted on the wire
                    }
                    case DOT_CR -> {
                        if (c == '\n') {
                            in.consumeTo(i + 1);
                            return new Result(Math.min(out.written, maxBytes), true, out.written > maxBytes, bare,
                                    nul, eightBit, longLine);
                        }
                        bare = true; // ".<CR>x": the CR is bare
                        out.write(CRLF, 0, 1);
                    }
                    case CR -> {
                        if (c == '\n') {
                            if (crHeld) {
                                out.write(CRLF, 0, 2);
                                run = i + 1;
                                crHeld = false;
                            }
                            i++;
                            state = LINE_START;
                            lineLen = 0;
                            continue;
                        }
                        bare = true;
                        lineLen++;
                        if (crHeld) {
                            out.write(CRLF, 0, 1);
                            crHeld = false;
                        }
                    }
                    default -> {
                    }
                }
                // c as text
                if (c == '\r') {
                    i++;
                    state = CR;
                    continue;
                }
                state = TEXT;
                if (c == '\n') {
                    bare = true; // bare LF: kept as data, never a line start
                    lineLen = 0;
                    i++;
                    continue;
                }
                int start = i;
                while (true) { // CR, LF, NUL and 8-bit bytes are all <= CR as signed bytes
                    if (c <= '\r') {
                        if (c == '\r' || c == '\n') {
                            break;
                        }
                        if (c == 0) {
                            nul = true;
                        } else if (c < 0) {
                            eightBit = true;
                        }
                    }
                    i++;
                    while (i + 8 <= lim && !Words.special(b, i)) {
                        i += 8;
                    }
                    if (i == lim) {
                        break;
                    }
                    c = b[i];
                }
                lineLen += i - start;
                if (lineLen > maxLineOctets) {
                    longLine = true;
                }
            }
            if (state == CR) { // the buffer ends with a CR: written once the next byte is known
                out.write(b, run, i - 1 - run);
                crHeld = true;
            } else {
                out.write(b, run, i - run);
            }
            in.consumeTo(lim);
        }
        return new Result(Math.min(out.written, maxBytes), false, out.written > maxBytes, bare, nul, eightBit,
                longLine);
    }

    /** True when the size limit was passed. Separate so callers read it by name. */
    public long maxBytes() {
        return maxBytes;
    }

    /**
     * Passes bytes on up to the size limit and counts all of them. A CRLF is written whole or not at
     * all: a block cut by the limit between its CR and LF loses the CR too. Within one block a CR
     * followed by LF is always a line ending (a bare CR before LF does not exist).
     */
    private static final class Limited {
        private final OutputStream sink;
        private final long maxBytes;
        long written;

        Limited(OutputStream sink, long maxBytes) {
            this.sink = sink;
            this.maxBytes = maxBytes;
        }

        void write(byte[] b, int off, int len) throws IOException {
            if (len <= 0) {
                return;
            }
            long room = maxBytes - written;
            written += len;
            if (room >= len) {
                sink.write(b, off, len);
                return;
            }
            if (room <= 0) {
                return;
            }
            int n = (int) room;
            if (b[off + n - 1] == '\r' && b[off + n] == '\n') {
                n--;
            }
            if (n > 0) {
                sink.write(b, off, n);
            }
        }
    }
}
