package org.mailferry.notify;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * The {@code %msg} of every log line (both logback configurations use it): values from outside
 * (maildrop file names, HELO, addresses, replies, user names) are escaped here, in the one place
 * every line is built, so none can end a line and forge the next (issue 20, "log lines that lie").
 * CR, LF and TAB become {@code \r \n \t}, a backslash {@code \\}, other control and invisible
 * format characters (NUL, ESC, DEL, U+2028, bidi overrides) {@code \xHH} or {@code \U+HHHH}.
 * Postfix's printable() writes {@code ?} instead; an escape says which byte it was.
 */
public final class PrintableMessage extends ClassicConverter {
    @Override
    public String convert(ILoggingEvent event) {
        return escape(event.getFormattedMessage());
    }

    static String escape(String s) {
        if (s == null) {
            return "null";
        }
        int i = 0;
        while (i < s.length() && plain(s.charAt(i))) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (plain(c)) {
                sb.append(c);
                continue;
            }
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append("\\\\");
                default -> sb.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\U+%04X", (int) c));
            }
        }
        return sb.toString();
    }

    private static boolean plain(char c) {
        if (c >= 0x20 && c < 0x7f) {
            return c != '\\';
        }
        if (c < 0xa0) {
            return false; // C0, DEL, C1 (NEL)
        }
        int type = Character.getType(c);
        return type != Character.FORMAT && type != Character.LINE_SEPARATOR && type != Character.PARAGRAPH_SEPARATOR
                && type != Character.CONTROL;
    }
}
