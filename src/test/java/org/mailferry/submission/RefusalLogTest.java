package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.queue.FileSpool;
import org.mailferry.testing.LogCapture;
import org.mailferry.testing.MutableClock;

/**
 * Every refusal at the listener leaves one Postfix-style {@code NOQUEUE: reject:} line and counts
 * toward {@code mailferry_smtpd_refusals_total{reason=...}}: relay denied at RCPT, a bare LF, a
 * message over the size limit, a SIZE= over it at MAIL. Real listener, real socket from 127.0.0.2.
 */
class RefusalLogTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T10:00:00Z"));
    private final Refusals refusals = new Refusals();
    private final LogCapture log = new LogCapture("mailferry.smtpd");
    private SmtpListener listener;

    private InetSocketAddress start(String mynetworks) throws Exception {
        SessionSettings settings = new SessionSettings("relay.test", 2000, 100, Duration.ofMinutes(1),
                Duration.ofMinutes(1), 998, ClientPolicy.of(List.of(mynetworks)), clock);
        listener = new SmtpListener(settings, new ConnectionSlots(10, 1),
                new AuthFailures(Duration.ZERO, clock, d -> { }), new FileSpool(dir.resolve("spool"), clock), env -> { })
                .reportRefusals(refusals);
        return listener.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void stop() {
        log.close();
        if (listener != null) {
            listener.close();
        }
    }

    private List<String> rejects() {
        return log.lines().stream().filter(l -> l.startsWith("NOQUEUE: reject:")).toList();
    }

    @Test
    void relayDeniedIsLoggedAsPostfixDoesAndCounted() throws Exception {
        try (AuthRelayTest.Client c = new AuthRelayTest.Client(start("127.0.0.1/32"))) {
            c.send("EHLO outside.test");
            c.send("MAIL FROM:<app@example.org>");
            assertThat(c.send("RCPT TO:<x@example.net>").oneLine())
                    .isEqualTo("554 5.7.1 <x@example.net>: Relay access denied");
        }
        assertThat(rejects()).containsExactly("NOQUEUE: reject: RCPT from [127.0.0.2]: 554 5.7.1 <x@example.net>: "
                + "Relay access denied; from=<app@example.org> to=<x@example.net> proto=ESMTP helo=<outside.test>");
        assertThat(refusals.count(Refusals.Reason.RELAY_DENIED)).isEqualTo(1);
        assertThat(refusals.render()).contains("mailferry_smtpd_refusals_total{reason=\"relay_denied\"} 1\n");
    }

    @Test
    void refusedMessagesAreLoggedWithTheirReplyAndCountedByReason() throws Exception {
        try (AuthRelayTest.Client c = new AuthRelayTest.Client(start("127.0.0.2/32"))) {
            c.send("HELO app.test");
            c.send("MAIL FROM:<app@example.org>");
            c.send("RCPT TO:<x@example.net>");
            assertThat(c.send("DATA").code()).isEqualTo(354);
            assertThat(c.send("Subject: lf\r\n\r\nbare\nline feed\r\n.").oneLine()).startsWith("550 5.6.11");
            c.send("MAIL FROM:<app@example.org>");
            c.send("RCPT TO:<x@example.net>");
            c.send("RCPT TO:<y@example.net>");
            c.send("DATA");
            assertThat(c.send("Subject: big\r\n\r\n" + "y".repeat(900) + "\r\n" + "z".repeat(900) + "\r\n"
                    + "w".repeat(900) + "\r\n.").code()).isEqualTo(552);
        }
        List<String> lines = rejects();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("NOQUEUE: reject: END-OF-MESSAGE from [127.0.0.2]: 550 5.6.11 ")
                .endsWith("; from=<app@example.org> to=<x@example.net> proto=SMTP helo=<app.test>");
        assertThat(lines.get(1)).startsWith("NOQUEUE: reject: END-OF-MESSAGE from [127.0.0.2]: 552 5.3.4 ")
                .endsWith("; from=<app@example.org> proto=SMTP helo=<app.test>");
        assertThat(refusals.count(Refusals.Reason.BARE_LINE_ENDING)).isEqualTo(1);
        assertThat(refusals.count(Refusals.Reason.MESSAGE_TOO_BIG)).isEqualTo(1);
    }

    @Test
    void aDeclaredSizeOverTheLimitIsLoggedAtMail() throws Exception {
        try (AuthRelayTest.Client c = new AuthRelayTest.Client(start("127.0.0.2/32"))) {
            c.send("EHLO app.test");
            assertThat(c.send("MAIL FROM:<app@example.org> SIZE=5000").code()).isEqualTo(552);
        }
        assertThat(rejects()).singleElement().asString()
                .startsWith("NOQUEUE: reject: MAIL from [127.0.0.2]: 552 ")
                .endsWith("; from=<app@example.org> proto=ESMTP helo=<app.test>");
        assertThat(refusals.count(Refusals.Reason.MESSAGE_TOO_BIG)).isEqualTo(1);
    }
}
