package org.mailferry.smtp;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The byte-at-a-time {@link DataReader} as it was before it scanned {@link SmtpInput}'s buffer in
 * place (issue 19), kept as the reference the equivalence test compares the new one with.
 *
 * <p>Reads the DATA section of an SMTP transaction: removes dot-stuffing and stops at
 * {@code CRLF.CRLF} only. A bare CR or bare LF never ends the message (SMTP smuggling); it is
 * recorded so the session can refuse the message. The size limit, NUL bytes, 8-bit bytes and
 * overlong lines are recorded too; the stream is always read to its real end so the session stays
 * in step with the client.
 */
final class ByteDataReader {
    private static final int LINE_START = 0;
    private static final int TEXT = 1;
    private static final int CR = 2;
    private static final int DOT = 3;
    private static final int DOT_CR = 4;


    private final long maxBytes;
    private final int maxLineOctets;

    ByteDataReader(long maxBytes, int maxLineOctets) {
        this.maxBytes = maxBytes;
        this.maxLineOctets = maxLineOctets;
    }

    /**
     * Reads until CRLF.CRLF or end of stream, writing the unstuffed message to {@code sink}.
     * {@code Result.ended} is false when the stream ended first (the client went away).
     */
    DataReader.Result read(SmtpInput in, OutputStream sink) throws IOException {
        long written = 0;
        boolean bare = false;
        boolean nul = false;
        boolean eightBit = false;
        boolean longLine = false;
        int lineLen = 0;
        int state = LINE_START;
        int c;
        while ((c = in.read()) >= 0) {
            switch (state) {
                case LINE_START -> {
                    if (c == '.') {
                        state = DOT;
                        continue;
                    }
                }
                case DOT -> {
                    if (c == '\r') {
                        state = DOT_CR;
                        continue;
                    }
                    lineLen = 1; // a stuffed dot: dropped, but it counted on the wire
                }
                case DOT_CR -> {
                    if (c == '\n') {
                        return new DataReader.Result(Math.min(written, maxBytes), true, written > maxBytes, bare, nul, eightBit,
                                longLine);
                    }
                    bare = true; // ".<CR>x": the CR is bare
                    if (written < maxBytes) {
                        sink.write('\r');
                    }
                    written++;
                }
                case CR -> {
                    if (c == '\n') {
                        if (written + 2 <= maxBytes) {
                            sink.write('\r');
                            sink.write('\n');
                        }
                        written += 2;
                        state = LINE_START;
                        lineLen = 0;
                        continue;
                    }
                    bare = true;
                    if (written < maxBytes) {
                        sink.write('\r');
                    }
                    written++;
                    lineLen++;
                }
                default -> {
                }
            }
            // TEXT handling for c
            if (c == '\r') {
                state = CR;
                continue;
            }
            state = TEXT;
            if (c == '\n') {
                bare = true; // bare LF: kept as data, never a line start
                lineLen = 0;
            } else {
                lineLen++;
                if (lineLen > maxLineOctets) {
                    longLine = true;
                }
                if (c == 0) {
                    nul = true;
                } else if (c >= 0x80) {
                    eightBit = true;
                }
            }
            if (written < maxBytes) {
                sink.write(c);
            }
            written++;
        }
        return new DataReader.Result(Math.min(written, maxBytes), false, written > maxBytes, bare, nul, eightBit, longLine);
    }
}
