package org.mailferry.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a stored message as SMTP DATA (the client's side of {@link DataReader}): a leading dot
 * doubled on each line, a line longer than {@code maxLineOctets} broken by inserting
 * {@code CRLF SPACE} as Postfix's smtp_line_length_limit does (998 by default there too: a strict
 * server refuses longer lines with 5.6.0, and the inserted space keeps a broken header folded and
 * does the least damage to MIME), a final CRLF when missing, then the ending dot.
 *
 * <p>The body is copied in blocks. Each line's first byte is looked at on its own (a dot to double);
 * the rest of the line is only scanned for its LF, unless it may pass the limit: then byte by byte,
 * counting octets on the wire (a stuffed dot included, CR and LF not).
 */
public final class DataWriter {
    private static final byte[] BREAK = {'\r', '\n', ' '};
    private static final byte[] DOT = {'.'};

    /** How much of the body is read and scanned at a time. */
    public static final int BUFFER_BYTES = 65536;

    private final int maxLineOctets;

    /** {@code maxLineOctets} 0 for no limit. */
    public DataWriter(int maxLineOctets) {
        this.maxLineOctets = maxLineOctets <= 0 ? Integer.MAX_VALUE : maxLineOctets;
    }

    /** Copies {@code body} to {@code out}; returns how many breaks were inserted. */
    public long write(InputStream body, OutputStream out) throws IOException {
        return write(body, out, new byte[BUFFER_BYTES]);
    }

    /**
     * The same through the caller's {@code buffer} (at least {@link #BUFFER_BYTES}), which a
     * connection keeps for all its bodies: 64 KiB less garbage per message (issue 19).
     */
    public long write(InputStream body, OutputStream out, byte[] buffer) throws IOException {
        Copy copy = new Copy(out, buffer, maxLineOctets);
        byte[] buf = copy.buf;
        int last = -1;
        int prev = -1;
        int n;
        while ((n = body.read(buf)) > 0) {
            copy.from = 0;
            int i = 0;
            while (i < n) {
                if (copy.lineOctets == 0) { // a line's start (or only CRs so far): the dot rule
                    byte c = buf[i];
                    if (c != '.' && c != '\r' && c != '\n') { // what bytes() does with it, without the call
                        copy.lineOctets = 1;
                    } else {
                        copy.bytes(i, i + 1);
                    }
                    i++;
                    continue;
                }
                int lf = i;
                while (lf + 8 <= n && Words.lf(buf, lf) == 0) {
                    lf += 8;
                }
                while (lf < n && buf[lf] != '\n') {
                    lf++;
                }
                if (copy.lineOctets + (long) (lf - i) > maxLineOctets) {
                    int end = lf < n ? lf + 1 : n; // the LF too (a limit of 1 leaves lineOctets at 2)
                    copy.bytes(i, end); // may need a break: count exactly
                    i = end;
                } else if (lf < n) {
                    copy.lineOctets = 0;
                    i = lf + 1;
                } else { // the line goes on in the next read: its octets so far, CRs left out
                    for (; i < n; i++) {
                        if (buf[i] != '\r') {
                            copy.lineOctets++;
                        }
                    }
                }
            }
            out.write(buf, copy.from, n - copy.from);
            prev = n >= 2 ? buf[n - 2] : last;
            last = buf[n - 1];
        }
        if (!(prev == '\r' && last == '\n')) {
            out.write(BREAK, 0, 2);
        }
        out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
        return copy.breaks;
    }

    /** One body's copy: the bytes of {@code buf} from {@code from} on are not written yet. */
    private static final class Copy {
        final OutputStream out;
        final byte[] buf;
        final int maxLineOctets;
        int from;
        int lineOctets; // on the wire, a stuffed dot included, CR and LF not
        long breaks;

        Copy(OutputStream out, byte[] buf, int maxLineOctets) {
            this.out = out;
            this.buf = buf;
            this.maxLineOctets = maxLineOctets;
        }

        /** Takes {@code buf[start, end)} one byte at a time: a dot to double, a line to break. */
        void bytes(int start, int end) throws IOException {
            for (int i = start; i < end; i++) {
                byte b = buf[i];
                if (b == '\n') {
                    lineOctets = 0;
                    continue;
                }
                if (b == '\r') {
                    continue;
                }
                if (lineOctets == 0 && b == '.') {
                    out.write(buf, from, i - from);
                    out.write(DOT);
                    from = i;
                    lineOctets++;
                }
                if (lineOctets >= maxLineOctets) {
                    out.write(buf, from, i - from);
                    out.write(BREAK);
                    from = i;
                    lineOctets = 1;
                    breaks++;
                }
                lineOctets++;
            }
        }
    }
}
