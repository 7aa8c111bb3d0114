package org.mailferry.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import org.mailferry.smtp.Reply;

/** Submits one message over SMTP to the relay and returns the final reply (250 with the queue id). */
public final class Submitter {
    private Submitter() {
    }

    public static Reply send(InetSocketAddress relay, String from, List<String> rcpts, String body)
            throws IOException {
        try (SmtpScript s = SmtpScript.connect(relay)) {
            expect(s.send("EHLO client.test"), 250);
            expect(s.send("MAIL FROM:<" + from + ">"), 250);
            for (String r : rcpts) {
                expect(s.send("RCPT TO:<" + r + ">"), 250);
            }
            expect(s.send("DATA"), 354);
            s.raw(body + ".\r\n");
            Reply end = s.reply();
            try {
                s.send("QUIT");
            } catch (IOException e) {
                // the reply that counts has arrived; a lost QUIT changes nothing
            }
            return end;
        }
    }

    /** The queue id in "250 2.0.0 Ok: queued as ID". */
    public static String queueId(Reply r) {
        if (r.code() != 250) {
            throw new AssertionError("not accepted: " + r);
        }
        String t = r.oneLine();
        return t.substring(t.lastIndexOf(' ') + 1);
    }

    private static void expect(Reply r, int code) {
        if (r.code() != code) {
            throw new AssertionError("expected " + code + ", got " + r);
        }
    }
}
