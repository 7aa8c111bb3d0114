package org.mailferry.queue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The header block of a stored message (everything before the first empty line), read without
 * touching the rest of the body, and single header fields from it (unfolded).
 */
public final class HeaderBlock {
    /** Header blocks longer than this are cut (a real one is a few KiB). */
    static final int MAX_BYTES = 256 * 1024;

    private HeaderBlock() {
    }

    /**
     * Reads up to and including the empty line that ends the header block (at most {@link #MAX_BYTES}).
     * Reads in blocks, so it may read past the header block: the caller closes {@code body} after.
     */
    public static byte[] read(InputStream body) throws IOException {
        byte[] buf = new byte[8192];
        int len = 0;
        int n;
        while (len < MAX_BYTES && (n = body.read(buf, len, Math.min(buf.length, MAX_BYTES) - len)) >= 0) {
            int end = end(buf, Math.max(0, len - 2), len + n);
            len += n;
            if (end >= 0) {
                return Arrays.copyOf(buf, end);
            }
            if (len == buf.length && len < MAX_BYTES) {
                buf = Arrays.copyOf(buf, Math.min(buf.length * 2, MAX_BYTES));
            }
        }
        return Arrays.copyOf(buf, len);
    }

    /** The header block at the start of {@code body[0, len)}: {@link #read(InputStream)} on bytes at hand. */
    public static byte[] read(byte[] body, int len) {
        int max = Math.min(len, MAX_BYTES);
        int end = end(body, 0, max);
        return Arrays.copyOf(body, end >= 0 ? end : max);
    }

    /**
     * Where the header block in {@code b[0, len)} ends (after the LF of its empty line, LF LF or
     * LF CR LF), scanning from {@code from}; -1 when not within {@code len}.
     */
    private static int end(byte[] b, int from, int len) {
        for (int i = from; i < len; i++) {
            if (b[i] == '\n' && i > 0 && (b[i - 1] == '\n' || (i > 1 && b[i - 1] == '\r' && b[i - 2] == '\n'))) {
                return i + 1;
            }
        }
        return -1;
    }

    /**
     * The header block of a queued message, read from the start of its body (what a delivery's
     * events need; {@link History#headers} also knows finished messages).
     */
    public static byte[] read(Spool spool, org.mailferry.message.QueueId id) throws IOException {
        return spool.headerBlock(id);
    }

    /**
     * The first field called {@code name} (ASCII, case-insensitive), unfolded (continuation lines
     * joined with one space) and trimmed; null if none. Lines end with LF, a CR before it dropped.
     */
    public static String field(byte[] headers, String name) {
        int n = name.length();
        for (int line = 0; line < headers.length; line = lineEnd(headers, line) + 1) {
            if (line + n < headers.length && headers[line + n] == ':' && named(headers, line, name)) {
                int end = lineEnd(headers, line);
                StringBuilder v = new StringBuilder(text(headers, line + n + 1, end));
                for (int next = end + 1; next < headers.length && (headers[next] == ' ' || headers[next] == '\t');
                        next = end + 1) {
                    end = lineEnd(headers, next);
                    v.append(' ').append(text(headers, next, end).strip());
                }
                return v.toString().strip();
            }
        }
        return null;
    }

    private static boolean named(byte[] headers, int at, String name) {
        for (int i = 0; i < name.length(); i++) {
            int c = headers[at + i];
            int w = name.charAt(i);
            if (c != w && ((c | 0x20) != (w | 0x20) || (c | 0x20) < 'a' || (c | 0x20) > 'z')) {
                return false;
            }
        }
        return true;
    }

    /** The index of the LF ending the line that starts at {@code from}, or the length. */
    private static int lineEnd(byte[] headers, int from) {
        int i = from;
        while (i < headers.length && headers[i] != '\n') {
            i++;
        }
        return i;
    }

    /** The line's text from {@code from} to {@code end} (its LF), a CR before the LF left out. */
    private static String text(byte[] headers, int from, int end) {
        int to = end > from && end < headers.length && headers[end - 1] == '\r' ? end - 1 : end;
        return new String(headers, from, to - from, StandardCharsets.UTF_8);
    }
}
