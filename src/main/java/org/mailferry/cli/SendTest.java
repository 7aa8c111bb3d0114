package org.mailferry.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.smtp.Reply;
import org.mailferry.smtp.ReplyReader;
import org.mailferry.smtp.SmtpInput;

/**
 * {@code mailferry check --send-test TO}: submits a short message over SMTP to a relay started for
 * this purpose on a private queue, and waits for its first outcome (sent, deferred or bounced).
 */
public final class SendTest {

    private SendTest() {
    }

    /** local@domain, no blanks or angle brackets: what MAIL FROM can carry (the relay checks the rest). */
    public static boolean plausibleSender(String address) {
        int at = address.lastIndexOf('@');
        return at > 0 && at < address.length() - 1 && address.chars().noneMatch(c -> c <= ' ' || c == '<' || c == '>');
    }

    public static boolean run(RunningRelay relay, String sender, String to, Duration timeout, PrintStream out) {
        CompletableFuture<DeliveryEvent> outcome = new CompletableFuture<>();
        relay.listen(e -> {
            if (e instanceof DeliveryEvent.Delivered || e instanceof DeliveryEvent.Deferred
                    || e instanceof DeliveryEvent.Bounced) {
                outcome.complete(e);
            }
        });
        String id;
        try {
            id = submit(relay.address(), sender, to);
        } catch (IOException e) {
            out.printf("  %-9s %-4s %s%n", "queue", "FAIL", e.getMessage());
            return false;
        }
        out.printf("  %-9s %-4s %s%n", "queue", "OK", "queued as " + id + " for " + to);
        try {
            DeliveryEvent e = outcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return switch (e) {
                case DeliveryEvent.Delivered d -> report(out, true, "sent via " + d.relay() + ": " + d.reply());
                case DeliveryEvent.Deferred d -> report(out, false, "deferred: " + d.reason());
                case DeliveryEvent.Bounced b -> report(out, false, "bounced: " + b.reason());
                default -> report(out, false, e.toString());
            };
        } catch (TimeoutException e) {
            return report(out, false, "no outcome within " + timeout.toSeconds() + "s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return report(out, false, "interrupted");
        } catch (ExecutionException e) {
            return report(out, false, e.getCause().toString());
        }
    }

    private static boolean report(PrintStream out, boolean ok, String detail) {
        out.printf("  %-9s %-4s %s%n", "send", ok ? "OK" : "FAIL", detail);
        return ok;
    }

    private static String submit(InetSocketAddress address, String sender, String to) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 5000);
            s.setSoTimeout(30_000);
            SmtpInput in = new SmtpInput(s.getInputStream());
            OutputStream o = s.getOutputStream();
            expect(in, o, null, 220);
            expect(in, o, "EHLO localhost", 250);
            expect(in, o, "MAIL FROM:<" + sender + ">", 250);
            expect(in, o, "RCPT TO:<" + to + ">", 250);
            expect(in, o, "DATA", 354);
            String date = ZonedDateTime.now(ZoneId.systemDefault()).format(DateTimeFormatter.RFC_1123_DATE_TIME);
            Reply r = expect(in, o, "From: <" + sender + ">\r\nTo: <" + to + ">\r\nDate: " + date
                    + "\r\nSubject: Mailferry test message\r\n\r\nThis message was sent by 'mailferry check "
                    + "--send-test' to test the smarthost settings.\r\n.", 250);
            expect(in, o, "QUIT", 221);
            String text = r.oneLine();
            return text.substring(text.lastIndexOf(' ') + 1);
        }
    }

    private static Reply expect(SmtpInput in, OutputStream o, String line, int code) throws IOException {
        if (line != null) {
            o.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            o.flush();
        }
        Reply r = ReplyReader.read(in, true);
        if (r.code() != code) {
            throw new IOException("the local relay refused the test message: " + r.oneLine());
        }
        return r;
    }
}
