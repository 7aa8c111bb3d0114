package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.NativeSendmail;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.TestSmarthost;

/**
 * sendmail's native client (src/main/c/sendmail.c) against the real relay and the in-JVM
 * smarthost: what arrives, byte for byte, and that it says and exits what the Java command does.
 * The client's Java command is a tripwire here, so every run that passes took the fast path.
 * SendmailTest runs its sending cases (-t, -f, -F, dots, size limit) through this client too.
 */
class NativeSendmailTest {
    @TempDir
    Path dir;
    TestSmarthost smarthost;
    RelayFixture relay;
    Path config;
    NativeSendmail client;

    @BeforeEach
    void start() throws Exception {
        smarthost = new TestSmarthost();
        relay = new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port()).start();
        config = SendmailRun.config(dir, relay.spool);
        client = NativeSendmail.tripwire(dir);
    }

    @AfterEach
    void stop() {
        relay.close();
        smarthost.close();
    }

    private NativeSendmail.Result send(String stdin, String... args) throws Exception {
        return client.send(config, stdin, args);
    }

    @Test
    void theDotEndsTheMessageWhileTheWriterKeepsStandardInputOpen() throws Exception {
        Process p = client.start("-C", config.toString(), "bob@example.com");
        p.getOutputStream().write("Subject: interactive\n\ntyped\n.\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().flush();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("exited at the dot, input still open").isTrue();
        assertThat(p.exitValue()).isZero();
        p.getOutputStream().close();
        assertThat(smarthost.next().text()).contains("Subject: interactive\r\n").endsWith("\r\n\r\ntyped\r\n");
    }

    @Test
    void mistakesAreTheJavaCommandsWordForWord() throws Exception {
        String message = "Subject: x\nTo: undisclosed-recipients:;\n\nbody\n";
        List<List<String>> cases = List.of(
                List.of("-k", "bob@example.com"),                          // unknown option: usage text
                List.of("-N", "sometimes", "bob@example.com"),
                List.of("-f"),                                             // missing value
                List.of(),                                                 // no recipients
                List.of("-t"),                                             // none in the header either
                List.of("-F", "Eve\nBcc: victim@example.com", "bob@example.com"), // header smuggling
                List.of("bob@example.com\nBcc: victim@example.com"),
                List.of("-f", "a@x, b@y", "bob@example.com"));
        for (List<String> args : cases) {
            List<String> withConfig = new ArrayList<>(List.of("-C", config.toString()));
            withConfig.addAll(args);
            SendmailRun java = SendmailRun.run("sendmail", message, withConfig);
            NativeSendmail.Result c = send(message, args.toArray(String[]::new));
            assertThat(java.code()).as(args.toString()).isNotZero();
            assertThat(c.code()).as(args.toString()).isEqualTo(java.code());
            assertThat(c.err()).as(args.toString()).isEqualTo(java.err());
        }
        assertThat(SendmailRun.run("sendmail", "", List.of("-k")).err()).contains("usage: sendmail");
        assertThat(smarthost.take(300, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void aValueThatLooksLikeAnOptionIsAValue() throws Exception {
        assertThat(send("Subject: v\n\nx\n", "-F", "-q", "-f", "-v", "bob@example.com").code()).isZero();
        TestSmarthost.Received m = smarthost.next();
        assertThat(m.sender()).isEqualTo("-v@origin.test");
        assertThat(m.text()).contains("\r\nFrom: -q <-v@origin.test>\r\n");
    }

    @Test
    void theConfigFromTheEnvironment() throws Exception { // the default spool: CheckoutSpoolTest
        NativeSendmail.Result r = client.env("MAILFERRY_CONFIG", config.toString()).run("Subject: env\n\nx\n", "bob");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(smarthost.next().recipients()).containsExactly("bob@origin.test");
    }

    @Test
    void nativeAndJavaCommandDeliverTheSameBytes() throws Exception {
        String message = "From someone@example.org Mon Jan  1 00:00:00 2024\nTo: Ann <ann@example.com>,\n"
                + " bob@example.com\r\nCc: carol\nBcc: dave@example.com\nSubject: the same\n\n"
                + "8-bit: caf\u00e9\r\n.\n..dots\nno final newline";
        String[] args = {"-t", "-i", "-F", "J\u00fcrgen O'Neil", "-N", "failure", "-R", "hdrs", "-V", "env-1", "erin"};
        assertThat(send(message, args).code()).isZero();
        TestSmarthost.Received fast = smarthost.next();

        List<String> cmd = new ArrayList<>(List.of(NativeSendmail.HOME.resolve("bin/sendmail").toString(), "-C",
                config.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("MAILFERRY_NATIVE", "off");
        pb.environment().put("MAILFERRY_CLASSPATH", NativeSendmail.HOME.resolve("target/classes").toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("LANG", "C.UTF-8"); // the JVM decodes argv with the locale's charset
        Process p = pb.start();
        p.getOutputStream().write(message.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        TestSmarthost.Received jvm = smarthost.next();

        assertThat(fast.sender()).isEqualTo(jvm.sender());
        assertThat(fast.recipients()).containsExactlyElementsOf(jvm.recipients()).hasSize(5);
        String name = java.util.Base64.getEncoder().encodeToString("J\u00fcrgen O'Neil".getBytes(StandardCharsets.UTF_8));
        assertThat(normalized(fast.text())).isEqualTo(normalized(jvm.text()))
                .contains("\r\nFrom: =?UTF-8?B?" + name + "?= <" + System.getProperty("user.name") + "@origin.test>\r\n")
                .doesNotContain("Bcc").endsWith("\r\n\r\n8-bit: caf\u00e9\r\n.\r\n..dots\r\nno final newline\r\n");
    }

    /** Without the values that differ between two runs: queue id and dates, Message-ID. */
    private static String normalized(String text) {
        return text.replaceAll("\tid [0-9A-Z]+", "\tid ID").replaceAll("(\r\n\tfor <[^>]+>)?; [^\r\n]+\r\n", "; DATE\r\n")
                .replaceAll("\r\nDate: [^\r\n]+", "\r\nDate: DATE").replaceAll("\r\nMessage-ID: <[^>]+>", "\r\nMessage-ID: ID");
    }
}
