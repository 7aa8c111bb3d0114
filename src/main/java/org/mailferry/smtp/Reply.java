package org.mailferry.smtp;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An SMTP reply: a three-digit code, an optional enhanced status, one or more text lines.
 * The listener's replies are built from the named constants and factories here, never from
 * string literals with codes in them.
 */
public record Reply(int code, @Nullable EnhancedStatus status, List<String> lines) {

    public Reply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("reply code out of range: " + code);
        }
        // A reply may echo client input (a bad parameter): never let a CR, LF or other control
        // character through, or a client could forge reply lines (found by SmtpParsingFuzzTest).
        lines = lines.isEmpty() ? List.of("") : lines.stream().map(Reply::printable).toList();
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

    public static final Reply CLOSING = of(221, EnhancedStatus.CLOSING, "Bye");
    public static final Reply OK = of(250, EnhancedStatus.OK, "Ok");
    public static final Reply SENDER_OK = of(250, EnhancedStatus.SENDER_OK, "Ok");
    public static final Reply RECIPIENT_OK = of(250, EnhancedStatus.DESTINATION_OK, "Ok");
    public static final Reply VRFY = of(252, EnhancedStatus.CANNOT_VERIFY,
            "Cannot VRFY user, but will accept message and attempt delivery");
    public static final Reply START_DATA = new Reply(354, null, List.of("End data with <CR><LF>.<CR><LF>"));
    public static final Reply SHUTTING_DOWN = of(421, EnhancedStatus.TEMP_SHUTDOWN,
            "Service shutting down, closing transmission channel");
    public static final Reply TIMEOUT = of(421, EnhancedStatus.TEMP_TIMEOUT, "Timeout exceeded, closing connection");
    public static final Reply TOO_MANY_CONNECTIONS = of(421, EnhancedStatus.TEMP_TOO_MANY_CONNECTIONS,
            "Too many connections, try again later");
    public static final Reply SPOOL_FAILURE = of(451, EnhancedStatus.TEMP_LOCAL_ERROR,
            "Local error in processing, try again later");
    public static final Reply SPOOL_FULL = of(452, EnhancedStatus.TEMP_STORAGE_FULL,
            "Insufficient system storage, try again later");
    public static final Reply TOO_MANY_RECIPIENTS = of(452, EnhancedStatus.TEMP_TOO_MANY_RECIPIENTS,
            "Too many recipients");
    public static final Reply LINE_TOO_LONG = of(500, EnhancedStatus.LINE_TOO_LONG, "Line too long");
    public static final Reply UNKNOWN_COMMAND = of(500, EnhancedStatus.UNKNOWN_COMMAND, "Command unrecognized");
    public static final Reply NEED_MAIL = of(503, EnhancedStatus.BAD_SEQUENCE, "Need MAIL command first");
    public static final Reply NEED_RCPT = of(503, EnhancedStatus.BAD_SEQUENCE, "Need RCPT command first");
    public static final Reply NEED_HELO = of(503, EnhancedStatus.BAD_SEQUENCE, "Send EHLO or HELO first");
    public static final Reply NESTED_MAIL = of(503, EnhancedStatus.BAD_SEQUENCE, "Nested MAIL command");
    public static final Reply BARE_LINE_ENDING = of(550, EnhancedStatus.BARE_LINE_ENDING,
            "Message refused: bare <CR> or <LF> in data; lines must end with <CR><LF>");
    public static final Reply NUL_IN_DATA = of(550, EnhancedStatus.MEDIA_ERROR,
            "Message refused: NUL character in data");
    public static final Reply DATA_LINE_TOO_LONG = of(550, EnhancedStatus.MEDIA_ERROR,
            "Message refused: a line exceeds 998 characters (RFC 5321 4.5.3.1.6)");
    public static final Reply TOO_BIG = of(552, EnhancedStatus.TOO_BIG, "Message size exceeds fixed limit");
    public static final Reply NO_VALID_RECIPIENTS = of(554, EnhancedStatus.BAD_SEQUENCE, "No valid recipients");

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
