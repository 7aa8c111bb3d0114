package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailferry.message.Envelope;
import org.mailferry.smtp.Reply;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.SmtpScript;

/**
 * Scripted conversations with the real listener (no smarthost: messages stay queued). Each step is
 * a client line and the reply expected: its code and enhanced status, and text where it matters.
 */
class SmtpSessionTest {
    @TempDir
    Path spool;
    RelayFixture relay;

    @BeforeEach
    void start() throws Exception {
        relay = new RelayFixture(spool).set("smtpd.max_message_size", "2000").set("smtpd.max_recipients", "3")
                .set("smtpd.max_line_length", "998")
                .start();
    }

    @AfterEach
    void stop() {
        relay.close();
    }

    /** One step: what the client sends (CRLF added) and "code status" expected, e.g. "250 2.1.0". */
    record Step(String send, String expect) {
    }

    private static Step s(String send, String expect) {
        return new Step(send, expect);
    }

    static Stream<Arguments> conversations() {
        return Stream.of(
                Arguments.of("happy path", List.of(
                        s("EHLO client.example", "250"),
                        s("MAIL FROM:<app@example.com>", "250 2.1.0"),
                        s("RCPT TO:<user@example.net>", "250 2.1.5"),
                        s("DATA", "354"),
                        s("Subject: hi\r\n\r\nhello\r\n.", "250 2.0.0"),
                        s("QUIT", "221 2.0.0"))),
                Arguments.of("commands out of order", List.of(
                        s("MAIL FROM:<a@example.com>", "503 5.5.1"),
                        s("HELO client.example", "250"),
                        s("RCPT TO:<u@example.net>", "503 5.5.1"),
                        s("DATA", "503 5.5.1"),
                        s("MAIL FROM:<a@example.com>", "250 2.1.0"),
                        s("MAIL FROM:<a@example.com>", "503 5.5.1"),
                        s("DATA", "554 5.5.1"),
                        s("RSET", "250 2.0.0"),
                        s("RCPT TO:<u@example.net>", "503 5.5.1"))),
                Arguments.of("unknown and unimplemented commands", List.of(
                        s("EHLO c.example", "250"),
                        s("FROB", "500 5.5.1"),
                        s("BDAT 10 LAST", "502 5.5.1"),
                        s("STARTTLS", "502 5.5.1"),
                        s("NOOP", "250 2.0.0"),
                        s("VRFY postmaster", "252 2.5.2"),
                        s("HELP", "214 2.0.0"))),
                Arguments.of("syntax errors", List.of(
                        s("EHLO", "501 5.5.4"),
                        s("EHLO c.example", "250"),
                        s("MAIL FROM:app@example.com", "501 5.1.7"),
                        s("MAIL FROM:<app@example.com> SIZE=abc", "501 5.5.4"),
                        s("MAIL FROM:<app@example.com> BODY=9BIT", "501 5.5.4"),
                        s("MAIL FROM:<app@example.com> FROB=1", "555 5.5.4"),
                        s("MAIL FROM:<app@example.com>", "250 2.1.0"),
                        s("RCPT TO:<>", "501 5.1.3"),
                        s("RCPT TO:<no-domain>", "501 5.1.3"),
                        s("RCPT TO:<u@example.net> FROB=1", "555 5.5.4"),
                        s("RCPT TO:<u@example.net> NOTIFY=NEVER,SUCCESS", "501 5.5.4"))),
                Arguments.of("declared size over the limit", List.of(
                        s("EHLO c.example", "250"),
                        s("MAIL FROM:<a@example.com> SIZE=2001", "552 5.3.4"),
                        s("MAIL FROM:<a@example.com> SIZE=1999", "250 2.1.0"))),
                Arguments.of("too many recipients", List.of(
                        s("EHLO c.example", "250"),
                        s("MAIL FROM:<a@example.com>", "250 2.1.0"),
                        s("RCPT TO:<u1@example.net>", "250 2.1.5"),
                        s("RCPT TO:<u2@example.net>", "250 2.1.5"),
                        s("RCPT TO:<u3@example.net>", "250 2.1.5"),
                        s("RCPT TO:<u4@example.net>", "452 4.5.3"))),
                Arguments.of("international addresses need SMTPUTF8", List.of(
                        s("EHLO c.example", "250"),
                        s("MAIL FROM:<j\u00f6rg@example.com>", "553 5.6.7"),
                        s("MAIL FROM:<j\u00f6rg@example.com> SMTPUTF8", "250 2.1.0"),
                        s("RCPT TO:<m\u00fcller@b\u00fccher.example>", "250 2.1.5"))),
                Arguments.of("overlong command line", List.of(
                        s("EHLO c.example", "250"),
                        s("MAIL FROM:<" + "a".repeat(5000) + "@example.com>", "500 5.5.2"),
                        s("NOOP", "250 2.0.0"))),
                Arguments.of("NUL and invalid UTF-8 in commands", List.of(
                        s("EHLO c\0.example", "500 5.5.2"),
                        s("EHLO c\u00ff", "250"),
                        s("NOOP", "250 2.0.0"))),
                Arguments.of("message over the size limit", List.of(
                        s("EHLO c.example", "250"),
                        s("MAIL FROM:<a@example.com>", "250 2.1.0"),
                        s("RCPT TO:<u@example.net>", "250 2.1.5"),
                        s("DATA", "354"),
                        s(("x".repeat(70) + "\r\n").repeat(40) + ".", "552 5.3.4"),
                        s("NOOP", "250 2.0.0"))),
                Arguments.of("bare LF inside DATA is refused, never splits", List.of(
                        s("EHLO c.example", "250"),
                        s("MAIL FROM:<a@example.com>", "250 2.1.0"),
                        s("RCPT TO:<u@example.net>", "250 2.1.5"),
                        s("DATA", "354"),
                        s("a\n.\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<v@example.net>\r\nDATA\r\nevil\r\n.",
                                "550 5.6.11"),
                        s("NOOP", "250 2.0.0"))),
                Arguments.of("bare CR inside DATA is refused", List.of(
                        s("EHLO c.example", "250"),
                        s("MAIL FROM:<a@example.com>", "250 2.1.0"),
                        s("RCPT TO:<u@example.net>", "250 2.1.5"),
                        s("DATA", "354"),
                        s("a\r.\rb\r\n.", "550 5.6.11"))),
                Arguments.of("NUL inside DATA is refused", List.of(
                        s("EHLO c.example", "250"),
                        s("MAIL FROM:<a@example.com>", "250 2.1.0"),
                        s("RCPT TO:<u@example.net>", "250 2.1.5"),
                        s("DATA", "354"),
                        s("a\0b\r\n.", "550 5.6.0"))),
                Arguments.of("overlong data line is refused when smtpd.max_line_length is set", List.of(
                        s("EHLO c.example", "250"),
                        s("MAIL FROM:<a@example.com>", "250 2.1.0"),
                        s("RCPT TO:<u@example.net>", "250 2.1.5"),
                        s("DATA", "354"),
                        s("y".repeat(1200) + "\r\n.", "550 5.6.0"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conversations")
    void conversation(String name, List<Step> steps) throws IOException {
        try (SmtpScript c = SmtpScript.connect(relay.address())) {
            for (Step step : steps) {
                Reply r = c.send(step.send());
                String got = r.code() + (r.status() == null ? "" : " " + r.status());
                assertThat(got).as("reply to %s (%s)", abbreviate(step.send()), r).startsWith(step.expect());
                if (step.expect().length() == 3) {
                    assertThat(r.code()).isEqualTo(Integer.parseInt(step.expect()));
                }
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    @Test
    void refusedMessagesAreNotQueuedAndAcceptedOnesAre() throws IOException {
        try (SmtpScript c = SmtpScript.connect(relay.address())) {
            c.send("EHLO c.example");
            c.send("MAIL FROM:<a@example.com>");
            c.send("RCPT TO:<u@example.net>");
            c.send("DATA");
            assertThat(c.send("one\n.\ntwo\r\n.").code()).isEqualTo(550);
            c.send("MAIL FROM:<a@example.com>");
            c.send("RCPT TO:<u@example.net>");
            c.send("DATA");
            Reply ok = c.send("Subject: good\r\n\r\nfine\r\n.");
            assertThat(ok.oneLine()).matches("250 2\\.0\\.0 Ok: queued as [0-9A-Z]{12}");
        }
        List<Envelope> queued = new ArrayList<>();
        relay.relay().spool().forEach(queued::add);
        assertThat(queued).hasSize(1);
        try (var tmp = Files.list(spool.resolve("tmp"))) {
            assertThat(tmp).isEmpty();
        }
    }

    @Test
    void pipelinedCommandsGetTheirRepliesInOrder() throws IOException {
        try (SmtpScript c = SmtpScript.connect(relay.address())) {
            assertThat(c.send("EHLO c.example").lines()).contains("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES",
                    "SMTPUTF8", "SIZE 2000");
            c.raw("MAIL FROM:<a@example.com>\r\nRCPT TO:<u@example.net>\r\nRCPT TO:<v@example.net>\r\nDATA\r\n");
            assertThat(c.reply().code()).isEqualTo(250);
            assertThat(c.reply().code()).isEqualTo(250);
            assertThat(c.reply().code()).isEqualTo(250);
            assertThat(c.reply().code()).isEqualTo(354);
            c.raw("Subject: p\r\n\r\nx\r\n.\r\nQUIT\r\n");
            assertThat(c.reply().code()).isEqualTo(250);
            assertThat(c.reply().code()).isEqualTo(221);
        }
    }

    @Test
    void aReceivedHeaderIsPrependedAndEightBitDataIsMarked() throws IOException {
        String id;
        try (SmtpScript c = SmtpScript.connect(relay.address())) {
            c.send("EHLO client.example");
            c.send("MAIL FROM:<a@example.com>");
            c.send("RCPT TO:<u@example.net>");
            c.send("DATA");
            String line = c.send("Subject: caf\u00e9\r\n\r\nna\u00efve\r\n.").oneLine();
            id = line.substring(line.lastIndexOf(' ') + 1);
        }
        String body = Files.readString(spool.resolve("queue/" + id + ".body"));
        assertThat(body).startsWith("Received: from client.example ([127.0.0.1])\r\n\tby relay.test (Mailferry) with"
                + " ESMTP id " + id + "\r\n\tfor <u@example.net>; ");
        assertThat(body).endsWith("\r\nSubject: caf\u00e9\r\n\r\nna\u00efve\r\n");
        assertThat(relay.relay().spool().load(new org.mailferry.message.QueueId(id)).bodyType()).isEqualTo("8BITMIME");
    }

    @Test
    void tooManyConnectionsAreRefusedWith421() throws Exception {
        relay.close();
        relay = new RelayFixture(spool.resolve("b")).set("smtpd.max_connections", "2").start();
        InetSocketAddress a = relay.address();
        try (SmtpScript one = SmtpScript.connect(a); SmtpScript two = SmtpScript.connect(a);
             SmtpScript three = new SmtpScript(a)) {
            Reply r = three.reply();
            assertThat(r.code()).isEqualTo(421);
            assertThat(r.status().toString()).isEqualTo("4.7.0");
            assertThat(one.send("NOOP").code()).isEqualTo(250);
        }
    }

    @Test
    void aClientTooSlowToFinishALineIsDisconnected() throws Exception {
        relay.close();
        relay = new RelayFixture(spool.resolve("c")).set("smtpd.command_timeout", "300ms").start();
        try (SmtpScript c = SmtpScript.connect(relay.address())) {
            c.raw("EH");
            Thread.sleep(400);
            c.raw("LO x\r\n");
            Reply r = c.reply();
            assertThat(r.code()).isEqualTo(421);
            assertThat(r.status().toString()).isEqualTo("4.4.2");
        }
    }

    @Test
    void afterTooManyErrorsTheClientIsDisconnected() throws IOException {
        try (SmtpScript c = SmtpScript.connect(relay.address())) {
            for (int i = 0; i < 19; i++) {
                assertThat(c.send("BOGUS").code()).isEqualTo(500);
            }
            c.raw("BOGUS\r\n");
            assertThat(c.reply().code()).isEqualTo(500);
            assertThat(c.reply().code()).isEqualTo(421);
            assertThat(c.closedByServer()).isTrue();
        }
    }
}
