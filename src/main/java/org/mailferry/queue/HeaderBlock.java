package org.mailferry.queue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The header block of a stored message (everything before the first empty line), read without
 * touching the rest of the body, and single header fields from it (unfolded).
 */
public final class HeaderBlock {
    /** Header blocks longer than this are cut (a real one is a few KiB). */
    static final int MAX_BYTES = 256 * 1024;

    private HeaderBlock() {
    }

    /** Reads up to and including the empty line that ends the header block. */
    public static byte[] read(InputStream body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        int prev1 = -1;
        int prev2 = -1;
        int b;
        while (out.size() < MAX_BYTES && (b = body.read()) >= 0) {
            out.write(b);
            if (b == '\n' && (prev1 == '\n' || (prev1 == '\r' && prev2 == '\n'))) {
                break;
            }
            prev2 = prev1;
            prev1 = b;
        }
        return out.toByteArray();
    }

    /**
     * The header block of a queued message, read from the start of its body (what a delivery's
     * events need; {@link History#headers} also knows finished messages).
     */
    public static byte[] read(Spool spool, org.mailferry.message.QueueId id) throws IOException {
        try (InputStream body = spool.openBody(id)) {
            return read(body);
        }
    }

    /** The first field called {@code name} (case-insensitive), unfolded and trimmed; null if none. */
    public static String field(byte[] headers, String name) {
        String text = new String(headers, StandardCharsets.UTF_8);
        String[] lines = text.split("\r?\n", -1);
        String wanted = name.toLowerCase(Locale.ROOT) + ":";
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].toLowerCase(Locale.ROOT).startsWith(wanted)) {
                StringBuilder v = new StringBuilder(lines[i].substring(wanted.length()));
                while (i + 1 < lines.length && !lines[i + 1].isEmpty()
                        && (lines[i + 1].charAt(0) == ' ' || lines[i + 1].charAt(0) == '\t')) {
                    v.append(' ').append(lines[++i].strip());
                }
                return v.toString().strip();
            }
        }
        return null;
    }
}
