package org.mailferry.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mailferry.smtp.Reply;

/** Submits one small message over SMTP and returns its queue id. */
public final class Submit {
    private static final Pattern QUEUED = Pattern.compile("queued as ([0-9A-Z]{12})");

    private Submit() {
    }

    public static String message(InetSocketAddress relay, String from, String to, String messageId)
            throws IOException {
        try (SmtpScript s = SmtpScript.connect(relay)) {
            expect(s.send("EHLO client.test"), 250);
            expect(s.send("MAIL FROM:<" + from + ">"), 250);
            expect(s.send("RCPT TO:<" + to + ">"), 250);
            expect(s.send("DATA"), 354);
            Reply r = s.send("From: " + from + "\r\nTo: " + to + "\r\nMessage-ID: " + messageId
                    + "\r\nSubject: test\r\n\r\nHello.\r\n.");
            expect(r, 250);
            Matcher m = QUEUED.matcher(String.join(" ", r.lines()));
            if (!m.find()) {
                throw new AssertionError("no queue id in " + r);
            }
            s.send("QUIT");
            return m.group(1);
        }
    }

    private static void expect(Reply r, int code) {
        if (r.code() != code) {
            throw new AssertionError("expected " + code + ", got " + r);
        }
    }
}
