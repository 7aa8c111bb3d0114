package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mailferry.testing.LocalUser;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.TestSmarthost;
import org.mailferry.testing.Tools;

/**
 * Issue 12, items 1 and 6, with the real clients: Debian's mail(1) ("mail -s test root"), a
 * cron-like "sendmail -t" with "From: root (Cron Daemon)", and swaks over SMTP. What reaches the
 * smarthost has its bare local names qualified with the origin domain, as Postfix's cleanup writes
 * them, and no Bcc field, whichever way the message came in.
 */
class HeaderQualificationTest {
    @TempDir
    Path dir;

    private RelayFixture relay(TestSmarthost smarthost) {
        return new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port())
                .set("sendmail.origin_domain", "origin.test");
    }

    private static String run(ProcessBuilder pb, String stdin) throws Exception {
        Process p = pb.redirectErrorStream(true).start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(output).isZero();
        return output;
    }

    @ParameterizedTest
    @EnumSource(SendmailProcessTest.Route.class)
    void mailutilsMailToRootIsQualified(SendmailProcessTest.Route route) throws Exception {
        Tools.require("mail");
        try (TestSmarthost smarthost = new TestSmarthost(); RelayFixture relay = relay(smarthost).start()) {
            ProcessBuilder pb = new ProcessBuilder("mail", "-E", "set sendmail=sendmail://" + SendmailProcessTest.command(route),
                    "-s", "test", "root");
            SendmailProcessTest.env(pb, route, SendmailRun.config(dir, relay.spool));
            String said = run(pb, "hi\n");
            TestSmarthost.Received m = smarthost.take(20, TimeUnit.SECONDS);
            assertThat(m).as("mail said: " + said).isNotNull();
            assertThat(m.recipients()).containsExactly("root@origin.test");
            assertThat(m.text()).contains("\r\nTo: root@origin.test\r\n").doesNotContain("To: root\r\n");
        }
    }

    @ParameterizedTest
    @EnumSource(SendmailProcessTest.Route.class)
    void cronsSendmailDashTIsQualifiedAndLosesItsBcc(SendmailProcessTest.Route route) throws Exception {
        try (TestSmarthost smarthost = new TestSmarthost(); RelayFixture relay = relay(smarthost).start()) {
            ProcessBuilder pb = new ProcessBuilder(SendmailProcessTest.command(route).toString(), "-FCronDaemon", "-i", "-B8BITMIME",
                    "-oem", "-oi", "-t");
            SendmailProcessTest.env(pb, route, SendmailRun.config(dir, relay.spool));
            run(pb, "From: root (Cron Daemon)\nTo: root\nBcc: audit\nSubject: Cron <root@vm> date\n"
                    + "Content-Type: text/plain; charset=UTF-8\n\nFri Dec  4 12:00:01 UTC 2026\n");
            TestSmarthost.Received m = smarthost.take(20, TimeUnit.SECONDS);
            assertThat(m).isNotNull();
            assertThat(m.recipients()).containsExactlyInAnyOrder("root@origin.test", "audit@origin.test");
            assertThat(m.text()).contains("\r\nFrom: root@origin.test (Cron Daemon)\r\nTo: root@origin.test\r\n"
                    + "Subject: Cron <root@vm> date\r\n").doesNotContain("Bcc").doesNotContain("audit");
        }
    }

    /** The same as an unprivileged user: the daemon qualifies, whoever submits. */
    @Test
    void anUnprivilegedUsersMailIsQualifiedToo() throws Exception {
        LocalUser eve = LocalUser.require("eve");
        try (TestSmarthost smarthost = new TestSmarthost(); RelayFixture relay = relay(smarthost).start()) {
            Path config = SendmailRun.config(dir, relay.spool);
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(config, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            LocalUser.Result r = eve.bin("sendmail", config, List.of("-t"), "To: root, Ops <ops>\nSubject: x\n\nhi\n");
            assertThat(r.exit()).as(r.all()).isZero();
            TestSmarthost.Received m = smarthost.take(20, TimeUnit.SECONDS);
            assertThat(m).as(r.all()).isNotNull();
            assertThat(m.text()).contains("\r\nTo: root@origin.test, Ops <ops@origin.test>\r\n")
                    .containsPattern("\r\nFrom: [^\r\n]*<?eve@origin.test>?\r\n");
        }
    }

    private TestSmarthost.Received swaks(RelayFixture relay, TestSmarthost smarthost) throws Exception {
        Path swaks = Tools.require("swaks");
        Path data = Files.writeString(dir.resolve("data.eml"), "From: Web App <www-data>\r\nTo: root\r\n"
                + "Bcc: hidden@example.com\r\nSubject: over SMTP\r\n\r\nhello\r\n");
        List<String> cmd = new ArrayList<>(List.of(swaks.toString(), "--server", "127.0.0.1:" + relay.port(),
                "--from", "www-data@origin.test", "--to", "root@origin.test,hidden@example.com", "--data", "@" + data));
        int exit = Tools.run(cmd, dir.resolve("swaks.log"), 30);
        assertThat(exit).as(Files.readString(dir.resolve("swaks.log"))).isZero();
        TestSmarthost.Received m = smarthost.take(20, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.recipients()).containsExactlyInAnyOrder("root@origin.test", "hidden@example.com");
        return m;
    }

    @Test
    void swaksFromMynetworksIsQualifiedAndItsBccRemoved() throws Exception {
        try (TestSmarthost smarthost = new TestSmarthost(); RelayFixture relay = relay(smarthost).start()) {
            assertThat(swaks(relay, smarthost).text()).contains("\r\nFrom: Web App <www-data@origin.test>\r\n"
                    + "To: root@origin.test\r\nSubject: over SMTP\r\n").doesNotContain("Bcc:");
        }
    }

    @Test
    void theKeysTurnBothOff() throws Exception {
        try (TestSmarthost smarthost = new TestSmarthost();
             RelayFixture relay = relay(smarthost).set("headers.qualify", "sendmail").set("headers.drop", "[]")
                     .start()) {
            assertThat(swaks(relay, smarthost).text()).contains("\r\nFrom: Web App <www-data>\r\nTo: root\r\n"
                    + "Bcc: hidden@example.com\r\n");
        }
    }
}
