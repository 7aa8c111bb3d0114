package org.mailferry.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.Mailferry;
import org.mailferry.testing.Closer;
import org.mailferry.testing.DaemonConfig;
import org.mailferry.testing.SmtpSink;
import org.mailferry.testing.Submitter;
import org.mailferry.testing.Tools;

/**
 * log.target and log.format on the real daemon (serve in a child JVM): syslog lines reach a real
 * rsyslog (its own instance, imuxsock on a socket in the test's directory) with facility mail and
 * tag mailferry, and rsyslog's "mail.*" rule files them as /var/log/mail.log would be; journald's
 * stream protocol is read from a socket the test listens on, parsed as journald-stream.c does.
 */
class LogTargetTest {
    @TempDir
    Path dir;

    @AutoClose
    final Closer closer = new Closer();

    @Test
    void syslogLinesReachRsyslogWithFacilityMailAndTagMailferry() throws Exception {
        Path rsyslogd = Tools.require("/usr/sbin/rsyslogd", "rsyslogd");
        Path socket = dir.resolve("log.sock");
        Path mailLog = dir.resolve("mail.log");
        Path conf = Files.writeString(dir.resolve("rsyslog.conf"), """
                global(workDirectory="%1$s")
                module(load="imuxsock" SysSock.Use="off")
                input(type="imuxsock" Socket="%2$s")
                template(name="t" type="string" string="%%syslogfacility-text%%.%%syslogseverity-text%% %%syslogtag%%%%msg%%\\n")
                mail.* action(type="omfile" file="%3$s" template="t")
                *.*;mail.none action(type="omfile" file="%1$s/other.log" template="t")
                """.formatted(dir, socket, mailLog));
        Process rsyslog = new ProcessBuilder(rsyslogd.toString(), "-n", "-f", conf.toString(), "-i",
                dir.resolve("rsyslogd.pid").toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("rsyslogd.out").toFile()).start();
        closer.add(rsyslog::destroyForcibly);
        awaitFile(socket);

        SmtpSink sink = closer.add(new SmtpSink(dir));
        Daemon d = daemon(sink, "[log]\ntarget = \"syslog\"\nsocket = \"" + socket + "\"\n");
        assertThat(Submitter.send(d.relay, "app@example.com", List.of("user@example.net"),
                "Subject: syslog\r\n\r\nx\r\n").code()).isEqualTo(250);
        sink.awaitMessages(1, 20_000);
        List<String> lines = awaitLines(mailLog, l -> l.contains("status=sent"));
        assertThat(lines).anyMatch(l -> l.matches("mail\\.info mailferry\\[\\d+\\]: smtpd: listening on 127\\.0\\.0\\.1:\\d+"));
        assertThat(lines).anyMatch(l -> l.matches("mail\\.info mailferry\\[\\d+\\]: maillog: [0-9A-Z]{12}: "
                + "from=<app@example.com>, size=\\d+, nrcpt=1, client=\\[127\\.0\\.0\\.1\\] \\(queue active\\)"));
        assertThat(lines).anyMatch(l -> l.matches("mail\\.info mailferry\\[\\d+\\]: maillog: [0-9A-Z]{12}: "
                + "to=<user@example.net>, relay=.*status=sent .*"));
        assertThat(lines).allMatch(l -> l.startsWith("mail."), "every line in facility mail");
        assertThat(Files.readString(d.log)).as("nothing on standard output").doesNotContain("maillog");
        d.stop();
    }

    @Test
    void journaldStreamCarriesIdentifierFacilityAndLevelAndJsonLines() throws Exception {
        Path socket = dir.resolve("stdout.sock");
        List<String> received = new CopyOnWriteArrayList<>();
        ServerSocketChannel server = closer.add(ServerSocketChannel.open(StandardProtocolFamily.UNIX));
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            try (SocketChannel c = server.accept()) {
                InputStream in = Channels.newInputStream(c);
                StringBuilder line = new StringBuilder();
                for (int b; (b = in.read()) >= 0; ) {
                    if (b == '\n') {
                        received.add(line.toString());
                        line.setLength(0);
                    } else {
                        line.append((char) b);
                    }
                }
            } catch (IOException ignored) {
                // the daemon stopped
            }
        });
        SmtpSink sink = closer.add(new SmtpSink(dir));
        Daemon d = daemon(sink, "[log]\ntarget = \"journald\"\nformat = \"json\"\nsocket = \"" + socket + "\"\n");
        assertThat(Submitter.send(d.relay, "app@example.com", List.of("user@example.net"),
                "Subject: journal\r\n\r\nx\r\n").code()).isEqualTo(250);
        sink.awaitMessages(1, 20_000);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (received.stream().noneMatch(l -> l.contains("status=sent")) && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        // the header, as journald-stream.c reads it: identifier, unit, priority with facility, level prefix, forwards
        assertThat(received.subList(0, 7)).containsExactly("mailferry", "", "22", "1", "0", "0", "0");
        int priority = Integer.parseInt(received.get(2));
        assertThat(priority >> 3).as("SYSLOG_FACILITY").isEqualTo(2);
        List<String> entries = received.subList(7, received.size());
        assertThat(entries).allMatch(l -> l.matches("<[3467]>\\{\"time\":\"[0-9T:.Z-]+\",\"level\":\"[a-z]+\","
                + "\"logger\":\"[a-z]+\",\"message\":\".*\"}"));
        assertThat(entries).anyMatch(l -> l.startsWith("<6>") && l.contains("\"level\":\"info\",\"logger\":\"maillog\","
                + "\"message\":\"") && l.contains("status=sent"));
        d.stop();
    }

    @Test
    void jsonOnStandardOutputAndAMissingSocketRefusedAtStart() throws Exception {
        SmtpSink sink = closer.add(new SmtpSink(dir));
        Daemon d = daemon(sink, "[log]\nformat = \"json\"\n");
        assertThat(Submitter.send(d.relay, "app@example.com", List.of("user@example.net"),
                "Subject: json\r\n\r\nx\r\n").code()).isEqualTo(250);
        sink.awaitMessages(1, 20_000);
        List<String> lines = awaitLines(d.log, l -> l.contains("status=sent"));
        assertThat(lines).filteredOn(l -> l.startsWith("{")).anyMatch(l -> l.matches("\\{\"time\":\"[0-9T:.Z-]+\","
                + "\"level\":\"info\",\"logger\":\"maillog\",\"message\":\"[0-9A-Z]{12}: to=<user@example.net>, .*"));
        assertThat(lines).filteredOn(l -> l.contains("maillog")).allMatch(l -> l.startsWith("{\"time\":"));
        d.stop();

        Path config = DaemonConfig.write(dir.resolve("bad.toml"), Tools.freePort(), dir.resolve("spool2"), sink.port,
                "[log]\ntarget = \"syslog\"\nsocket = \"" + dir.resolve("no-such.sock") + "\"\n");
        Process p = start(config, dir.resolve("bad.log"));
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(78);
        assertThat(Files.readString(dir.resolve("bad.log"))).isEqualTo("mailferry: log.target \"syslog\": "
                + dir.resolve("no-such.sock") + " does not exist; start the syslog daemon (rsyslog), set log.socket"
                + " to its socket, or use log.target \"stdout\" or \"journald\"\n");
    }

    private record Daemon(Process process, InetSocketAddress relay, Path log) {
        void stop() throws InterruptedException {
            process.destroy();
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
    }

    private Daemon daemon(SmtpSink sink, String more) throws Exception {
        int port = Tools.freePort();
        Path config = DaemonConfig.write(dir.resolve("mailferry.toml"), port, dir.resolve("spool"), sink.port, more);
        Path log = dir.resolve("daemon.log");
        Process p = start(config, log);
        Tools.awaitPort(port, 20_000);
        return new Daemon(p, new InetSocketAddress("127.0.0.1", port), log);
    }

    private Process start(Path config, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), Mailferry.class.getName(), "serve", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        closer.add(p::destroyForcibly);
        return p;
    }

    private static void awaitFile(Path p) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(p) && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertThat(p).exists();
    }

    private static List<String> awaitLines(Path file, Predicate<String> last) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<String> lines = new ArrayList<>();
        while (System.nanoTime() < end) {
            lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
            if (lines.stream().anyMatch(last)) {
                return lines;
            }
            Thread.sleep(20);
        }
        return lines;
    }
}
