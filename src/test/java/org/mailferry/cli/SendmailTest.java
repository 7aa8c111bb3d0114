package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mailferry.testing.NativeSendmail;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.TestSmarthost;

/**
 * The sendmail command against the real relay (submit socket) and the in-JVM smarthost: what the
 * smarthost receives, byte for byte, for each way of calling it. The sending cases run twice: the
 * Java command in this JVM, and the native client (src/main/c/sendmail.c) whose Java command is a
 * tripwire, so that they must take its fast path.
 */
class SendmailTest {
    enum Route { JAVA, NATIVE }

    @TempDir
    Path dir;
    TestSmarthost smarthost;
    RelayFixture relay;
    Path config;

    @BeforeEach
    void start() throws Exception {
        smarthost = new TestSmarthost();
        relay = new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port()).start();
        config = SendmailRun.config(dir, relay.spool);
    }

    @AfterEach
    void stop() {
        relay.close();
        smarthost.close();
    }

    private SendmailRun sendmail(String stdin, String... args) {
        List<String> a = new ArrayList<>(List.of("-C", config.toString()));
        a.addAll(List.of(args));
        return SendmailRun.run("sendmail", stdin, a);
    }

    private SendmailRun sendmail(Route route, String stdin, String... args) throws Exception {
        if (route == Route.JAVA) {
            return sendmail(stdin, args);
        }
        NativeSendmail.Result r = NativeSendmail.tripwire(dir).send(config, stdin, args);
        return new SendmailRun(r.code(), r.out(), r.err());
    }

    private TestSmarthost.Received received() throws InterruptedException {
        TestSmarthost.Received r = smarthost.take(10, TimeUnit.SECONDS);
        assertThat(r).as("message at the smarthost").isNotNull();
        return r;
    }

    @Test
    void addsMissingHeadersAndQueuesThroughTheDaemon() throws Exception {
        SendmailRun r = sendmail("Subject: hello\n\nbody line\n", "-v", "bob@example.com");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("queued as");
        TestSmarthost.Received m = received();
        String user = System.getProperty("user.name");
        assertThat(m.sender()).isEqualTo(user + "@origin.test");
        assertThat(m.recipients()).containsExactly("bob@example.com");
        assertThat(m.text()).contains("Received: by relay.test (Mailferry, from user " + user + ")\r\n")
                .contains("\r\nSubject: hello\r\n")
                .containsPattern("\r\nFrom: [^\r\n]*" + user + "@origin.test")
                .containsPattern("\r\nDate: \\w{3}, \\d{1,2} \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}\r\n")
                .containsPattern("\r\nMessage-ID: <[^@>\r\n]+@origin.test>\r\n")
                .endsWith("\r\n\r\nbody line\r\n");
        assertThat(Files.list(relay.spool.resolve("maildrop"))).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void extractsToCcBccFromFoldedHeadersAndRemovesBcc(Route route) throws Exception {
        String msg = """
                From: Sender <s@example.org>
                To: Ann <ann@example.com>,
                 "Doe, Bob" <bob@example.com>
                Cc: carol@example.com
                Bcc: dave@example.com,
                \terin@example.com
                Subject: folded
                  subject line

                text
                """;
        SendmailRun r = sendmail(route, msg, "-t", "-i", "extra@example.com");
        assertThat(r.code()).as(r.err()).isZero();
        TestSmarthost.Received m = received();
        assertThat(m.recipients()).containsExactlyInAnyOrder("extra@example.com", "ann@example.com",
                "bob@example.com", "carol@example.com", "dave@example.com", "erin@example.com");
        assertThat(m.text()).doesNotContain("Bcc").doesNotContain("dave@").doesNotContain("erin@")
                .contains("\r\nTo: Ann <ann@example.com>,\r\n \"Doe, Bob\" <bob@example.com>\r\n")
                .contains("Subject: folded\r\n  subject line\r\n")
                .contains("\r\nFrom: Sender <s@example.org>\r\n");
        assertThat(m.text().split("From:", -1)).hasSize(2); // the existing From is kept, none added
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void senderAndFullName(Route route) throws Exception {
        SendmailRun r = sendmail(route, "Subject: x\n\nhi\n", "-f", "bounces@example.org", "-F", "Jane Q. Doe",
                "bob@example.com");
        assertThat(r.code()).as(r.err()).isZero();
        TestSmarthost.Received m = received();
        assertThat(m.sender()).isEqualTo("bounces@example.org");
        assertThat(m.text()).contains("\r\nFrom: \"Jane Q. Doe\" <bounces@example.org>\r\n");

        assertThat(sendmail(route, "Subject: y\n\nhi\n", "-r", "<>", "-F", "Zoë", "bob").code()).isZero();
        TestSmarthost.Received n = received();
        assertThat(n.sender()).isEmpty();
        assertThat(n.recipients()).containsExactly("bob@origin.test");
        assertThat(n.text()).contains("\r\nFrom: =?UTF-8?B?Wm/Dqw==?= <" + System.getProperty("user.name")
                + "@origin.test>\r\n");
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void aLoneDotEndsTheMessageUnlessDashI(Route route) throws Exception {
        String msg = "Subject: dots\n\nbefore\n.\nafter\n..\nend\n";
        assertThat(sendmail(route, msg, "-i", "bob@example.com").code()).isZero();
        assertThat(received().text()).endsWith("\r\n\r\nbefore\r\n.\r\nafter\r\n..\r\nend\r\n");
        assertThat(sendmail(route, msg, "-oi", "bob@example.com").code()).isZero();
        assertThat(received().text()).endsWith("\r\n\r\nbefore\r\n.\r\nafter\r\n..\r\nend\r\n");
        assertThat(sendmail(route, msg.replace("\n", "\r\n"), "bob@example.com").code()).isZero();
        assertThat(received().text()).endsWith("\r\n\r\nbefore\r\n");
    }

    @Test
    void dsnOptionsReachTheEnvelope() throws Exception {
        relay.close();
        relay = new RelayFixture(relay.spool).set("sendmail.origin_domain", "origin.test").start(); // no smarthost: stays queued
        assertThat(sendmail("Subject: d\n\nx\n", "-N", "failure,delay", "-R", "hdrs", "-V", "env-42", "bob@example.com")
                .code()).isZero();
        List<org.mailferry.message.Envelope> all = new ArrayList<>();
        relay.relay().spool().forEach(all::add);
        assertThat(all).hasSize(1);
        assertThat(all.get(0).ret()).isEqualTo("HDRS");
        assertThat(all.get(0).envId()).isEqualTo("env-42");
        assertThat(all.get(0).recipients().get(0).dsnNotify()).isEqualTo("FAILURE,DELAY");
        assertThat(all.get(0).client()).isEqualTo("local user " + System.getProperty("user.name"));
    }

    @Test
    void smtpDialogueOnStandardInput() throws Exception {
        String script = String.join("\r\n", "EHLO client.test", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.com>",
                "DATA", "Subject: bs", "", "..leading dot", ".", "QUIT", "");
        SendmailRun r = SendmailRun.run("sendmail", script, List.of("-C", config.toString(), "-bs"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines().map(l -> l.substring(0, 4)).filter(c -> !c.equals("250-")).toList())
                .containsExactly("220 ", "250 ", "250 ", "250 ", "354 ", "250 ", "221 "); // EHLO's lines but the last left out
        assertThat(r.out()).contains("250 2.0.0 Ok: queued as ");
        String id = r.out().replaceAll("(?s).*250 2.0.0 Ok: queued as (\\S+).*", "$1");
        TestSmarthost.Received m = received();
        assertThat(relay.relay().spool().find(new org.mailferry.message.QueueId(id))).as("the daemon's message " + id)
                .isNotNull(); // issue 12, item 5: the id the daemon uses, which status finds
        assertThat(m.text()).contains("\tid " + id + "\r\n").containsOnlyOnce("id "); // no second, made-up id
        assertThat(m.sender()).isEqualTo("a@example.org");
        assertThat(m.recipients()).containsExactly("b@example.com");
        assertThat(m.text()).contains("Subject: bs\r\n\r\n.leading dot\r\n");
    }

    /** With the daemon down there is no queue id yet: the reply names the maildrop file, not a made-up id. */
    @Test
    void smtpDialogueWithTheDaemonDownNamesTheMaildropFile() throws Exception {
        relay.close();
        String script = String.join("\r\n", "EHLO client.test", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.com>",
                "DATA", "Subject: bs down", "", "x", ".", "QUIT", "");
        SendmailRun r = SendmailRun.run("sendmail", script, List.of("-C", config.toString(), "-bs"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("250 2.0.0 Ok: in the maildrop as (\\S+) \\(the daemon is not running")
                .doesNotContain("queued as");
        String name = r.out().replaceAll("(?s).*in the maildrop as (\\S+) .*", "$1");
        assertThat(relay.spool.resolve("maildrop").resolve(name)).exists();
    }

    @Test
    void smtpDialogueKeepsEachRecipientsDsnParameters() throws Exception {
        relay.close();
        relay = new RelayFixture(relay.spool).start(); // no smarthost: stays queued, so the envelope can be read
        String script = String.join("\r\n", "EHLO client.test", "MAIL FROM:<a@example.org> RET=HDRS ENVID=e-7",
                "RCPT TO:<b@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@example.org",
                "RCPT TO:<c@example.com> NOTIFY=NEVER", "RCPT TO:<d@example.com>", "DATA", "Subject: bs dsn", "",
                "x", ".", "QUIT", "");
        SendmailRun r = SendmailRun.run("sendmail", script, List.of("-C", config.toString(), "-bs"));
        assertThat(r.code()).as(r.err()).isZero();
        List<org.mailferry.message.Envelope> all = new ArrayList<>();
        relay.relay().spool().forEach(all::add);
        assertThat(all).hasSize(1);
        assertThat(all.get(0).ret()).isEqualTo("HDRS");
        assertThat(all.get(0).envId()).isEqualTo("e-7");
        assertThat(all.get(0).recipients()).extracting(x -> x.address().value() + " " + x.dsnNotify() + " " + x.orcpt())
                .containsExactly("b@example.com SUCCESS,FAILURE rfc822;b@example.org", "c@example.com NEVER ",
                        "d@example.com  ");
    }

    @Test
    void mailqListsTheQueueWithAndWithoutTheDaemon() throws Exception {
        relay.close();
        relay = new RelayFixture(relay.spool).start(); // no smarthost: messages stay queued
        assertThat(SendmailRun.run("mailq", "", List.of("-C", config.toString())).out())
                .isEqualTo("Mail queue is empty\n");
        assertThat(sendmail("Subject: q\n\nx\n", "-f", "s@example.org", "queued@example.com").code()).isZero();
        SendmailRun viaDaemon = SendmailRun.run("mailq", "", List.of("-C", config.toString()));
        assertThat(viaDaemon.code()).isZero();
        assertThat(viaDaemon.out()).contains("s@example.org").contains("queued@example.com")
                .contains("-- 1 Kbytes in 1 Request.");
        relay.close();
        SendmailRun direct = SendmailRun.run("sendmail", "", List.of("-C", config.toString(), "-bp"));
        assertThat(direct.code()).isZero();
        assertThat(direct.out()).isEqualTo(viaDaemon.out());
    }

    @Test
    void flushNeedsTheDaemon() throws Exception {
        assertThat(sendmail("", "-q").code()).isZero();
        relay.close();
        SendmailRun r = sendmail("", "-q");
        assertThat(r.code()).isEqualTo(Sysexits.EX_UNAVAILABLE);
        assertThat(r.err()).contains("mail system is down");
    }

    @Test
    void withTheDaemonDownTheMessageWaitsInTheMaildropUntilItStarts() throws Exception {
        relay.close();
        SendmailRun r = sendmail("Subject: later\n\nx\n", "-v", "bob@example.com");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("maildrop");
        try (var files = Files.list(relay.spool.resolve("maildrop"))) {
            assertThat(files.toList()).hasSize(1);
        }
        SendmailRun mailq = SendmailRun.run("mailq", "", List.of("-C", config.toString()));
        assertThat(mailq.code()).as(mailq.err()).isZero();
        assertThat(mailq.out()).as("mailq lists what waits in the maildrop, as Postfix's does")
                .containsPattern("(?m)^maildrop +\\d+ .*" + System.getProperty("user.name"))
                .contains("(waiting in the maildrop for the daemon to start)")
                .containsPattern("(?m)^ +bob@example.com$")
                .contains("in 1 Request.");
        assertThat(smarthost.take(200, TimeUnit.MILLISECONDS)).isNull();
        relay = new RelayFixture(relay.spool).smarthost(smarthost.port()).start();
        TestSmarthost.Received m = received();
        assertThat(m.recipients()).containsExactly("bob@example.com");
        assertThat(m.text()).contains("Subject: later\r\n");
        try (var files = Files.list(relay.spool.resolve("maildrop"))) {
            assertThat(files.toList()).isEmpty();
        }
    }

    @Test
    void newaliasesDoesNothing() {
        assertThat(SendmailRun.run("newaliases", "", List.of()).code()).isZero();
        assertThat(sendmail("", "-bi").code()).isZero();
    }

    @Test
    void exitCodesForEveryErrorPath() throws IOException {
        SendmailRun unknown = sendmail("x\n", "-k", "bob@example.com");
        assertThat(unknown.code()).isEqualTo(Sysexits.EX_USAGE);
        assertThat(unknown.err()).contains("unknown option -k").contains("usage: sendmail");

        assertThat(sendmail("Subject: x\n\n").code()).isEqualTo(Sysexits.EX_USAGE);
        SendmailRun noRcpt = sendmail("Subject: x\nTo: undisclosed-recipients:;\n\n", "-t");
        assertThat(noRcpt.code()).isEqualTo(Sysexits.EX_DATAERR);
        assertThat(noRcpt.err()).contains("no recipient addresses found");
        assertThat(sendmail("To: two words@example.com\n\n", "-t").code()).isEqualTo(Sysexits.EX_DATAERR);
        assertThat(sendmail("x\n", "-F", "Eve\nBcc: victim@example.com", "bob@example.com").code())
                .isEqualTo(Sysexits.EX_USAGE);
        assertThat(sendmail("x\n", "-f", "a@x, b@y", "bob@example.com").code()).isEqualTo(Sysexits.EX_USAGE);

        SendmailRun missing = SendmailRun.run("sendmail", "x\n", List.of("-C", dir.resolve("nope.toml").toString(), "a@x"));
        assertThat(missing.code()).isEqualTo(Sysexits.EX_NOINPUT);
        assertThat(missing.err()).contains("nope.toml: no such config file");

        Path bad = Files.writeString(dir.resolve("bad.toml"), "[queue]\nspool = \n");
        SendmailRun badConfig = SendmailRun.run("sendmail", "x\n", List.of("-C", bad.toString(), "a@x"));
        assertThat(badConfig.code()).isEqualTo(Sysexits.EX_CONFIG);
        assertThat(badConfig.err()).contains("bad.toml:2");

        SendmailRun stdinFails = SendmailRun.run("sendmail", new java.io.InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("Input/output error");
            }
        }, List.of("-C", config.toString(), "bob@example.com"));
        assertThat(stdinFails.code()).isEqualTo(Sysexits.EX_IOERR);
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void theDaemonRefusesATooBigMessage(Route route) throws Exception {
        relay.close();
        relay = new RelayFixture(relay.spool).set("smtpd.max_message_size", "1KiB").start();
        SendmailRun r = sendmail(route, "Subject: big\n\n" + "x".repeat(2000) + "\n", "bob@example.com");
        assertThat(r.code()).isEqualTo(Sysexits.EX_DATAERR);
        assertThat(r.err()).contains("exceeds the limit of 1024 bytes");
    }

    @Test
    void noDaemonAndNoWritableMaildropIsATemporaryFailure() throws Exception {
        relay.close();
        Path spool = dir.resolve("blocked");
        Files.createDirectories(spool);
        Files.writeString(spool.resolve("maildrop"), "a file where the directory should be");
        Path c = Files.writeString(dir.resolve("blocked.toml"), "[queue]\nspool = \"" + spool + "\"\n");
        SendmailRun r = SendmailRun.run("sendmail", "Subject: x\n\nx\n", List.of("-C", c.toString(), "bob@example.com"));
        assertThat(r.code()).isEqualTo(Sysexits.EX_TEMPFAIL);
        assertThat(r.err()).contains("cannot queue the message").contains("try again later");
    }
}
