package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.NativeSendmail;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.TestSmarthost;

/**
 * When the native client hands over to the Java command (src/main/c/sendmail.c): other modes, a
 * config it does not trust itself to read, no daemon, a daemon that goes away before a complete
 * answer, a message over its memory bound. The Java command must get standard input whole and
 * byte for byte (a tripwire records it), and the message must arrive in the end (the real one).
 */
class NativeFallbackTest {
    private static final String MESSAGE = "Subject: fallback\n\nbody\n.\nafter the dot\n";

    @TempDir
    Path dir;

    private Path config(Path spool, String extra) throws Exception {
        return Files.writeString(dir.resolve("mailferry.toml"), "[queue]\nspool = \"" + spool + "\"\n" + extra);
    }

    private String tripped(String what) throws Exception {
        return Files.readString(dir.resolve("jvm." + what));
    }

    @Test
    void otherModesGoToTheJavaCommandWithStandardInputUntouched() throws Exception {
        try (TestSmarthost smarthost = new TestSmarthost();
             RelayFixture relay = new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port()).start()) {
            Path c = config(relay.spool, "");
            List<List<String>> modes = List.of(List.of("-bp"), List.of("-q"), List.of("-qRexample.com"),
                    List.of("-bs"), List.of("-bi"), List.of("-I"), List.of("-bd"), List.of("-ti", "-v", "bob"),
                    List.of("-Fname", "-vt"));
            for (List<String> args : modes) {
                String[] withConfig = java.util.stream.Stream.concat(java.util.stream.Stream.of("-C", c.toString()),
                        args.stream()).toArray(String[]::new);
                NativeSendmail.Result r = NativeSendmail.tripwire(dir).run(MESSAGE, withConfig);
                assertThat(r.code()).as(args.toString()).isEqualTo(NativeSendmail.TRIPWIRE);
                assertThat(tripped("stdin")).as(args.toString()).isEqualTo(MESSAGE);
                assertThat(tripped("args").lines().toList()).as(args.toString()).isEqualTo(List.of(withConfig));
            }
            Path mailq = Files.createSymbolicLink(dir.resolve("mailq"), NativeSendmail.binary());
            ProcessBuilder pb = new ProcessBuilder(mailq.toString(), "-C", c.toString());
            pb.environment().put("MAILFERRY_SENDMAIL_JVM", dir.resolve("jvm").toString());
            pb.redirectInput(java.lang.ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            assertThat(pb.start().waitFor()).isEqualTo(NativeSendmail.TRIPWIRE);
        }
    }

    @Test
    void aConfigTheScanDoesNotTrustGoesToTheJavaCommandWhichStillDelivers() throws Exception {
        try (TestSmarthost smarthost = new TestSmarthost();
             RelayFixture relay = new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port()).start()) {
            String spool = "spool = \"" + relay.spool + "\"";
            List<String> trusted = List.of(
                    "[queue]\n" + spool + "\n",
                    "# comment\n\n[relay]\nsmarthost = \"[mx.example.com]:25\"  # comment\n[queue]\r\n" + spool
                            + "   # comment\r\nretry_min = \"5m\"\n[smtpd]\nmynetworks = [\"127.0.0.0/8\", \"::1/128\"]\n",
                    "[queue]  # the queue\n" + spool.replace('"', '\'') + "\n");
            List<String> refused = List.of(
                    "queue.spool = \"" + relay.spool + "\"\n",                          // dotted key
                    "queue = { spool = \"" + relay.spool + "\" }\n",                    // inline table
                    "[queue]\nspool = \"" + relay.spool.toString().replace("/", "\\u002F") + "\"\n", // escapes
                    "[queue]\n" + spool + "\n[smtpd]\nmynetworks = [\n  \"127.0.0.0/8\",\n]\n", // multi-line array
                    "[sendmail]\norigin_domain = \"\"\"x\"\"\"\n[queue]\n" + spool + "\n",
                    "[ queue ]\n" + spool + "\n",
                    "[queue]\n" + spool + "\n[queue]\nretry_min = \"1m\"\n",               // Java: table twice (78)
                    "[queue]\nspool = \"\"\n",
                    "[relay]\n" + spool + "\n",                                            // not queue.spool
                    "[queue]\n" + spool + "\n[relay]\nauthinfo = \"/var/spool/authinfo\"\n", // the word elsewhere
                    "[[queue]]\n" + spool + "\n",
                    "[queue]\n" + spool + "\n#" + "x".repeat(70_000) + "\n");             // larger than 64 KiB
            for (String text : trusted) {
                Path c = Files.writeString(dir.resolve("c.toml"), text);
                NativeSendmail.Result r = NativeSendmail.tripwire(dir).run(MESSAGE, "-C", c.toString(), "bob@example.com");
                assertThat(r.code()).as(text + r.err()).isZero();
                smarthost.next();
            }
            for (String text : refused) {
                Path c = Files.writeString(dir.resolve("c.toml"), text);
                NativeSendmail.Result r = NativeSendmail.tripwire(dir).run(MESSAGE, "-C", c.toString(), "bob@example.com");
                assertThat(r.code()).as(text.length() > 200 ? "large" : text).isEqualTo(NativeSendmail.TRIPWIRE);
                assertThat(tripped("stdin")).isEqualTo(MESSAGE);
            }
            Path c = Files.writeString(dir.resolve("c.toml"), refused.get(3));
            NativeSendmail.Result r = NativeSendmail.javaCommand().run(MESSAGE, "-C", c.toString(), "bob@example.com");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(smarthost.next().text()).endsWith("\r\n\r\nbody\r\n");
            Path missing = dir.resolve("missing.toml");
            NativeSendmail.Result m = NativeSendmail.javaCommand().run(MESSAGE, "-C", missing.toString(), "bob");
            assertThat(m.code()).isEqualTo(Sysexits.EX_NOINPUT);
            assertThat(m.err()).isEqualTo("sendmail: " + missing + ": no such config file; give an existing file with -C\n");
        }
    }

    @Test
    void noDaemonOrAStaleSocketMeansTheMaildropThenDeliveryWhenItStarts() throws Exception {
        Path spool = dir.resolve("spool");
        Path c = config(spool, "");
        NativeSendmail.Result none = NativeSendmail.javaCommand().run(MESSAGE, "-C", c.toString(), "bob@example.com");
        assertThat(none.code()).as(none.err()).isZero();
        Path sock = spool.resolve("public/submit.sock");
        Files.createDirectories(sock.getParent());
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(sock)); // closed below without unlinking: connect is refused
        }
        NativeSendmail.Result refused = NativeSendmail.javaCommand().run(MESSAGE.replace("body", "second"), "-C",
                c.toString(), "bob@example.com");
        assertThat(refused.code()).as(refused.err()).isZero();
        try (var files = Files.list(spool.resolve("maildrop"))) {
            assertThat(files.toList()).hasSize(2);
        }
        try (TestSmarthost smarthost = new TestSmarthost();
             RelayFixture relay = new RelayFixture(spool).smarthost(smarthost.port()).start()) {
            String a = smarthost.next().text();
            String b = smarthost.next().text();
            assertThat(List.of(a, b)).anyMatch(t -> t.endsWith("\r\n\r\nbody\r\n"))
                    .anyMatch(t -> t.endsWith("\r\n\r\nsecond\r\n"));
        }
    }

    /** Misbehaving daemons: each reads some of the request, then answers something or nothing. */
    @Test
    void aDaemonThatGoesAwayBeforeACompleteAnswerLosesNothing() throws Exception {
        Path spool = dir.resolve("spool");
        Path c = config(spool, "");
        List<String> answers = List.of(
                "",                         // closes after the command line
                "input 0\n",                // closes after the message
                "input 0\nexit 0 5\nab",    // a truncated final answer
                "input 0\njvm spool full\n",
                "fail unknown request\n",   // a daemon without SEND
                "input 0\nok 123\n");       // nonsense
        Path sock = spool.resolve("public/submit.sock");
        Files.createDirectories(sock.getParent());
        for (String answer : answers) {
            Files.deleteIfExists(sock);
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(sock));
                Thread.ofVirtual().start(() -> misbehave(server, answer)); // ends when the server closes
                NativeSendmail.Result r = NativeSendmail.tripwire(dir).run(MESSAGE, "-C", c.toString(), "bob@example.com");
                assertThat(r.code()).as(answer).isEqualTo(NativeSendmail.TRIPWIRE);
                assertThat(tripped("stdin")).as(answer).isEqualTo(MESSAGE);
            }
        }
        Files.deleteIfExists(sock);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            Thread.ofVirtual().start(() -> misbehave(server, "input 0\n"));
            NativeSendmail.Result r = NativeSendmail.javaCommand().run(MESSAGE, "-C", c.toString(), "bob@example.com");
            assertThat(r.code()).as(r.err()).isZero(); // the Java command: its SUBMIT is cut off too, so the maildrop
        }
        try (TestSmarthost smarthost = new TestSmarthost();
             RelayFixture relay = new RelayFixture(spool).smarthost(smarthost.port()).start()) {
            assertThat(smarthost.next().text()).endsWith("\r\n\r\nbody\r\n");
        }
    }

    /**
     * Serves SEND badly: reads the command line, answers {@code answer}'s first line, reads a little
     * of the message, answers the rest and hangs up. Any other request is cut off at once.
     */
    private static void misbehave(ServerSocketChannel server, String answer) {
        while (server.isOpen()) {
            try (SocketChannel ch = server.accept()) {
                InputStream in = Channels.newInputStream(ch);
                if (!line(in).equals("SEND")) {
                    continue;
                }
                for (String head = line(in); !head.isEmpty(); head = line(in)) {
                    in.readNBytes(Integer.parseInt(head.substring(head.indexOf(' ') + 1)));
                }
                int nl = answer.indexOf('\n');
                ch.write(ByteBuffer.wrap(answer.substring(0, nl + 1).getBytes(StandardCharsets.US_ASCII)));
                if (answer.startsWith("input")) {
                    in.readNBytes(20); // part of the message
                    ch.write(ByteBuffer.wrap(answer.substring(nl + 1).getBytes(StandardCharsets.US_ASCII)));
                }
            } catch (java.io.IOException e) {
                return;
            }
        }
    }

    private static String line(InputStream in) throws java.io.IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
            b.write(c);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** bin/sendmail in a copy of the checkout's layout: the native client only while it is up to date. */
    @Test
    void binSendmailRunsTheNativeClientWhileItIsNewerThanItsSource() throws Exception {
        Path home = dir.resolve("home");
        Files.createDirectories(home.resolve("bin/lib"));
        Files.createDirectories(home.resolve("target"));
        Files.createDirectories(home.resolve("src/main/c"));
        Path source = Files.copy(NativeSendmail.HOME.resolve("src/main/c/sendmail.c"), home.resolve("src/main/c/sendmail.c"));
        Files.copy(NativeSendmail.HOME.resolve("bin/sendmail"), home.resolve("bin/sendmail"));
        Files.copy(NativeSendmail.HOME.resolve("bin/lib/env.sh"), home.resolve("bin/lib/env.sh"));
        Path binary = Files.copy(NativeSendmail.binary(), home.resolve("target/mailferry-sendmail"));
        Path c = config(dir.resolve("spool"), ""); // no daemon: the native client hands over at once
        Files.setLastModifiedTime(source, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        assertThat(launch(home, c).waitFor()).as("the native client ran").isEqualTo(NativeSendmail.TRIPWIRE);

        Files.setLastModifiedTime(binary, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 120_000));
        Process stale = launch(home, c); // older than its source: the JVM route (which rebuilds it, but not on test classes)
        assertThat(stale.waitFor()).as(new String(stale.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();

        NativeSendmail.tripwire(dir);
        Files.delete(source); // an installed copy has no source: the binary is used as it is
        assertThat(launch(home, c).waitFor()).isEqualTo(NativeSendmail.TRIPWIRE);
    }

    private Process launch(Path home, Path config) throws Exception {
        NativeSendmail.tripwire(dir);
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/sendmail").toString(), "-C", config.toString(), "bob");
        pb.environment().remove("MAILFERRY_NATIVE");
        pb.environment().put("MAILFERRY_SENDMAIL_JVM", dir.resolve("jvm").toString());
        pb.environment().put("MAILFERRY_CLASSPATH", NativeSendmail.HOME.resolve("target/classes").toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        p.getOutputStream().write(MESSAGE.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        return p;
    }

    @Test
    void aMessageOverTheMemoryBoundGoesToTheJavaCommandWhole() throws Exception {
        try (TestSmarthost smarthost = new TestSmarthost();
             RelayFixture relay = new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port()).start()) {
            Path c = config(relay.spool, "");
            StringBuilder big = new StringBuilder("Subject: big\n\n");
            Random random = new Random(1);
            while (big.length() < 4_300_000) {
                big.append(Long.toString(random.nextLong(), 36)).append(random.nextInt(20) == 0 ? "\n.\n" : "\n");
            }
            String message = big.toString();
            NativeSendmail.Result r = NativeSendmail.tripwire(dir).run(message, "-C", c.toString(), "-i", "bob@example.com");
            assertThat(r.code()).isEqualTo(NativeSendmail.TRIPWIRE);
            assertThat(tripped("stdin")).isEqualTo(message);

            NativeSendmail.Result real = NativeSendmail.javaCommand().run(message, "-C", c.toString(), "-i", "bob@example.com");
            assertThat(real.code()).as(real.err()).isZero();
            assertThat(smarthost.next().data().length).isGreaterThan(4_300_000);
        }
    }
}
