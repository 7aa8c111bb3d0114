package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.notify.MailLog;
import org.mailferry.smtp.Reply;
import org.mailferry.testing.MutableClock;
import org.mailferry.testing.ParsedDsn;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.SmtpScript;
import org.mailferry.testing.TestSmarthost;

/**
 * Retries, bounces and delay warnings end to end: the real relay, a real smarthost (SubEthaSMTP,
 * which does not offer DSN), notices parsed by Jakarta Mail. Retries are made due with
 * QueueRunner.flush and time moves on an injected clock: no sleeping for retry delays.
 */
class BounceTest {
    private static final String SENDER = "app@example.com";
    private static final String BOB = "bob@example.net";
    private static final String CAROL = "carol@example.net";

    @TempDir
    Path spool;
    private TestSmarthost smarthost;
    private RelayFixture relay;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-03T10:00:00Z"));

    @BeforeEach
    void start() throws Exception {
        smarthost = new TestSmarthost();
        relay = new RelayFixture(spool).smarthost(smarthost.port()).clock(clock);
    }

    @AfterEach
    void stop() {
        relay.close();
        smarthost.close();
    }

    /** Submits one message; returns its queue id. */
    static String submit(RelayFixture relay, String mailFrom, String... rcptTo) throws Exception {
        try (SmtpScript s = SmtpScript.connect(relay.address())) {
            assertThat(s.send("EHLO app.test").code()).isEqualTo(250);
            assertThat(s.send("MAIL FROM:" + mailFrom).code()).isEqualTo(250);
            for (String r : rcptTo) {
                assertThat(s.send("RCPT TO:" + r).code()).isEqualTo(250);
            }
            assertThat(s.send("DATA").code()).isEqualTo(354);
            s.raw("From: App <app@example.com>\r\nSubject: Your order\r\nMessage-ID: <order-42@example.com>\r\n"
                    + "\r\nHello\r\n.\r\n");
            Reply r = s.reply();
            assertThat(r.code()).isEqualTo(250);
            String text = r.lines().get(0);
            return text.substring(text.lastIndexOf(' ') + 1);
        }
    }

    private ParsedDsn noticeAt(TestSmarthost.Received m) throws Exception {
        assertThat(m.sender()).isEmpty();
        assertThat(m.recipients()).containsExactly(SENDER);
        return ParsedDsn.parse(m.data());
    }

    private List<DeliveryEvent.Received> notices() {
        return relay.eventsOf(DeliveryEvent.Received.class).stream().filter(r -> r.sender().isNull()).toList();
    }

    @Test
    void oneRefusedRecipientIsBouncedTheOtherDelivered() throws Exception {
        smarthost.refuseRecipient(BOB, 550, "5.1.1 <bob@example.net>: Recipient address rejected");
        relay.start();
        String id = submit(relay, "<" + SENDER + ">", "<" + BOB + ">", "<" + CAROL + ">");

        DeliveryEvent.Bounced bounced = relay.await(DeliveryEvent.Bounced.class, id, 10, TimeUnit.SECONDS);
        assertThat(bounced.recipient().value()).isEqualTo(BOB);
        assertThat(relay.await(DeliveryEvent.Delivered.class, id, 10, TimeUnit.SECONDS).recipient().value())
                .isEqualTo(CAROL);
        TestSmarthost.Received original = smarthost.take(10, TimeUnit.SECONDS);
        assertThat(original.recipients()).containsExactly(CAROL);
        ParsedDsn dsn = noticeAt(smarthost.take(10, TimeUnit.SECONDS));

        assertThat(dsn.reportType()).isEqualTo("delivery-status");
        assertThat(dsn.message().getSubject()).isEqualTo("Undelivered Mail Returned to Sender");
        assertThat(dsn.message().getHeader("Auto-Submitted", null)).isEqualTo("auto-replied");
        assertThat(dsn.perMessage().getHeader("Reporting-MTA", null)).isEqualTo("dns; relay.test");
        assertThat(dsn.perMessage().getHeader("Arrival-Date", null)).isEqualTo("Tue, 3 Nov 2026 10:00:00 +0000");
        assertThat(dsn.perRecipient()).hasSize(1); // carol was delivered: not in a failure notice
        var bob = dsn.recipient(BOB);
        assertThat(bob.getHeader("Action", null)).isEqualTo("failed");
        assertThat(bob.getHeader("Status", null)).isEqualTo("5.1.1");
        assertThat(bob.getHeader("Remote-MTA", null)).isEqualTo("dns; 127.0.0.1");
        assertThat(bob.getHeader("Diagnostic-Code", null))
                .isEqualTo("smtp; 550 5.1.1 <bob@example.net>: Recipient address rejected");
        assertThat(bob.getHeader("Last-Attempt-Date", null)).isEqualTo("Tue, 3 Nov 2026 10:00:00 +0000");
        assertThat(dsn.returnedType()).isEqualTo("message/rfc822");
        String returned = new String(dsn.returned(), StandardCharsets.UTF_8);
        assertThat(returned).contains("Message-ID: <order-42@example.com>\r\n").endsWith("\r\nHello\r\n");

        // the notice is a queued message of its own: received, delivered, removed; it is committed (and
        // told) before the original's attempt is recorded, so a crash between the two cannot lose it
        String noticeId = notices().get(0).id().value();
        relay.await(DeliveryEvent.Removed.class, noticeId, 10, TimeUnit.SECONDS);
        List<String> order = relay.events.stream().map(e -> e.getClass().getSimpleName() + " " + (e.id().value()
                .equals(id) ? "original" : "notice")).toList();
        assertThat(order).containsSubsequence("Received original", "Received notice", "Bounced original",
                "Removed original", "Delivered notice", "Removed notice");
    }

    @Test
    void temporaryFailureThenDeliveredOnTheSecondAttempt() throws Exception {
        smarthost.refuseRecipient(BOB, 450, "4.2.1 <bob@example.net>: mailbox busy");
        relay.start();
        String id = submit(relay, "<" + SENDER + ">", "<" + BOB + ">");
        DeliveryEvent.Deferred deferred = relay.await(DeliveryEvent.Deferred.class, id, 10, TimeUnit.SECONDS);
        assertThat(deferred.dsn()).isEqualTo("4.2.1");
        assertThat(deferred.nextAttempt()).isAfter(clock.instant().plus(Duration.ofMinutes(3)));
        smarthost.acceptRecipient(BOB);

        relay.flushUntil(DeliveryEvent.Removed.class, id, 1, 10, TimeUnit.SECONDS);
        List<DeliveryEvent> mine = relay.events.stream().filter(e -> e.id().value().equals(id)).toList();
        assertThat(mine).extracting(e -> e.getClass().getSimpleName())
                .containsExactly("Received", "Deferred", "Delivered", "Removed");
        List<String> lines = mine.stream().map(MailLog::format).filter(l -> l.contains("to=<" + BOB)).toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains("dsn=4.2.1, status=deferred (450 4.2.1 <bob@example.net>: mailbox busy)");
        assertThat(lines.get(1)).contains("relay=127.0.0.1[127.0.0.1]:" + smarthost.port()).contains("status=sent");
        assertThat(smarthost.all()).hasSize(1);
        assertThat(notices()).isEmpty();
    }

    @Test
    void oneDelayWarningThenExpiry() throws Exception {
        smarthost.refuseRecipient(BOB, 450, "4.2.1 <bob@example.net>: mailbox busy");
        relay.set("queue.delay_warning", "4h").start();
        String id = submit(relay, "<" + SENDER + ">", "<" + BOB + ">");
        relay.await(DeliveryEvent.Deferred.class, id, 10, TimeUnit.SECONDS);

        clock.advance(Duration.ofHours(3));
        relay.flushUntil(DeliveryEvent.Deferred.class, id, 2, 10, TimeUnit.SECONDS);
        assertThat(relay.eventsOf(DeliveryEvent.Delayed.class)).isEmpty();

        clock.advance(Duration.ofHours(2)); // 5 h in the queue: past the 4 h warning time
        relay.flushUntil(DeliveryEvent.Deferred.class, id, 3, 10, TimeUnit.SECONDS);
        DeliveryEvent.Delayed delayed = relay.await(DeliveryEvent.Delayed.class, id, 10, TimeUnit.SECONDS);
        assertThat(delayed.delay()).isEqualTo(Duration.ofHours(5));
        ParsedDsn warning = noticeAt(smarthost.take(10, TimeUnit.SECONDS));
        assertThat(warning.message().getSubject()).isEqualTo("Delayed Mail (still being retried)");
        assertThat(warning.recipient(BOB).getHeader("Action", null)).isEqualTo("delayed");
        assertThat(warning.recipient(BOB).getHeader("Status", null)).isEqualTo("4.4.7");
        assertThat(warning.recipient(BOB).getHeader("Will-Retry-Until", null))
                .isEqualTo("Sun, 8 Nov 2026 10:00:00 +0000");
        assertThat(warning.returnedType()).isEqualTo("text/rfc822-headers");
        assertThat(new String(warning.returned(), StandardCharsets.UTF_8)).contains("Subject: Your order")
                .doesNotContain("Hello");

        clock.advance(Duration.ofHours(1)); // once per message: no second warning
        relay.flushUntil(DeliveryEvent.Deferred.class, id, 4, 10, TimeUnit.SECONDS);
        assertThat(relay.eventsOf(DeliveryEvent.Delayed.class)).hasSize(1);

        clock.advance(Duration.ofDays(5)); // past queue.lifetime
        DeliveryEvent.Bounced expired = relay.flushUntil(DeliveryEvent.Bounced.class, id, 1, 10, TimeUnit.SECONDS);
        assertThat(expired.expired()).isTrue();
        assertThat(expired.dsn()).isEqualTo("4.4.7");
        ParsedDsn bounce = noticeAt(smarthost.take(10, TimeUnit.SECONDS));
        assertThat(bounce.recipient(BOB).getHeader("Action", null)).isEqualTo("failed");
        assertThat(bounce.recipient(BOB).getHeader("Status", null)).isEqualTo("4.4.7");
        assertThat(bounce.recipient(BOB).getHeader("Diagnostic-Code", null))
                .isEqualTo("smtp; 450 4.2.1 <bob@example.net>: mailbox busy");
        assertThat(notices()).hasSize(2);
    }

    @Test
    void notifyNeverSuppressesTheBounce() throws Exception {
        smarthost.refuseRecipient(BOB, 550, "5.1.1 no such user");
        relay.start();
        String id = submit(relay, "<" + SENDER + ">", "<" + BOB + "> NOTIFY=NEVER");
        relay.await(DeliveryEvent.Bounced.class, id, 10, TimeUnit.SECONDS);
        relay.await(DeliveryEvent.Removed.class, id, 10, TimeUnit.SECONDS);
        // a notice would have been queued (Received) before the original was removed
        assertThat(notices()).isEmpty();
    }

    @Test
    void notifyWithoutDelayGetsNoDelayWarningButTheBounce() throws Exception {
        smarthost.refuseRecipient(BOB, 450, "4.2.1 busy");
        relay.set("queue.delay_warning", "1h").start();
        String id = submit(relay, "<" + SENDER + ">", "<" + BOB + "> NOTIFY=FAILURE");
        relay.await(DeliveryEvent.Deferred.class, id, 10, TimeUnit.SECONDS);
        clock.advance(Duration.ofHours(2));
        relay.flushUntil(DeliveryEvent.Delayed.class, id, 1, 10, TimeUnit.SECONDS);
        assertThat(notices()).isEmpty();
        smarthost.refuseRecipient(BOB, 550, "5.1.1 gone now");
        relay.flushUntil(DeliveryEvent.Removed.class, id, 1, 10, TimeUnit.SECONDS);
        assertThat(notices()).hasSize(1);
    }

    @Test
    void aMessageFromTheNullSenderIsNeverBounced() throws Exception {
        smarthost.refuseRecipient(BOB, 550, "5.1.1 no such user");
        relay.start();
        String id = submit(relay, "<>", "<" + BOB + ">");
        relay.await(DeliveryEvent.Bounced.class, id, 10, TimeUnit.SECONDS);
        relay.await(DeliveryEvent.Removed.class, id, 10, TimeUnit.SECONDS);
        assertThat(relay.eventsOf(DeliveryEvent.Received.class)).hasSize(1);
        assertThat(smarthost.all()).isEmpty();
    }

    @Test
    void successRequestedFromASmarthostWithoutDsnGetsARelayedNotice() throws Exception {
        relay.start();
        String id = submit(relay, "<" + SENDER + "> RET=FULL ENVID=order+2B42",
                "<" + BOB + "> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob+40example.net", "<" + CAROL + ">");
        relay.await(DeliveryEvent.Removed.class, id, 10, TimeUnit.SECONDS);
        TestSmarthost.Received original = smarthost.take(10, TimeUnit.SECONDS);
        assertThat(original.recipients()).containsExactly(BOB, CAROL);
        ParsedDsn dsn = noticeAt(smarthost.take(10, TimeUnit.SECONDS));
        assertThat(dsn.message().getSubject()).isEqualTo("Successful Mail Delivery Report");
        assertThat(dsn.perMessage().getHeader("Original-Envelope-Id", null)).isEqualTo("order+42");
        assertThat(dsn.perRecipient()).hasSize(1); // carol asked for nothing
        assertThat(dsn.recipient(BOB).getHeader("Action", null)).isEqualTo("relayed");
        assertThat(dsn.recipient(BOB).getHeader("Original-Recipient", null)).isEqualTo("rfc822; Bob@example.net");
        assertThat(dsn.recipient(BOB).getHeader("Status", null)).isEqualTo("2.0.0");
        assertThat(dsn.returnedType()).isEqualTo("text/rfc822-headers");
    }
}
