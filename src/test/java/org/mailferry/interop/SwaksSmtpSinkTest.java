package org.mailferry.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.SmtpSink;
import org.mailferry.testing.Tools;

/** Debian's swaks submits to the real relay, which relays to Postfix's smtp-sink. */
class SwaksSmtpSinkTest {
    @TempDir
    Path dir;

    @Test
    void swaksToMailferryToSmtpSinkWithPipeliningBothWays() throws Exception {
        Path swaks = Tools.require("swaks");
        try (SmtpSink sink = new SmtpSink(dir);
             RelayFixture relay = new RelayFixture(dir.resolve("spool")).smarthost(sink.port).start()) {
            Path data = dir.resolve("message.eml");
            Files.writeString(data, String.join("\r\n",
                    "From: App <app@example.com>",
                    "To: one@example.net, two@example.net",
                    "Subject: interop caf\u00e9",
                    "Message-ID: <interop-1@example.com>",
                    "",
                    "Hello from swaks.",
                    ".leading dot survives",
                    "caf\u00e9",
                    ""));
            int exit = Tools.run(List.of(swaks.toString(), "--server", "127.0.0.1:" + relay.port(),
                    "--from", "app@example.com", "--to", "one@example.net,two@example.net",
                    "--ehlo", "swaks.example", "--pipeline", "--data", "@" + data), dir.resolve("swaks.log"), 30);
            String log = Files.readString(dir.resolve("swaks.log"));
            assertThat(exit).as(log).isZero();
            assertThat(log).containsPattern("250 2\\.0\\.0 Ok: queued as [0-9A-Z]{12}");

            relay.await(DeliveryEvent.Removed.class, null, 15, TimeUnit.SECONDS);
            List<String> got = sink.awaitMessages(1, 5000);
            assertThat(got).hasSize(1);
            String m = got.get(0);
            assertThat(m).contains("X-Helo-Args: relay.test", "X-Mail-Args: <app@example.com>",
                    "BODY=8BITMIME", "X-Rcpt-Args: <one@example.net>", "X-Rcpt-Args: <two@example.net>",
                    "by relay.test (Mailferry) with ESMTP id", "from swaks.example ([127.0.0.1])",
                    "Message-ID: <interop-1@example.com>\n\nHello from swaks.\n.leading dot survives\ncaf\u00e9\n");
            assertThat(relay.eventsOf(DeliveryEvent.Delivered.class)).hasSize(2);
        }
    }

    @Test
    void smtpSourceLoadIsAllDelivered() throws Exception {
        Path source = Tools.require("/usr/sbin/smtp-source", "smtp-source");
        try (SmtpSink sink = new SmtpSink(dir);
             RelayFixture relay = new RelayFixture(dir.resolve("spool")).smarthost(sink.port).start()) {
            int exit = Tools.run(List.of(source.toString(), "-s", "5", "-m", "50", "-l", "2048",
                    "-f", "load@example.com", "-t", "sink@example.net", "127.0.0.1:" + relay.port()),
                    dir.resolve("source.log"), 60);
            assertThat(exit).as(Files.readString(dir.resolve("source.log"))).isZero();
            assertThat(sink.awaitMessages(50, 20_000)).hasSize(50);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (relay.eventsOf(DeliveryEvent.Removed.class).size() < 50 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(relay.eventsOf(DeliveryEvent.Received.class)).hasSize(50);
            assertThat(relay.eventsOf(DeliveryEvent.Removed.class)).hasSize(50);
        }
    }
}
