package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailferry.smtp.Reply;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.SmtpScript;
import org.mailferry.testing.Submitter;
import org.mailferry.testing.TestSmarthost;

/**
 * SMTP smuggling (SEC Consult, Dec 2023): an end-of-data look-alike inside DATA followed by a
 * second transaction. Each published vector goes through the real relay to the smarthost; one
 * submission must never become two messages there. The listener refuses bare CR or LF
 * (550 5.6.11), so zero messages arrive for those vectors.
 */
class SmtpSmugglingTest {
    @TempDir
    static Path spool;
    private static TestSmarthost smarthost;
    private static RelayFixture relay;

    static final String SMUGGLED = "MAIL FROM:<admin@bank.test>\r\nRCPT TO:<victim@dest.test>\r\nDATA\r\n"
            + "From: admin@bank.test\r\nSubject: smuggled\r\n\r\nevil\r\n";

    static Stream<String> vectors() {
        return Stream.of("\n.\n", "\n.\r\n", "\r.\r", "\r.\r\n", "\r\n.\r", "\r\n.\n", "\n.\r", "\r.\n",
                "\r\n\u0000.\r\n", "\r\n.\u0000\r\n", "\n\n.\n\n", "\r\r.\r\r", "\r\n.\r\r\n", "\r\n\r\n.\n");
    }

    @BeforeAll
    static void start() throws Exception {
        smarthost = new TestSmarthost();
        relay = new RelayFixture(spool).smarthost(smarthost.port()).set("relay.concurrency", "1").start();
    }

    @AfterAll
    static void stop() {
        relay.close();
        smarthost.close();
    }

    @ParameterizedTest(name = "vector {index}")
    @MethodSource("vectors")
    void oneSubmissionNeverBecomesTwoMessages(String vector) throws Exception {
        String marker = "m" + System.nanoTime();
        Reply end;
        Reply next;
        try (SmtpScript s = SmtpScript.connect(relay.address())) {
            s.send("EHLO client.test");
            s.send("MAIL FROM:<user@client.test>");
            s.send("RCPT TO:<friend@dest.test>");
            assertThat(s.send("DATA").code()).isEqualTo(354);
            s.raw("Subject: " + marker + "\r\n\r\nhello" + vector + SMUGGLED + "\r\n.\r\n");
            end = s.reply();
            next = s.send("NOOP");
        }
        if (vector.replace("\r\n", "").contains("\r") || vector.replace("\r\n", "").contains("\n")) {
            assertThat(end.oneLine()).as("bare CR or LF is refused").startsWith("550 5.6.11");
        } else {
            assertThat(end.oneLine()).as("NUL is refused").startsWith("550 5.6.0");
        }
        // the reply after ours is NOOP's: no smuggled MAIL/RCPT/DATA was ever run as a command
        assertThat(next.oneLine()).isEqualTo(Replies.OK.oneLine());

        // a control message behind it (one delivery worker: strictly in order)
        String control = Submitter.queueId(Submitter.send(relay.address(), "user@client.test",
                List.of("control@dest.test"), "Subject: control " + marker + "\r\n\r\nok\r\n"));
        TestSmarthost.Received got;
        int withMarker = 0;
        int smuggled = 0;
        while ((got = smarthost.take(10, TimeUnit.SECONDS)) != null) {
            if (got.text().contains("Subject: " + marker)) {
                withMarker++;
            }
            if (got.text().contains("Subject: smuggled") && !got.text().contains(marker)) {
                smuggled++;
            }
            if (got.text().contains("control " + marker)) {
                break;
            }
        }
        assertThat(got).as("control message " + control + " arrived").isNotNull();
        assertThat(smuggled).as("no second message split off").isZero();
        assertThat(withMarker).isLessThanOrEqualTo(1);
    }
}
