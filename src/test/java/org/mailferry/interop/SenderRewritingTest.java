package org.mailferry.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.admin.MessageStatus;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.LogCapture;
import org.mailferry.testing.Outcomes;
import org.mailferry.testing.PostfixSmarthost;
import org.mailferry.testing.RelayFixture;

/**
 * Sender rewriting end to end through Debian's Postfix as a smarthost that refuses any sender the
 * login does not own (smtpd_sender_login_maps + reject_sender_login_mismatch, the way Microsoft
 * 365 answers SendAsDenied): the application's sender is really refused, the rewritten one really
 * accepted, and the spool keeps what the application sent.
 */
class SenderRewritingTest {
    static final String LOGIN = "mailer@example.test";
    static final String APP = "app@internal.example";
    static PostfixSmarthost postfix;
    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        postfix = PostfixSmarthost.withSenderLogin(LOGIN);
    }

    private RelayFixture relay() throws Exception {
        Path authinfo = dir.resolve("authinfo");
        Files.writeString(authinfo, "AuthInfo:127.0.0.1:" + postfix.startTlsPort + " \"U:" + LOGIN + "\" \"P:"
                + PostfixSmarthost.PASSWORD + "\" \"M:PLAIN\"\n");
        Files.setPosixFilePermissions(authinfo, PosixFilePermissions.fromString("rw-------"));
        return new RelayFixture(dir.resolve("spool")).set("relay.smarthost", "smtp:[127.0.0.1]:" + postfix.startTlsPort)
                .set("relay.tls", "starttls").set("relay.ca_file", postfix.caFile().toString())
                .set("relay.authinfo", authinfo.toString());
    }

    @Test
    void theApplicationsSenderIsRefusedWithoutRewriting() throws Exception {
        try (RelayFixture r = relay().start()) {
            DeliveryEvent e = Outcomes.andAwait(r, APP, "not-owned");
            assertThat(e).isInstanceOf(DeliveryEvent.Bounced.class);
            assertThat(((DeliveryEvent.Bounced) e).reason()).contains("553 5.7.1", "not owned by user " + LOGIN);
        }
    }

    @Test
    void sendAsTheLoginIsAcceptedAndTheOriginalFromKeptInReplyTo() throws Exception {
        try (LogCapture rewrite = new LogCapture("mailferry.rewrite");
             RelayFixture r = relay().set("rewrite.send_as_login", "[\"127.0.0.1\"]").start()) {
            DeliveryEvent e = Outcomes.andAwait(r, APP, "send-as-login");
            assertThat(e).isInstanceOf(DeliveryEvent.Delivered.class);
            String m = postfix.awaitSink("Message-ID: " + Outcomes.messageId("send-as-login"), 10_000).get(0);
            assertThat(m).contains("X-Sink-Envelope-From: <" + LOGIN + ">\n", "\nFrom: " + LOGIN + "\n",
                    "\nReply-To: " + APP + "\n", "\nTo: user@example.net\n", "\n\nHello.\n");
            assertThat(postfix.maillog()).contains("sasl_username=" + LOGIN);
            MessageStatus s = MessageStatus.find(r.relay().spool(), e.id().value());
            assertThat(s.envelope().sender().value()).as("the spool keeps the application's sender").isEqualTo(APP);
            assertThat(s.sentAs()).isEqualTo(LOGIN);
            assertThat(s.json()).contains("\"sender\":\"" + APP + "\"", "\"sent_as\":\"" + LOGIN + "\"");
            assertThat(new String(r.relay().spool().headers(e.id()), java.nio.charset.StandardCharsets.UTF_8))
                    .contains("From: " + APP).doesNotContain("Reply-To");
            assertThat(rewrite.lines()).anyMatch(l -> l.contains("from=<" + APP + ">, sent as <" + LOGIN
                    + ">, header fields From, Reply-To rewritten"));
        }
    }

    @Test
    void aGenericMapLineMakesTheSenderOneTheLoginOwns() throws Exception {
        Path map = dir.resolve("generic");
        Files.writeString(map, "# as /etc/postfix/generic\n" + APP + "   " + LOGIN + "\n");
        try (RelayFixture r = relay().set("rewrite.generic_map", map.toString()).start()) {
            DeliveryEvent e = Outcomes.andAwait(r, APP, "generic-map");
            assertThat(e).isInstanceOf(DeliveryEvent.Delivered.class);
            String m = postfix.awaitSink("Message-ID: " + Outcomes.messageId("generic-map"), 10_000).get(0);
            assertThat(m).contains("X-Sink-Envelope-From: <" + LOGIN + ">\n", "\nFrom: " + LOGIN + "\n")
                    .doesNotContain("Reply-To");
        }
    }
}
