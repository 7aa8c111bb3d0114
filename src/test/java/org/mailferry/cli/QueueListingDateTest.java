package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.MutableClock;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.SmtpScript;

/**
 * mailq's arrival time as Postfix prints it (showq_compat.c: asctime(), "%20.20s"): the day of the
 * month padded to two columns, "Tue Dec  1 09:05:03", so scripts that parse Postfix's mailq read ours.
 */
class QueueListingDateTest {
    @TempDir
    Path dir;

    @Test
    void aSingleDigitDayIsPaddedWithASpace() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T09:05:03Z"));
        try (RelayFixture relay = new RelayFixture(dir.resolve("spool")).clock(clock).start();
             SmtpScript c = SmtpScript.connect(relay.address())) {
            c.send("EHLO app.example");
            c.send("MAIL FROM:<app@example.com>");
            c.send("RCPT TO:<user@example.net>");
            c.send("DATA");
            assertThat(c.send("Subject: q\r\n\r\nx\r\n.").code()).isEqualTo(250);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            QueueListing.print(relay.relay().spool(), new PrintStream(out, true, StandardCharsets.UTF_8),
                    ZoneOffset.UTC);
            assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern(
                    "\n[0-9A-Z]{12}  +\\d+ Tue Dec  1 09:05:03  app@example.com\n");
        }
    }
}
