package org.mailferry.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The {@link DataWriter} as it was before its scan looked for line ends only (issue 19), kept as the
 * reference the equivalence test compares the new one with.
 *
 * <p>Writes a stored message as SMTP DATA (the client's side of {@link DataReader}): a leading dot
 * doubled on each line, a line longer than {@code maxLineOctets} broken by inserting
 * {@code CRLF SPACE} as Postfix's smtp_line_length_limit does (998 by default there too: a strict
 * server refuses longer lines with 5.6.0, and the inserted space keeps a broken header folded and
 * does the least damage to MIME), a final CRLF when missing, then the ending dot.
 */
final class ByteDataWriter {
    private final int maxLineOctets;

    /** {@code maxLineOctets} 0 for no limit. */
    ByteDataWriter(int maxLineOctets) {
        this.maxLineOctets = maxLineOctets <= 0 ? Integer.MAX_VALUE : maxLineOctets;
    }

    /** Copies {@code body} to {@code out}; returns how many breaks were inserted. */
    long write(InputStream body, OutputStream out) throws IOException {
        byte[] buf = new byte[65536];
        long breaks = 0;
        int lineOctets = 0; // on the wire, a stuffed dot included, CR and LF not
        int last = -1;
        int prev = -1;
        int n;
        while ((n = body.read(buf)) > 0) {
            int from = 0;
            for (int i = 0; i < n; i++) {
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
                    out.write('.');
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
            out.write(buf, from, n - from);
            prev = n >= 2 ? buf[n - 2] : last;
            last = buf[n - 1];
        }
        if (!(prev == '\r' && last == '\n')) {
            out.write('\r');
            out.write('\n');
        }
        out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
        return breaks;
    }

    private static final byte[] BREAK = {'\r', '\n', ' '};
}
