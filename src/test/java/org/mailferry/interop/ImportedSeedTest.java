package org.mailferry.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.cli.Commands;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.Outcomes;
import org.mailferry.testing.PostfixSmarthost;
import org.mailferry.testing.RelayFixture;

/**
 * Issue 16: the seed tutorial's sendmail.mc lines and authinfo line, imported with
 * {@code mailferry import -o}, run the relay as they are, and deliver through Debian's Postfix as
 * the smarthost with STARTTLS and AUTH. Only what must differ on a test machine differs: the
 * smarthost (smtp.example.com:587 becomes the test Postfix on loopback), the user and password
 * (Postfix's test user), /etc/mail/ (the test directory), and, beside the imported file, the
 * test's listener, spool and the Postfix test CA.
 */
class ImportedSeedTest {
    private static final List<String> SEED_MC = List.of(
            "define(`SMART_HOST', `smtp:[smtp.example.com]:587')dnl",
            "define(`RELAY_MAILER_ARGS', `TCP $h $p -oem -a')dnl",
            "define(`ESMTP_MAILER_ARGS', `TCP $h $p -oem -a -A')dnl",
            "define(`confAUTH_MECHANISMS', `EXTERNAL GSSAPI DIGEST-MD5 CRAM-MD5 LOGIN PLAIN')dnl",
            "FEATURE(`authinfo', `hash -o /etc/mail/authinfo.db')dnl");
    private static final String SEED_AUTHINFO =
            "AuthInfo:smtp.example.com:587 \"U:your_username\" \"P:your_password\" \"M:LOGIN PLAIN\"";

    @TempDir
    Path dir;

    @Test
    void theSeedsSendmailMcImportsAndDeliversThroughPostfixWithStartTlsAndAuth() throws Exception {
        PostfixSmarthost postfix = PostfixSmarthost.get();
        String here = "[127.0.0.1]:" + postfix.startTlsPort;
        Path mc = Files.write(dir.resolve("sendmail.mc"), SEED_MC.stream()
                .map(l -> l.replace("[smtp.example.com]:587", here).replace("/etc/mail/", dir + "/")).toList());
        Path authinfo = Files.writeString(dir.resolve("authinfo"), SEED_AUTHINFO
                .replace("smtp.example.com:587", "127.0.0.1:" + postfix.startTlsPort)
                .replace("your_username", PostfixSmarthost.USER).replace("your_password", PostfixSmarthost.PASSWORD)
                + "\n");
        Files.setPosixFilePermissions(authinfo, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(dir.resolve("authinfo.db"), "made by makemap; never read\n");

        Path toml = dir.resolve("mailferry.toml");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Commands.run(List.of("import", mc.toString(), "-o", toml.toString()), System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8), null);
        String report = err.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(report).isZero();
        assertThat(report).contains("AUTH toward 127.0.0.1:" + postfix.startTlsPort + " as relayuser")
                .doesNotContain(PostfixSmarthost.PASSWORD);
        assertThat(Files.readString(toml)).contains("smarthost = \"" + here + "\"", "authinfo = \"" + authinfo + "\"");

        try (RelayFixture r = new RelayFixture(dir.resolve("spool")).configFile(toml)
                .set("relay.ca_file", postfix.caFile().toString()).start()) {
            DeliveryEvent e = Outcomes.andAwait(r, "imported-seed");
            assertThat(e).as(r.events.toString()).isInstanceOf(DeliveryEvent.Delivered.class);
            String m = postfix.awaitSink("Message-ID: <imported-seed@mailferry.test>", 10_000).get(0);
            assertThat(m).contains("X-Sink-Envelope-To: <user@example.net>", "with ESMTPSA");
            assertThat(postfix.maillog()).contains("sasl_method=LOGIN, sasl_username=relayuser");
        }
    }
}
