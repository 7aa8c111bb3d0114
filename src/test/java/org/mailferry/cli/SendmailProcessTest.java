package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.NativeSendmail;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.TestSmarthost;

/**
 * The sendmail command as a separate process, as applications run it: Debian's mail(1) with our
 * command as its sendmail, and a daemon killed with SIGKILL while messages are being submitted.
 * Both routes: the JVM (bin/sendmail, MAILFERRY_NATIVE=off) and the native client (falling back
 * to bin/sendmail).
 */
class SendmailProcessTest {
    /** The sendmail command's two clients. */
    enum Route { JVM, NATIVE }

    private static final Path HOME = Path.of("").toAbsolutePath();
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @TempDir
    Path dir;

    private Path config(Path spool) throws Exception {
        return SendmailRun.config(dir, spool);
    }

    /** The command the route runs: bin/sendmail with the compiled classes, or the native client. */
    static Path command(Route route) throws Exception {
        return route == Route.JVM ? HOME.resolve("bin/sendmail") : NativeSendmail.binary();
    }

    private ProcessBuilder sendmail(Route route, Path config, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(command(route).toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        env(pb, route, config);
        return pb;
    }

    static void env(ProcessBuilder pb, Route route, Path config) {
        Map<String, String> env = pb.environment();
        env.put("MAILFERRY_CLASSPATH", HOME.resolve("target/classes").toString()); // the jar is built after the tests
        env.put("MAILFERRY_CONFIG", config.toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        if (route == Route.JVM) {
            env.put("MAILFERRY_NATIVE", "off");
        } else {
            env.remove("MAILFERRY_NATIVE");
            env.put("MAILFERRY_SENDMAIL_JVM", HOME.resolve("bin/sendmail").toString());
        }
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void debianMailSendsThroughOurSendmail(Route route) throws Exception {
        boolean required = "1".equals(System.getenv("MAILFERRY_REQUIRE_INTEROP"));
        if (!required) {
            Assumptions.assumeTrue(onPath("mail"), "mailutils' mail is not installed");
        }
        try (TestSmarthost smarthost = new TestSmarthost();
             RelayFixture relay = new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port()).start()) {
            Path config = config(relay.spool);
            // the seed's line, with mail(1) told to use our command as its sendmail
            ProcessBuilder pb = new ProcessBuilder("sh", "-c", "echo \"This is a test email.\" | mail -E "
                    + "'set sendmail=sendmail://" + command(route) + "' -s \"Sendmail Test\" user@example.com");
            env(pb, route, config);
            pb.redirectErrorStream(true);
            Process p = pb.start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(output).isZero();
            TestSmarthost.Received m = smarthost.take(20, TimeUnit.SECONDS);
            assertThat(m).as("message at the smarthost; mail said: " + output).isNotNull();
            assertThat(m.recipients()).containsExactly("user@example.com");
            assertThat(m.text()).contains("\r\nSubject: Sendmail Test\r\n").contains("\r\nTo: <user@example.com>\r\n")
                    .containsPattern("\r\nFrom: [^\r\n]*@")
                    .containsPattern("\r\nDate: [^\r\n]+\r\n")
                    .containsPattern("\r\nMessage-ID: <[^>\r\n]+@origin.test>\r\n")
                    .endsWith("\r\n\r\nThis is a test email.\r\n");
        }
    }

    /** A closed standard input is an empty message, as with Postfix; not whatever file takes fd 0. */
    @ParameterizedTest
    @EnumSource(Route.class)
    void aClosedStandardInputIsAnEmptyMessage(Route route) throws Exception {
        try (TestSmarthost smarthost = new TestSmarthost();
             RelayFixture relay = new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port()).start()) {
            ProcessBuilder pb = new ProcessBuilder("sh", "-c", "exec \"$0\" \"$@\" <&-", command(route).toString(),
                    "bob@example.com");
            env(pb, route, config(relay.spool));
            Process p = pb.redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(output).isZero();
            TestSmarthost.Received m = smarthost.next();
            assertThat(m.recipients()).containsExactly("bob@example.com");
            assertThat(m.text()).containsPattern("\r\nMessage-ID: <[^>]+>\r\n\r\n$").hasSizeLessThan(1000);
        }
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void aDaemonKilledDuringSubmissionsLosesNothingThatWasAcknowledged(Route route) throws Exception {
        Path spool = dir.resolve("spool");
        Path config = config(spool);
        try (TestSmarthost smarthost = new TestSmarthost()) {
            Path daemonConfig = Files.writeString(dir.resolve("daemon.toml"), "[admin]\nlisten = \"off\"\n");
            ProcessBuilder daemonPb = new ProcessBuilder(JAVA, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
                    System.getProperty("java.class.path"), "org.mailferry.Mailferry", "serve", "--config",
                    daemonConfig.toString(), "--spool", spool.toString(), "--listen", "127.0.0.1:0", "--smarthost",
                    "[127.0.0.1]:" + smarthost.port());
            daemonPb.redirectErrorStream(true).redirectOutput(dir.resolve("daemon.log").toFile());
            Process daemon = daemonPb.start();
            Path sock = spool.resolve("public/submit.sock");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(sock) && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertThat(sock).as(Files.exists(dir.resolve("daemon.log")) ? Files.readString(dir.resolve("daemon.log")) : "")
                    .exists();

            int n = 6;
            List<Process> clients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ProcessBuilder pb = sendmail(route, config, "-t", "-i");
                pb.redirectErrorStream(true);
                Process c = pb.start();
                c.getOutputStream().write(("To: bob@example.com\nSubject: msg-" + i + "\n\n" + "line\n".repeat(2000))
                        .getBytes(StandardCharsets.UTF_8));
                c.getOutputStream().close();
                clients.add(c);
                if (i == 1) {
                    assertThat(clients.get(0).waitFor(30, TimeUnit.SECONDS)).isTrue();
                    daemon.destroyForcibly(); // SIGKILL while the others start, connect or write
                }
            }
            daemon.waitFor();
            Set<String> acknowledged = new HashSet<>();
            for (int i = 0; i < n; i++) {
                Process c = clients.get(i);
                assertThat(c.waitFor(60, TimeUnit.SECONDS)).isTrue();
                if (c.exitValue() == 0) {
                    acknowledged.add("msg-" + i);
                } else {
                    assertThat(c.exitValue()).isEqualTo(Sysexits.EX_TEMPFAIL);
                }
            }
            assertThat(acknowledged).as("submissions acknowledged").isNotEmpty();

            try (RelayFixture relay = new RelayFixture(spool).smarthost(smarthost.port()).start()) {
                Set<String> delivered = new HashSet<>();
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!delivered.containsAll(acknowledged) && System.nanoTime() < until) {
                    TestSmarthost.Received m = smarthost.take(1, TimeUnit.SECONDS);
                    if (m != null) {
                        delivered.add(m.text().replaceAll("(?s).*\r\nSubject: (msg-\\d+)\r\n.*", "$1"));
                    }
                }
                for (TestSmarthost.Received m : smarthost.all()) {
                    delivered.add(m.text().replaceAll("(?s).*\r\nSubject: (msg-\\d+)\r\n.*", "$1"));
                }
                assertThat(delivered).as("delivered").containsAll(acknowledged);
            }
        }
    }
}
