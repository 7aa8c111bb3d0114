package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.NativeSendmail;
import org.mailferry.testing.Submit;
import org.mailferry.testing.TestSmarthost;
import org.mailferry.testing.Tools;
import org.mailferry.testing.UserProcess;

/**
 * Issue 14, item 2: an unprivileged user (eve) floods the submit socket of a real daemon (its own
 * JVM, with a 64 MiB heap) with idle connections, slow ones, and ones that send most of a 9 MB
 * SUBMIT or a 4 MB SEND and stall. Meanwhile root's and nobody's sendmail (both clients) and SMTP
 * still queue and deliver, eve's own sendmail gets a temporary error from the daemon and uses the
 * maildrop (delivered by the pickup), and the daemon never runs out of memory. Before the bounds,
 * each stalled request held its body in a byte array: the daemon died of OutOfMemoryError.
 */
class SubmitFloodTest {
    private static final Path HOME = Path.of("").toAbsolutePath();
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final int FLOOD_SECONDS = 14;

    @TempDir
    Path dir;

    @Test
    void aFloodFromOneUserCostsOnlyThatUsersOwnSubmissions() throws Exception {
        UserProcess eve = UserProcess.as("eve");
        UserProcess nobody = UserProcess.as("nobody");
        UserProcess.open(dir);
        Path spool = UserProcess.open(Files.createDirectories(dir.resolve("spool")));
        UserProcess.open(Files.createDirectories(spool.resolve("public")));
        UserProcess.dropBox(spool.resolve("maildrop"));
        int port = Tools.freePort();
        try (TestSmarthost smarthost = new TestSmarthost()) {
            Path config = org.mailferry.testing.DaemonConfig.write(dir.resolve("mailferry.toml"), port, spool,
                    smarthost.port(), "[sendmail]\norigin_domain = \"origin.test\"\n");
            Path log = dir.resolve("daemon.log");
            Process daemon = new ProcessBuilder(JAVA, "-Xmx64m", "-XX:+UseSerialGC", "-cp",
                    System.getProperty("java.class.path"), "org.mailferry.Mailferry", "serve", "--config",
                    config.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                Path sock = spool.resolve("public/submit.sock");
                Tools.awaitPort(port, 30_000);
                awaitLog(log, "sendmail submissions on", 30); // the socket comes after the listener
                assertThat(sock).exists();
                Path flood = Files.copy(HOME.resolve("src/test/resources/flood/Flood.java"), dir.resolve("Flood.java"));
                Process floodProcess = eve.start(null, List.of(JAVA, flood.toString(), sock.toString(), config.toString(),
                        Integer.toString(FLOOD_SECONDS), "25", "10", "30", "10"));
                String refusal = "sendmail submission refused (temporary): too many connections from local user eve";
                awaitLog(log, refusal, 30);
                assertThat(Files.readString(log)).doesNotContain("OutOfMemoryError");

                List<String> subjects = new ArrayList<>();
                List<Duration> took = new ArrayList<>();
                for (UserProcess as : List.of(UserProcess.self(), nobody, eve)) {
                    for (boolean jvm : new boolean[] {false, true}) {
                        String subject = "during the flood, " + as.user() + (jvm ? ", Java" : ", native");
                        UserProcess.Result r = sendmail(as, jvm, config, subject);
                        assertThat(r.exit()).as(subject + ": " + r.err()).isZero();
                        assertThat(r.took()).as(subject).isLessThan(Duration.ofSeconds(15));
                        subjects.add(subject);
                        took.add(r.took());
                    }
                }
                Submit.message(new java.net.InetSocketAddress("127.0.0.1", port), "app@origin.test",
                        "bob@example.com", "<flood-smtp@test>");
                String during = floodProcess.isAlive() ? memory(daemon.pid()) : "(the flood was over)";
                assertThat(floodProcess.waitFor(FLOOD_SECONDS + 60, TimeUnit.SECONDS)).isTrue();
                String floodCounts = new String(floodProcess.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();

                List<String> arrived = new ArrayList<>();
                long end = System.currentTimeMillis() + 30_000;
                while (arrived.size() < subjects.size() + 1 && System.currentTimeMillis() < end) {
                    TestSmarthost.Received m = smarthost.take(1, TimeUnit.SECONDS);
                    if (m != null) {
                        arrived.add(m.text());
                    }
                }
                for (String s : subjects) {
                    assertThat(arrived).as("delivered: " + s).anyMatch(t -> t.contains("Subject: " + s));
                }
                assertThat(arrived).anyMatch(t -> t.contains("<flood-smtp@test>"));
                assertThat(daemon.isAlive()).isTrue();
                UserProcess.Result after = sendmail(UserProcess.self(), false, config, "after the flood");
                assertThat(after.exit()).isZero();
                String daemonLog = Files.readString(log);
                assertThat(daemonLog).doesNotContain("OutOfMemoryError");
                assertThat(daemonLog).contains("(sendmail)").contains(refusal); // others queued, eve refused
                System.out.println("flood as eve: " + floodCounts + "; sendmail runs during it took " + took
                        + "; daemon (-Xmx64m) during the flood: " + during + "; after: " + memory(daemon.pid()));
            } finally {
                daemon.destroy();
                daemon.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    private static UserProcess.Result sendmail(UserProcess as, boolean jvm, Path config, String subject)
            throws Exception {
        as.env("MAILFERRY_CLASSPATH", HOME.resolve("target/classes").toString())
                .env("MAILFERRY_SENDMAIL_JVM", HOME.resolve("bin/sendmail").toString())
                .env("MAILFERRY_NATIVE", jvm ? "off" : "");
        String command = jvm ? HOME.resolve("bin/sendmail").toString() : NativeSendmail.binary().toString();
        return as.run("Subject: " + subject + "\n\nhello\n", 60, command, "-C", config.toString(), "bob@example.com");
    }

    /** Waits for the line (the flood has begun), or the time; what the log says is checked after. */
    private static void awaitLog(Path log, String line, int seconds) throws Exception {
        long end = System.currentTimeMillis() + seconds * 1000L;
        while (!Files.readString(log).contains(line) && System.currentTimeMillis() < end
                && !Files.readString(log).contains("OutOfMemoryError")) {
            Thread.sleep(100);
        }
    }

    /** The daemon's heap in use and committed (jcmd GC.heap_info) and its peak resident memory. */
    private static String memory(long pid) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.heap_info").redirectErrorStream(true)
                .start();
        String heap = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        String peak = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(l -> l.startsWith("VmHWM") || l.startsWith("VmRSS")).map(l -> l.replaceAll("\\s+", " "))
                .reduce((a, b) -> a + ", " + b).orElse("");
        String used = heap.lines().filter(l -> l.contains("total")).map(l -> l.strip().replaceAll(" \\[.*", ""))
                .reduce((a, b) -> a + "; " + b).orElse(heap);
        return "heap " + used + "; " + peak;
    }
}
