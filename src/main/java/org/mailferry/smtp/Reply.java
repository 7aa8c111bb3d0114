package org.mailferry.smtp;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An SMTP reply: a three-digit code, an optional enhanced status, one or more text lines. The
 * listener's replies are named constants in one catalogue (submission's {@code Replies}); the
 * smarthost client reads replies with {@link ReplyReader}.
 */
public record Reply(int code, @Nullable EnhancedStatus status, List<String> lines) {

    public Reply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("reply code out of range: " + code);
        }
        // A reply may echo client input (a bad parameter): never let a CR, LF or other control
        // character through, or a client could forge reply lines (found by SmtpParsingFuzzTest).
        lines = lines.isEmpty() ? List.of("") : printable(lines);
    }

    /** Each line made printable, in an unmodifiable list (a loop: one reply per command, issue 19). */
    private static List<String> printable(List<String> lines) {
        String[] out = new String[lines.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = printable(lines.get(i));
        }
        return List.of(out);
    }

    private static String printable(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return line.replaceAll("[\\x00-\\x1f\\x7f]", "?");
            }
        }
        return line;
    }

    public static Reply of(int code, @Nullable EnhancedStatus status, String text) {
        return new Reply(code, status, List.of(text));
    }

    public boolean isPositive() {
        return code < 300;
    }

    public boolean isIntermediate() {
        return code >= 300 && code < 400;
    }

    public boolean isTransientNegative() {
        return code >= 400 && code < 500;
    }

    public boolean isPermanentNegative() {
        return code >= 500;
    }

    /** The reply on one line for logs: "250 2.0.0 Ok: queued as X". */
    public String oneLine() {
        StringBuilder sb = new StringBuilder().append(code);
        if (status != null) {
            sb.append(' ').append(status);
        }
        String text = String.join(" ", lines);
        if (!text.isEmpty()) {
            sb.append(' ').append(text);
        }
        return sb.toString();
    }

    /** The wire form, CRLF-terminated, multi-line with "code-" continuation. */
    public byte[] wire() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (status != null) {
                sb.append(status).append(' ');
            }
            sb.append(lines.get(i)).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return oneLine();
    }
}
