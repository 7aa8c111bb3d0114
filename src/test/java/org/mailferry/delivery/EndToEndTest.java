package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.smtp.Reply;
import org.mailferry.testing.LogCapture;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.SmtpScript;
import org.mailferry.testing.TestSmarthost;

/** The real relay on loopback, delivering to a real SMTP server in this JVM. */
class EndToEndTest {
    @TempDir
    Path spool;

    /** A message with a DKIM-like header, long folded lines, dot lines and 8-bit text. */
    static final String MESSAGE = String.join("\r\n",
            "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel;",
            "\th=from:to:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;",
            "\tb=dzdVyOfAKCdLXdJOc9G2q8LoXSlEniSbav+yuU4zGeeruD00lszZVoG4ZHRNiYzR",
            "From: App <app@example.com>",
            "To: user@example.net",
            "Subject: =?UTF-8?Q?caf=C3=A9?=",
            "",
            "Line one",
            ".a line that starts with a dot",
            "..two dots",
            ".",
            "  trailing spaces   ",
            "caf\u00e9 na\u00efve",
            "") ;

    private static String submit(SmtpScript c, String from, String to, String data) throws Exception {
        assertThat(c.send("MAIL FROM:<" + from + ">").code()).isEqualTo(250);
        assertThat(c.send("RCPT TO:<" + to + ">").code()).isEqualTo(250);
        assertThat(c.send("DATA").code()).isEqualTo(354);
        String stuffed = data.replace("\r\n.", "\r\n..");
        if (stuffed.startsWith(".")) {
            stuffed = "." + stuffed;
        }
        c.raw(stuffed.getBytes(StandardCharsets.UTF_8));
        Reply r = c.send(".");
        assertThat(r.code()).as(r.toString()).isEqualTo(250);
        return r.oneLine().substring(r.oneLine().lastIndexOf(' ') + 1);
    }

    @Test
    void bytesArriveExactlyAsSubmittedBehindOurReceivedHeader() throws Exception {
        try (TestSmarthost smarthost = new TestSmarthost();
             LogCapture maillog = new LogCapture("mailferry.maillog");
             RelayFixture relay = new RelayFixture(spool).smarthost(smarthost.port()).start();
             SmtpScript c = SmtpScript.connect(relay.address())) {
            c.send("EHLO app.example");
            String id = submit(c, "app@example.com", "user@example.net", MESSAGE);

            TestSmarthost.Received got = smarthost.take(10, TimeUnit.SECONDS);
            assertThat(got).isNotNull();
            assertThat(got.sender()).isEqualTo("app@example.com");
            assertThat(got.recipients()).containsExactly("user@example.net");
            String text = got.text();
            assertThat(text).startsWith("Received: from app.example ([127.0.0.1])\r\n\tby relay.test (Mailferry) with "
                    + "ESMTP id " + id + "\r\n\tfor <user@example.net>; ");
            String afterReceived = text.substring(text.indexOf("\r\nDKIM-Signature") + 2);
            assertThat(afterReceived.getBytes(StandardCharsets.UTF_8)).isEqualTo(MESSAGE.getBytes(StandardCharsets.UTF_8));

            relay.await(DeliveryEvent.Removed.class, id, 10, TimeUnit.SECONDS);
            assertThat(maillog.lines()).anySatisfy(l -> assertThat(l).matches(
                    id + ": from=<app@example.com>, size=\\d+, nrcpt=1, client=\\[127.0.0.1\\] \\(queue active\\)"));
            assertThat(maillog.lines()).anySatisfy(l -> assertThat(l).matches(id + ": to=<user@example.net>, "
                    + "relay=127.0.0.1\\[127.0.0.1\\]:" + smarthost.port() + ", delay=\\d+\\.\\d\\d, dsn=2\\.0\\.0, "
                    + "status=sent \\(250 .*\\)"));
            assertThat(maillog.lines()).contains(id + ": removed");
            assertThat(((org.mailferry.queue.JournalSpool) relay.relay().spool()).queueDirectory()).isEmptyDirectory();
        }
    }

    @Test
    void perRecipientOutcomesAndATemporaryFailureRetried() throws Exception {
        try (TestSmarthost smarthost = new TestSmarthost();
             RelayFixture relay = new RelayFixture(spool).smarthost(smarthost.port()).start();
             SmtpScript c = SmtpScript.connect(relay.address())) {
            smarthost.refuseRecipient("later@example.net", 450, "4.2.0 mailbox busy");
            smarthost.refuseRecipient("never@example.net", 550, "5.1.1 no such user");
            c.send("EHLO app.example");
            c.send("MAIL FROM:<app@example.com>");
            c.send("RCPT TO:<ok@example.net>");
            c.send("RCPT TO:<later@example.net>");
            c.send("RCPT TO:<never@example.net>");
            c.send("DATA");
            Reply r = c.send("Subject: three\r\n\r\nx\r\n.");
            String id = r.oneLine().substring(r.oneLine().lastIndexOf(' ') + 1);

            DeliveryEvent.Deferred deferred = relay.await(DeliveryEvent.Deferred.class, id, 10, TimeUnit.SECONDS);
            relay.await(DeliveryEvent.Bounced.class, id, 10, TimeUnit.SECONDS); // emitted after the Deferred
            assertThat(deferred.recipient().value()).isEqualTo("later@example.net");
            assertThat(deferred.dsn()).isEqualTo("4.2.0");
            // (the bounce for never@ is a message of its own, delivered meanwhile: count this one's only)
            assertThat(relay.eventsOf(DeliveryEvent.Delivered.class)).filteredOn(e -> e.id().value().equals(id))
                    .extracting(e -> e.recipient().value()).containsExactly("ok@example.net");
            assertThat(relay.eventsOf(DeliveryEvent.Bounced.class)).singleElement()
                    .satisfies(b -> {
                        assertThat(b.recipient().value()).isEqualTo("never@example.net");
                        assertThat(b.dsn()).isEqualTo("5.1.1");
                    });
            assertThat(smarthost.take(5, TimeUnit.SECONDS).recipients()).containsExactly("ok@example.net");

            smarthost.acceptRecipient("later@example.net");
            relay.relay().runner().flush();
            relay.await(DeliveryEvent.Removed.class, id, 10, TimeUnit.SECONDS);
            // the retried message and the bounce for never@ (to the sender, docs/delivery.md), in either order
            assertThat(java.util.List.of(smarthost.take(5, TimeUnit.SECONDS).recipients(),
                    smarthost.take(5, TimeUnit.SECONDS).recipients()))
                    .containsExactlyInAnyOrder(java.util.List.of("later@example.net"), java.util.List.of("app@example.com"));
            assertThat(relay.eventsOf(DeliveryEvent.Delivered.class)).filteredOn(e -> e.id().value().equals(id))
                    .extracting(e -> e.recipient().value()).containsExactly("ok@example.net", "later@example.net");
        }
    }

    @Test
    void aMessageQueuedBeforeAStopIsDeliveredOnceAfterTheRestart() throws Exception {
        try (TestSmarthost smarthost = new TestSmarthost()) {
            String id;
            // first run: the smarthost refuses everything for now, so the message stays queued
            smarthost.refuseData(451, "4.3.0 not now", 1);
            try (RelayFixture relay = new RelayFixture(spool).smarthost(smarthost.port()).start();
                 SmtpScript c = SmtpScript.connect(relay.address())) {
                c.send("EHLO app.example");
                id = submit(c, "app@example.com", "user@example.net", "Subject: restart\r\n\r\nbody\r\n");
                relay.await(DeliveryEvent.Deferred.class, id, 10, TimeUnit.SECONDS);
            }
            assertThat(smarthost.all()).isEmpty();
            // second run: recovered from the spool; made due now by a flush
            try (RelayFixture relay = new RelayFixture(spool).smarthost(smarthost.port()).start()) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (relay.relay().runner().scheduledCount() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                relay.relay().runner().flush();
                relay.await(DeliveryEvent.Removed.class, id, 10, TimeUnit.SECONDS);
            }
            assertThat(smarthost.all()).hasSize(1);
            assertThat(smarthost.all().get(0).text()).contains("id " + id).endsWith("\r\nbody\r\n");
        }
    }

    @Test
    void withoutASmarthostMessagesStayQueuedWithTheReason() throws Exception {
        try (RelayFixture relay = new RelayFixture(spool).start();
             SmtpScript c = SmtpScript.connect(relay.address())) {
            c.send("EHLO app.example");
            String id = submit(c, "app@example.com", "user@example.net", "Subject: kept\r\n\r\nbody\r\n");
            DeliveryEvent.Deferred d = relay.await(DeliveryEvent.Deferred.class, id, 10, TimeUnit.SECONDS);
            assertThat(d.reason()).startsWith("no smarthost configured");
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            org.mailferry.cli.QueueListing.print(relay.relay().spool(), new java.io.PrintStream(out, true,
                    StandardCharsets.UTF_8), java.time.ZoneOffset.UTC);
            assertThat(out.toString(StandardCharsets.UTF_8)).contains(id, "app@example.com", "user@example.net",
                    "(no smarthost configured; set relay.smarthost", "-- 1 Kbytes in 1 Request.");
        }
    }

    @Test
    void anUnreachableSmarthostDefersWithTheReason() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (RelayFixture relay = new RelayFixture(spool).smarthost(closedPort).start();
             SmtpScript c = SmtpScript.connect(relay.address())) {
            c.send("EHLO app.example");
            String id = submit(c, "app@example.com", "user@example.net", "Subject: x\r\n\r\ny\r\n");
            DeliveryEvent.Deferred d = relay.await(DeliveryEvent.Deferred.class, id, 10, TimeUnit.SECONDS);
            assertThat(d.reason()).startsWith("connect to 127.0.0.1[127.0.0.1]:" + closedPort + ": ")
                    .containsIgnoringCase("refused");
            assertThat(d.dsn()).isEqualTo("4.4.1");
        }
    }
}
