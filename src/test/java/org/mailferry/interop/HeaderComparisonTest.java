package org.mailferry.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.TestSmarthost;
import org.mailferry.testing.Tools;

/**
 * The same message sent with swaks from 127.0.0.1 to Debian's Postfix (its defaults, myorigin =
 * origin.test: test-scripts/postfix-cleanup.sh) and to Mailferry (sendmail.origin_domain =
 * origin.test): the header each passes on is the same, but for the trace fields each adds
 * (Received; Postfix's Resent-Message-Id and Resent-Date).
 */
class HeaderComparisonTest {
    @TempDir
    Path dir;

    @Test
    void mailferryWritesTheHeaderPostfixWrites() throws Exception {
        Path swaks = Tools.require("swaks");
        Tools.require("/usr/sbin/postfix", "postfix");
        if (!"root".equals(System.getProperty("user.name"))) {
            if (Tools.interopRequired()) {
                throw new AssertionError("a Postfix instance needs root");
            }
            Assumptions.abort("a Postfix instance needs root");
        }
        Path input = Path.of("src/test/resources/headers/postfix-cleanup.in").toAbsolutePath();
        Path work = Files.createTempDirectory(Path.of("/tmp"), "mailferry-cleanup",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path script = Path.of("test-scripts/postfix-cleanup.sh").toAbsolutePath();
        int port = Tools.freePort();
        try {
            int started = Tools.run(List.of("bash", script.toString(), "start", work.toString(), "" + port),
                    dir.resolve("start.log"), 60);
            assertThat(started).as(Files.readString(dir.resolve("start.log"))).isZero();
            send(swaks, port, input);
            String postfix = null;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (postfix == null && System.nanoTime() < end) {
                try (Stream<Path> s = Files.list(work.resolve("sink"))) {
                    postfix = s.findFirst().map(HeaderComparisonTest::read).orElse(null);
                }
                Thread.sleep(50);
            }
            assertThat(postfix).as("Postfix's sink").isNotNull();
            try (TestSmarthost smarthost = new TestSmarthost();
                 RelayFixture relay = new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port())
                         .set("sendmail.origin_domain", "origin.test").start()) {
                send(swaks, relay.port(), input);
                TestSmarthost.Received m = smarthost.take(20, TimeUnit.SECONDS);
                assertThat(m).isNotNull();
                assertThat(header(m.text().replace("\r\n", "\n"))).isEqualTo(header(postfix));
            }
        } finally {
            Tools.run(List.of("bash", script.toString(), "stop", work.toString()), dir.resolve("stop.log"), 60);
        }
    }

    private void send(Path swaks, int port, Path data) throws Exception {
        int exit = Tools.run(List.of(swaks.toString(), "--server", "127.0.0.1:" + port, "--from", "s@example.com",
                "--to", "r@example.com", "--data", "@" + data), dir.resolve("swaks-" + port + ".log"), 30);
        assertThat(exit).as(Files.readString(dir.resolve("swaks-" + port + ".log"))).isZero();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The header's fields without the ones each relay adds for itself. */
    private static String header(String message) {
        String head = message.substring(0, message.indexOf("\n\n") + 1);
        return head.replaceAll("(?m)^(X-Sink-[^\n]*|Resent-Message-Id:[^\n]*|Resent-Date:[^\n]*"
                + "|Received:[^\n]*(\n[ \t][^\n]*)*)\n", "");
    }
}
