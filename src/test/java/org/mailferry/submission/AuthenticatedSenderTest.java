package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.LogCapture;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.TestSmarthost;

/**
 * Issue 12, item 8: a message from an authenticated client names its user as Postfix does: the
 * mail log's line says sasl_username=, the Received header (Authenticated sender: ...). Sent with
 * STARTTLS and AUTH PLAIN from outside smtpd.mynetworks (this machine's swaks lacks Net::SSLeay).
 */
class AuthenticatedSenderTest {
    @TempDir
    Path dir;

    @Test
    void theLogLineAndTheReceivedHeaderNameTheUser() throws Exception {
        AuthRelayTest.certificate(dir);
        try (TestSmarthost smarthost = new TestSmarthost(); LogCapture log = new LogCapture("mailferry.maillog");
             RelayFixture relay = new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port())
                     .set("smtpd.mynetworks", "127.0.0.1/32")
                     .set("smtpd.tls_cert", dir.resolve("cert.pem").toString())
                     .set("smtpd.tls_key", dir.resolve("key.pem").toString())
                     .set("smtpd.users", AuthRelayTest.usersFile(dir, "rw-------").toString()).start()) {
            try (AuthRelayTest.Client c = new AuthRelayTest.Client(relay.address())) { // from 127.0.0.2
                c.send("EHLO app.example");
                c.startTls();
                c.send("EHLO app.example");
                assertThat(c.send("AUTH PLAIN " + AuthRelayTest.b64("\0alice\0" + AuthRelayTest.PASSWORD)).code())
                        .isEqualTo(235);
                assertThat(c.send("MAIL FROM:<app@example.com>").code()).isEqualTo(250);
                assertThat(c.send("RCPT TO:<bob@example.com>").code()).isEqualTo(250);
                assertThat(c.send("DATA").code()).isEqualTo(354);
                assertThat(c.send("Subject: authed\r\n\r\nhi\r\n.").code()).isEqualTo(250);
                c.send("QUIT");
            }
            TestSmarthost.Received m = smarthost.take(20, TimeUnit.SECONDS);
            assertThat(m).isNotNull();
            assertThat(m.text()).startsWith("Received: from app.example ([127.0.0.2])\r\n"
                    + "\t(Authenticated sender: alice)\r\n\tby relay.test (Mailferry) with ESMTPSA id ");
            DeliveryEvent.Received r = relay.await(DeliveryEvent.Received.class, null, 10, TimeUnit.SECONDS);
            assertThat(r.client()).isEqualTo("[127.0.0.2], sasl_username=alice");
            assertThat(log.lines()).anyMatch(l -> l.contains(r.id() + ": from=<app@example.com>, size=")
                    && l.contains(", client=[127.0.0.2], sasl_username=alice (queue active)"));
        }
    }
}
