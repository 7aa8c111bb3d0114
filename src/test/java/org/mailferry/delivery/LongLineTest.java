package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.notify.Metrics;
import org.mailferry.smtp.Reply;
import org.mailferry.testing.LogCapture;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.SmtpScript;
import org.mailferry.testing.TestSmarthost;

/**
 * Issue 12 item 2: a 1500-character line (a PHP newsletter's HTML) is accepted over SMTP, as Postfix
 * accepts it, and reaches a strict smarthost (one that refuses lines over 998) broken as Postfix's
 * smtp_line_length_limit breaks it; a message refused for its size gets a bounce with its headers
 * only, which gets through; a notice that cannot be delivered is a log line, an event and a metric.
 */
class LongLineTest {
    @TempDir
    Path spool;

    private static final String LONG = "<p>" + "x".repeat(1500) + "</p>";

    private static String submit(SmtpScript c, String body) throws Exception {
        assertThat(c.send("MAIL FROM:<app@example.com>").code()).isEqualTo(250);
        assertThat(c.send("RCPT TO:<user@example.net>").code()).isEqualTo(250);
        assertThat(c.send("DATA").code()).isEqualTo(354);
        c.raw(("From: app@example.com\r\nTo: user@example.net\r\nSubject: news\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII));
        Reply r = c.send(".");
        assertThat(r.code()).as(r.toString()).isEqualTo(250);
        return r.oneLine().substring(r.oneLine().lastIndexOf(' ') + 1);
    }

    @Test
    void aLongLineIsAcceptedAndBrokenForAStrictSmarthost() throws Exception {
        try (TestSmarthost smarthost = new TestSmarthost().refuseLinesLongerThan(998);
             RelayFixture relay = new RelayFixture(spool).smarthost(smarthost.port()).start();
             SmtpScript c = SmtpScript.connect(relay.address())) {
            c.send("EHLO app.example");
            String id = submit(c, "Hello\r\n" + LONG + "\r\n.." + "y".repeat(1200) + "\r\n");
            relay.await(DeliveryEvent.Delivered.class, id, 10, TimeUnit.SECONDS);
            String text = smarthost.next().text();
            assertThat(Arrays.stream(text.split("\r\n")).mapToInt(String::length).max().orElseThrow())
                    .isLessThanOrEqualTo(998);
            assertThat(text).contains("\r\n<p>" + "x".repeat(995) + "\r\n " + "x".repeat(505) + "</p>\r\n");
            assertThat(text.replace("\r\n ", "")).endsWith("Hello\r\n" + LONG + "\r\n." + "y".repeat(1200) + "\r\n");
        }
    }

    @Test
    void aMessageRefusedForItsSizeBouncesWithItsHeadersOnly() throws Exception {
        try (TestSmarthost smarthost = new TestSmarthost(3000);
             RelayFixture relay = new RelayFixture(spool).smarthost(smarthost.port()).start();
             SmtpScript c = SmtpScript.connect(relay.address())) {
            c.send("EHLO app.example");
            String id = submit(c, "body line\r\n" + "z".repeat(70).concat("\r\n").repeat(60));
            relay.await(DeliveryEvent.Bounced.class, id, 10, TimeUnit.SECONDS);
            TestSmarthost.Received bounce = smarthost.next();
            assertThat(bounce.sender()).isEmpty();
            assertThat(bounce.text()).contains("Content-Type: text/rfc822-headers").contains("Subject: news")
                    .doesNotContain("body line").doesNotContain("message/rfc822");
        }
    }

    @Test
    void aNoticeThatCannotBeDeliveredIsALogLineAnEventAndAMetric() throws Exception {
        try (TestSmarthost smarthost = new TestSmarthost(300); // the notice, even headers only, is larger
             LogCapture qmgr = new LogCapture("mailferry.qmgr");
             RelayFixture relay = new RelayFixture(spool).smarthost(smarthost.port()).start();
             SmtpScript c = SmtpScript.connect(relay.address())) {
            c.send("EHLO app.example");
            String id = submit(c, "body line\r\n" + "z".repeat(70).concat("\r\n").repeat(10));
            relay.await(DeliveryEvent.Bounced.class, id, 10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (relay.eventsOf(DeliveryEvent.Bounced.class).size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Metrics metrics = new Metrics();
            relay.events.forEach(metrics::on);
            assertThat(metrics.noticesLost()).isEqualTo(1);
            assertThat(metrics.render(java.util.Map.of())).contains("mailferry_notices_lost_total 1\n");
            assertThat(qmgr.lines()).anyMatch(l -> l.contains("undeliverable notice: [<app@example.com> 5.3.4")
                    && l.contains("lost, no notice about a notice"));
        }
    }
}
