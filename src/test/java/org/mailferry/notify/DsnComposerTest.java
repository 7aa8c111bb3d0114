package org.mailferry.notify;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mailferry.message.Address;
import org.mailferry.message.QueueId;
import org.mailferry.notify.DsnComposer.Action;
import org.mailferry.notify.DsnComposer.RecipientReport;
import org.mailferry.testing.ParsedDsn;

/**
 * Golden files under src/test/resources/dsn: the exact bytes of each kind of notice. To accept a
 * deliberate format change, run with -Dmailferry.golden.update=true and review the diff.
 */
class DsnComposerTest {
    private static final Path GOLDEN = Path.of("src/test/resources/dsn");
    private static final QueueId ORIGINAL = new QueueId("0DZ3K8H2M4QA");
    private static final QueueId NOTICE = new QueueId("0DZ3K9AAAAQB");
    private static final Instant ARRIVAL = Instant.parse("2026-11-03T10:00:00Z");
    private static final Instant NOW = Instant.parse("2026-11-03T14:05:00Z");
    private static final String MESSAGE = "Received: from app (local)\r\n\tby relay.test (Mailferry) with ESMTP id "
            + "0DZ3K8H2M4QA; Tue, 3 Nov 2026 10:00:00 +0000\r\nFrom: App <app@example.com>\r\n"
            + "To: bob@example.net, carol@example.net\r\nSubject: Your order\r\n"
            + "Message-ID: <order-42@example.com>\r\n\r\nHello Bob,\r\n.hidden dot line\r\n\r\nBye\r\n";
    private final DsnComposer composer = new DsnComposer("relay.test");

    private static DsnComposer.Notice notice(String envId, List<RecipientReport> reports) {
        return new DsnComposer.Notice(NOTICE, NOW, ORIGINAL, new Address("app@example.com"), ARRIVAL, envId,
                ARRIVAL.plus(java.time.Duration.ofDays(5)), false, reports);
    }

    private byte[] compose(DsnComposer.Notice n, boolean headersOnly) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        composer.compose(n, new ByteArrayInputStream(MESSAGE.getBytes(StandardCharsets.UTF_8)), headersOnly, out);
        return out.toByteArray();
    }

    @Test
    void bounceWithTheWholeMessage() throws Exception {
        byte[] dsn = compose(notice("order-42", List.of(
                new RecipientReport(new Address("bob@example.net"), "rfc822;Bob@Example.NET", Action.FAILED, "5.1.1",
                        "smarthost.test", "550 5.1.1 <bob@example.net>: Recipient address rejected", NOW),
                new RecipientReport(new Address("carol@example.net"), "", Action.FAILED, "4.4.7", "",
                        "connect to smarthost.test[127.0.0.1]:25: Connection refused", NOW))), false);
        golden("bounce-full.eml", dsn);

        ParsedDsn p = ParsedDsn.parse(dsn);
        assertThat(p.reportType()).isEqualTo("delivery-status");
        assertThat(p.message().getHeader("To", null)).isEqualTo("<app@example.com>");
        assertThat(p.message().getSubject()).isEqualTo("Undelivered Mail Returned to Sender");
        assertThat(p.perMessage().getHeader("Reporting-MTA", null)).isEqualTo("dns; relay.test");
        assertThat(p.perMessage().getHeader("Original-Envelope-Id", null)).isEqualTo("order-42");
        assertThat(p.perMessage().getHeader("Arrival-Date", null)).isEqualTo("Tue, 3 Nov 2026 10:00:00 +0000");
        assertThat(p.perRecipient()).hasSize(2);
        var bob = p.recipient("bob@example.net");
        assertThat(bob.getHeader("Original-Recipient", null)).isEqualTo("rfc822; Bob@Example.NET");
        assertThat(bob.getHeader("Action", null)).isEqualTo("failed");
        assertThat(bob.getHeader("Status", null)).isEqualTo("5.1.1");
        assertThat(bob.getHeader("Remote-MTA", null)).isEqualTo("dns; smarthost.test");
        assertThat(bob.getHeader("Diagnostic-Code", null))
                .isEqualTo("smtp; 550 5.1.1 <bob@example.net>: Recipient address rejected");
        assertThat(bob.getHeader("Last-Attempt-Date", null)).isEqualTo("Tue, 3 Nov 2026 14:05:00 +0000");
        var carol = p.recipient("carol@example.net");
        assertThat(carol.getHeader("Remote-MTA")).isNull();
        assertThat(carol.getHeader("Original-Recipient")).isNull();
        assertThat(carol.getHeader("Diagnostic-Code", null)).startsWith("X-Mailferry; connect to");
        assertThat(p.returnedType()).isEqualTo("message/rfc822");
        MimeMessage returned = (MimeMessage) ((jakarta.mail.Multipart) p.message().getContent())
                .getBodyPart(2).getContent();
        assertThat(returned.getMessageID()).isEqualTo("<order-42@example.com>");
        assertThat(new String(p.returned(), StandardCharsets.UTF_8)).isEqualTo(MESSAGE);
    }

    @Test
    void delayWarningReturnsOnlyTheHeaders() throws Exception {
        byte[] dsn = compose(notice("", List.of(new RecipientReport(new Address("bob@example.net"), "",
                Action.DELAYED, "4.4.7", "", "450 4.2.1 <bob@example.net>: mailbox busy", NOW))), true);
        golden("delay-headers.eml", dsn);

        ParsedDsn p = ParsedDsn.parse(dsn);
        assertThat(p.message().getSubject()).isEqualTo("Delayed Mail (still being retried)");
        assertThat(p.perMessage().getHeader("Original-Envelope-Id")).isNull();
        var bob = p.recipient("bob@example.net");
        assertThat(bob.getHeader("Action", null)).isEqualTo("delayed");
        assertThat(bob.getHeader("Will-Retry-Until", null)).isEqualTo("Sun, 8 Nov 2026 10:00:00 +0000");
        assertThat(p.returnedType()).isEqualTo("text/rfc822-headers");
        assertThat(new String(p.returned(), StandardCharsets.UTF_8))
                .isEqualTo(MESSAGE.substring(0, MESSAGE.indexOf("\r\n\r\n") + 2));
        assertThat(p.text()).contains("retried until Sun, 8 Nov 2026 10:00:00 +0000");
    }

    @Test
    void relayedNotice() throws Exception {
        byte[] dsn = compose(notice("", List.of(new RecipientReport(new Address("bob@example.net"),
                "rfc822;bob@example.net", Action.RELAYED, "2.0.0", "smarthost.test", "250 2.0.0 Ok: queued", NOW))),
                true);
        golden("relayed-headers.eml", dsn);

        ParsedDsn p = ParsedDsn.parse(dsn);
        assertThat(p.message().getSubject()).isEqualTo("Successful Mail Delivery Report");
        assertThat(p.recipient("bob@example.net").getHeader("Action", null)).isEqualTo("relayed");
    }

    @Test
    void aMessageWithoutFinalLineBreakStillClosesTheMultipart() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        composer.compose(notice("", List.of(new RecipientReport(new Address("bob@example.net"), "", Action.FAILED,
                "5.0.0", "", "550 no", NOW))), new ByteArrayInputStream("Subject: x\r\n\r\nno newline"
                .getBytes(StandardCharsets.US_ASCII)), false, out);
        ParsedDsn p = ParsedDsn.parse(out.toByteArray());
        // the last line gets its CRLF (as SMTP would have added), then the closing delimiter follows
        assertThat(new String(p.returned(), StandardCharsets.US_ASCII)).isEqualTo("Subject: x\r\n\r\nno newline\r\n");
        assertThat(out.toString(StandardCharsets.US_ASCII)).endsWith("no newline\r\n\r\n--" + ORIGINAL + "." + NOTICE
                + "/relay.test--\r\n");
    }

    private static void golden(String name, byte[] actual) throws IOException {
        Path file = GOLDEN.resolve(name);
        if (Boolean.getBoolean("mailferry.golden.update")) {
            Files.createDirectories(GOLDEN);
            Files.write(file, actual);
        }
        assertThat(file).exists();
        assertThat(new String(actual, StandardCharsets.UTF_8))
                .isEqualTo(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
    }
}
