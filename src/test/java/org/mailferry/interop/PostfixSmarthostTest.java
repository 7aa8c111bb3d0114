package org.mailferry.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneId;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mailferry.cli.QueueListing;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.notify.MailLog;
import org.mailferry.testing.LogCapture;
import org.mailferry.testing.PostfixSmarthost;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.Outcomes;

/**
 * The relay logs in to Debian's Postfix (Cyrus SASL, sasldb) over STARTTLS and implicit TLS, with
 * credentials from a sendmail authinfo file or a Postfix sasl_passwd file. Everything the tests
 * produce (log lines, events, mailq) is searched for the passwords at the end.
 */
class PostfixSmarthostTest {
    static final String WRONG = "wr0ng-Pass-Word";
    static PostfixSmarthost postfix;
    static LogCapture log;
    static final StringBuilder produced = new StringBuilder();
    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        postfix = PostfixSmarthost.get();
        log = new LogCapture(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    @AfterAll
    static void noSecretAnywhere() {
        if (log == null) {
            return;
        }
        String all = produced + String.join("\n", log.lines());
        log.close();
        assertThat(all).contains("relayuser");
        for (String secret : new String[] {PostfixSmarthost.PASSWORD, WRONG}) {
            assertThat(all).doesNotContain(secret)
                    .doesNotContain(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)))
                    .doesNotContain(Base64.getEncoder().encodeToString(("\0relayuser\0" + secret)
                            .getBytes(StandardCharsets.UTF_8)));
        }
    }

    private Path secretFile(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    private Path authinfo(int port, String password, String mechanisms) throws Exception {
        return secretFile("authinfo", "# sendmail authinfo, as in /etc/mail/authinfo\n\n"
                + "AuthInfo:127.0.0.1:" + port + " \"U:relayuser\" \"P:" + password + "\" \"M:" + mechanisms + "\"\n");
    }

    private RelayFixture relay(int port, String tls, Path credentials) {
        RelayFixture r = new RelayFixture(dir.resolve("spool")).set("relay.smarthost", "smtp:[127.0.0.1]:" + port)
                .set("relay.tls", tls).set("relay.ca_file", postfix.caFile().toString());
        return credentials == null ? r : r.set("relay.authinfo", credentials.toString());
    }

    /** Records what the run produced (events as mail.log lines, mailq) for the secret search. */
    private static void record(RelayFixture r) throws Exception {
        r.events.forEach(e -> produced.append(MailLog.format(e)).append('\n'));
        ByteArrayOutputStream q = new ByteArrayOutputStream();
        QueueListing.print(r.relay().spool(), new PrintStream(q, true, StandardCharsets.UTF_8), ZoneId.of("UTC"));
        produced.append(q.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theSeedSetupRelaysOverStartTlsWithAuthinfoLoginPlain() throws Exception {
        try (RelayFixture r = relay(postfix.startTlsPort, "starttls",
                authinfo(postfix.startTlsPort, PostfixSmarthost.PASSWORD, "LOGIN PLAIN")).start()) {
            DeliveryEvent e = Outcomes.andAwait(r, "seed-setup-1");
            record(r);
            assertThat(e).isInstanceOf(DeliveryEvent.Delivered.class);
            String m = postfix.awaitSink("Message-ID: <seed-setup-1@mailferry.test>", 10_000).get(0);
            assertThat(m).contains("X-Sink-Envelope-To: <user@example.net>",
                    "with ESMTPSA");
            assertThat(postfix.maillog()).contains("sasl_method=LOGIN, sasl_username=relayuser");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PLAIN", "LOGIN", "CRAM-MD5"})
    void eachMechanismLogsIn(String mechanism) throws Exception {
        try (RelayFixture r = relay(postfix.startTlsPort, "starttls",
                authinfo(postfix.startTlsPort, PostfixSmarthost.PASSWORD, mechanism)).start()) {
            DeliveryEvent e = Outcomes.andAwait(r, "mech-" + mechanism);
            record(r);
            assertThat(e).isInstanceOf(DeliveryEvent.Delivered.class);
            assertThat(postfix.awaitSink("Message-ID: " + Outcomes.messageId("mech-" + mechanism), 10_000)).hasSize(1);
            assertThat(postfix.maillog()).contains("sasl_method=" + mechanism + ", sasl_username=relayuser");
        }
    }

    @Test
    void implicitTlsWithABase64PasswordFromAuthinfo() throws Exception {
        String b64 = Base64.getEncoder().encodeToString(PostfixSmarthost.PASSWORD.getBytes(StandardCharsets.UTF_8));
        Path f = secretFile("authinfo", "AuthInfo:127.0.0.1 \"U:relayuser\" \"P=" + b64 + "\"\n");
        try (RelayFixture r = relay(postfix.tlsPort, "tls", f).start()) {
            DeliveryEvent e = Outcomes.andAwait(r, "implicit-tls");
            record(r);
            assertThat(e).isInstanceOf(DeliveryEvent.Delivered.class);
            assertThat(postfix.awaitSink("Message-ID: <implicit-tls@mailferry.test>", 10_000)).hasSize(1);
        }
    }

    @Test
    void postfixSaslPasswdIsReadToo() throws Exception {
        Path f = secretFile("sasl_passwd", "# postfix\n[127.0.0.1]:" + postfix.startTlsPort + "   relayuser:"
                + PostfixSmarthost.PASSWORD + "\n");
        try (RelayFixture r = relay(postfix.startTlsPort, "starttls", null).set("relay.sasl_passwd", f.toString())
                .start()) {
            DeliveryEvent e = Outcomes.andAwait(r, "sasl-passwd");
            record(r);
            assertThat(e).isInstanceOf(DeliveryEvent.Delivered.class);
        }
    }

    @Test
    void aWrongPasswordDefersAndNeverBounces() throws Exception {
        try (LogCapture qmgr = new LogCapture("mailferry.qmgr");
             RelayFixture r = relay(postfix.startTlsPort, "starttls",
                     authinfo(postfix.startTlsPort, WRONG, "PLAIN")).start()) {
            DeliveryEvent e = Outcomes.andAwait(r, "wrong-password");
            record(r);
            assertThat(e).isInstanceOf(DeliveryEvent.Deferred.class);
            DeliveryEvent.Deferred d = (DeliveryEvent.Deferred) e;
            assertThat(d.dsn()).isEqualTo("4.7.8");
            assertThat(d.reason()).contains("AUTH PLAIN as relayuser", "535 5.7.8", "authinfo:");
            assertThat(r.eventsOf(DeliveryEvent.Bounced.class)).isEmpty();
            assertThat(qmgr.lines()).filteredOn(l -> l.startsWith("AUTHENTICATION FAILED")).hasSize(1);
            assertThat(produced.toString()).contains("535 5.7.8");
        }
    }

    @Test
    void anUntrustedCertificateIsRefusedWithoutTheCaFile() throws Exception {
        try (RelayFixture r = new RelayFixture(dir.resolve("spool"))
                .set("relay.smarthost", "smtp:[127.0.0.1]:" + postfix.startTlsPort).set("relay.tls", "starttls")
                .set("relay.authinfo", authinfo(postfix.startTlsPort, PostfixSmarthost.PASSWORD, "PLAIN").toString())
                .start()) {
            DeliveryEvent e = Outcomes.andAwait(r, "untrusted");
            record(r);
            assertThat(e).isInstanceOf(DeliveryEvent.Deferred.class);
            assertThat(((DeliveryEvent.Deferred) e).reason()).contains("unknown CA");
        }
    }

    @Test
    void noTlsPlusAuthIsRefusedUnlessPlaintextAuthIsAllowed() throws Exception {
        Path f = authinfo(postfix.plainPort, PostfixSmarthost.PASSWORD, "PLAIN");
        try (RelayFixture r = relay(postfix.plainPort, "none", f).start()) {
            DeliveryEvent e = Outcomes.andAwait(r, "plain-refused");
            record(r);
            assertThat(((DeliveryEvent.Deferred) e).reason()).contains("without TLS", "relay.allow_plaintext_auth");
        }
        try (RelayFixture r = new RelayFixture(dir.resolve("spool2"))
                .set("relay.smarthost", "smtp:[127.0.0.1]:" + postfix.plainPort).set("relay.tls", "none")
                .set("relay.authinfo", f.toString()).set("relay.allow_plaintext_auth", "true").start()) {
            DeliveryEvent e = Outcomes.andAwait(r, "plain-allowed");
            record(r);
            assertThat(e).isInstanceOf(DeliveryEvent.Delivered.class);
        }
    }
}
