package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.smtp.Reply;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.SmtpScript;
import org.mailferry.testing.Submitter;

/**
 * Slowloris in DATA (issue 20): a client trickling its message a byte at a time is cut off with
 * 421 4.4.2 once smtpd.data_timeout has passed, while a client sending at a normal pace is served.
 * The real listener with a small configured deadline; the rate rule is in SmtpInputTransferTest.
 */
class DataDeadlineTest {
    @TempDir
    Path spool;
    private RelayFixture relay;

    @AfterEach
    void stop() {
        if (relay != null) {
            relay.close();
        }
    }

    @Test
    void tricklingClientGets421WithinTheDeadlineAndOthersAreServed() throws Exception {
        relay = new RelayFixture(spool).set("smtpd.data_timeout", "2s").start();
        try (SmtpScript slow = SmtpScript.connect(relay.address())) {
            slow.send("EHLO slow.test");
            slow.send("MAIL FROM:<slow@client.test>");
            slow.send("RCPT TO:<x@dest.test>");
            assertThat(slow.send("DATA").code()).isEqualTo(354);
            long start = System.nanoTime();
            Thread drip = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 40 && !Thread.currentThread().isInterrupted(); i++) {
                        slow.raw("x");
                        Thread.sleep(200); // the fault itself: a byte every 200 ms
                    }
                } catch (Exception e) {
                    // the relay closed the connection: expected
                }
            });
            Reply fast = Submitter.send(relay.address(), "app@client.test", List.of("x@dest.test"),
                    "Subject: fine\r\n\r\nhello\r\n");
            assertThat(fast.code()).as("a normal client meanwhile").isEqualTo(250);
            Reply r = slow.reply();
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            drip.interrupt();
            assertThat(new String(r.wire(), StandardCharsets.US_ASCII)).startsWith("421 4.4.2");
            assertThat(elapsedMs).isBetween(1_900L, 3_500L);
            assertThat(slow.closedByServer()).isTrue();
        }
    }

    @Test
    void fastClientIsUnaffectedByTheDeadline() throws Exception {
        relay = new RelayFixture(spool).set("smtpd.data_timeout", "2s").set("smtpd.min_data_rate", "100000").start();
        String body = "Subject: big\r\n\r\n" + "0123456789".repeat(100).concat("\r\n").repeat(200);
        Reply r = Submitter.send(relay.address(), "app@client.test", List.of("x@dest.test"), body);
        assertThat(r.code()).isEqualTo(250);
    }
}
