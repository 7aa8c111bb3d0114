package org.mailferry.smtp;

import java.io.IOException;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads server replies (client side), multi-line ones included, strictly (RFC 5321 4.2). */
public final class ReplyReader {
    private static final int MAX_LINE = 4096;
    private static final int MAX_LINES = 200;

    private ReplyReader() {
    }

    /**
     * @param enhanced whether to take a leading "x.y.z" of each line as the enhanced status
     * @throws ProtocolException when the server sends something that is not a reply
     */
    public static Reply read(SmtpInput in, boolean enhanced) throws IOException {
        List<String> lines = new ArrayList<>();
        int code = -1;
        EnhancedStatus status = null;
        while (true) {
            byte[] raw;
            try {
                raw = in.readLine(MAX_LINE);
            } catch (SmtpInput.LineTooLongException e) {
                throw new ProtocolException("reply line longer than " + MAX_LINE + " bytes");
            }
            if (raw == null) {
                throw new java.io.EOFException("connection closed by server");
            }
            String line = new String(raw, StandardCharsets.UTF_8);
            if (line.length() < 3 || !Character.isDigit(line.charAt(0)) || !Character.isDigit(line.charAt(1))
                    || !Character.isDigit(line.charAt(2)) || (line.length() > 3 && line.charAt(3) != ' '
                    && line.charAt(3) != '-')) {
                throw new ProtocolException("malformed reply line: " + printable(line));
            }
            int c = Integer.parseInt(line.substring(0, 3));
            if (c < 200 || c > 599) {
                if (c >= 100 && c < 200) {
                    throw new ProtocolException("unexpected 1xx reply: " + printable(line));
                }
                throw new ProtocolException("reply code out of range: " + printable(line));
            }
            if (code >= 0 && c != code) {
                throw new ProtocolException("reply code changed inside a multi-line reply: " + printable(line));
            }
            code = c;
            String text = line.length() > 4 ? line.substring(4) : "";
            if (enhanced) {
                int sp = text.indexOf(' ');
                EnhancedStatus es = EnhancedStatus.parse(sp < 0 ? text : text.substring(0, sp));
                if (es != null && es.klass() == c / 100) {
                    if (status == null) {
                        status = es;
                    }
                    text = sp < 0 ? "" : text.substring(sp + 1);
                }
            }
            lines.add(text);
            if (lines.size() > MAX_LINES) {
                throw new ProtocolException("reply has more than " + MAX_LINES + " lines");
            }
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return new Reply(code, status, lines);
            }
        }
    }

    private static String printable(String s) {
        String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
