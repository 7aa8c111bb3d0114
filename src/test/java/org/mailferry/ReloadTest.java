package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.smtp.Reply;
import org.mailferry.testing.Closer;
import org.mailferry.testing.DaemonConfig;
import org.mailferry.testing.SmtpSink;
import org.mailferry.testing.Submitter;
import org.mailferry.testing.Tools;

/**
 * Reload without a restart, on the real daemon ({@code mailferry serve} in a child JVM) relaying
 * to two Postfix smtp-sinks: {@code mailferry reload} under load switches the smarthost for the
 * next attempts and loses nothing; SIGHUP does the same; a broken config is refused with one log
 * line and the daemon keeps relaying on the old one.
 */
class ReloadTest {
    private static final Pattern TOKEN = Pattern.compile("Subject: reload-(\\d+)");

    @TempDir
    Path dir;

    @AutoClose
    final Closer closer = new Closer();

    @Test
    void reloadUnderLoadLosesNothingAndTheNextAttemptsGoToTheNewSmarthost() throws Exception {
        SmtpSink a = closer.add(new SmtpSink(Files.createDirectories(dir.resolve("a"))));
        SmtpSink b = closer.add(new SmtpSink(Files.createDirectories(dir.resolve("b"))));
        int port = Tools.freePort();
        Path spool = dir.resolve("spool");
        Path config = DaemonConfig.write(dir.resolve("mailferry.toml"), port, spool, a.port, "");
        Process daemon = start(config);
        InetSocketAddress relay = new InetSocketAddress("127.0.0.1", port);
        Tools.awaitPort(port, 20_000);

        Set<Integer> acked = ConcurrentHashMap.newKeySet();
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            clients.add(Thread.ofVirtual().start(() -> load(relay, next, acked, stop)));
        }
        awaitAcked(acked, 30);
        DaemonConfig.write(config, port, spool, b.port, "");
        Run reload = cli("reload", "--config", config.toString());
        int after = next.get(); // every message numbered from here on was submitted after the reload
        assertThat(reload.code()).as(reload.err()).isZero();
        assertThat(reload.out()).contains("configuration reloaded from " + config, "relaying to [[127.0.0.1]:"
                + b.port + "]");
        awaitAcked(acked, acked.size() + 30);
        stop.set(true);
        for (Thread t : clients) {
            t.join(10_000);
        }

        Map<Integer, Integer> atA = new HashMap<>();
        Map<Integer, Integer> atB = new HashMap<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            atA = tokens(a);
            atB = tokens(b);
            Set<Integer> arrived = new HashSet<>(atA.keySet());
            arrived.addAll(atB.keySet());
            if (arrived.containsAll(acked)) {
                break;
            }
            Thread.sleep(50);
        }
        Set<Integer> lost = new HashSet<>(acked);
        lost.removeAll(atA.keySet());
        lost.removeAll(atB.keySet());
        String figures = "reload under load: acknowledged " + acked.size() + ", at the old smarthost " + atA.size()
                + ", at the new one " + atB.size() + ", lost " + lost.size() + ", submitted after the reload "
                + acked.stream().filter(n -> n >= after).count();
        System.out.println(figures);
        assertThat(lost).as(figures).isEmpty();
        assertThat(atA.keySet()).as("submitted after the reload, yet relayed to the old smarthost")
                .allMatch(n -> n < after);
        assertThat(atA.values()).as("duplicates").allMatch(n -> n == 1);
        assertThat(atB.values()).as("duplicates").allMatch(n -> n == 1);
        Set<Integer> both = new HashSet<>(atA.keySet());
        both.retainAll(atB.keySet());
        assertThat(both).as("relayed to both").isEmpty();
        assertThat(atA).isNotEmpty();
        assertThat(atB).isNotEmpty();

        // SIGHUP, as systemctl reload sends it: back to the first smarthost
        DaemonConfig.write(config, port, spool, a.port, "");
        hangup(daemon);
        awaitLog(2, "configuration reloaded"); // the command's reload, then this one
        int before = atA.size();
        assertThat(Submitter.send(relay, "app@client.test", List.of("user@dest.test"),
                "Subject: reload-100000\r\n\r\nafter SIGHUP\r\n").code()).isEqualTo(250);
        assertThat(a.awaitMessages(before + 1, 20_000)).hasSize(before + 1);

        // a broken config: refused with one line, the old one stays
        Files.writeString(config, "[relay]\nsmarthost = \"[127.0.0.1]:" + b.port + "\"\nconcurrency = \"many\"\n");
        Run refused = cli("reload", "--spool", spool.toString());
        assertThat(refused.code()).as(refused.out() + refused.err()).isEqualTo(78);
        assertThat(refused.err()).startsWith("mailferry: reload refused: " + config + ":3: ")
                .contains("; still running on the previous configuration").doesNotContain("Exception");
        hangup(daemon);
        awaitLog(2, "reload refused");
        assertThat(logLines("reload refused")).allSatisfy(l -> assertThat(l).contains(config
                + ":3: relay.concurrency must be a whole number, not 'many'; still running on the previous configuration"));
        assertThat(Submitter.send(relay, "app@client.test", List.of("user@dest.test"),
                "Subject: reload-100001\r\n\r\nafter the refused reload\r\n").code()).isEqualTo(250);
        assertThat(a.awaitMessages(before + 2, 20_000)).hasSize(before + 2);
        String log = Files.readString(dir.resolve("daemon.log"));
        assertThat(log).doesNotContain("Exception");
        daemon.destroy();
        assertThat(daemon.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }

    private Process start(Path config) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), Mailferry.class.getName(), "serve", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("daemon.log").toFile()).start();
        closer.add(p::destroyForcibly);
        return p;
    }

    private static void hangup(Process daemon) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(daemon.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    private List<String> logLines(String containing) throws IOException {
        return Files.readAllLines(dir.resolve("daemon.log")).stream().filter(l -> l.contains(containing)).toList();
    }

    private void awaitLog(int lines, String containing) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (logLines(containing).size() < lines && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertThat(logLines(containing)).hasSize(lines);
    }

    private static void awaitAcked(Set<Integer> acked, int n) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (acked.size() < n && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertThat(acked.size()).as("messages acknowledged").isGreaterThanOrEqualTo(n);
    }

    /** How many copies of each numbered message the sink holds. */
    private static Map<Integer, Integer> tokens(SmtpSink sink) throws IOException {
        Map<Integer, Integer> copies = new HashMap<>();
        for (String m : sink.messages()) {
            Matcher t = TOKEN.matcher(m);
            if (t.find()) {
                copies.merge(Integer.parseInt(t.group(1)), 1, Integer::sum);
            }
        }
        return copies;
    }

    /** Submits numbered messages until stopped; records the ones that got a 250. */
    private static void load(InetSocketAddress relay, AtomicInteger next, Set<Integer> acked, AtomicBoolean stop) {
        while (!stop.get()) {
            int n = next.getAndIncrement();
            try {
                Reply r = Submitter.send(relay, "load@client.test", List.of("rcpt" + (n % 7) + "@dest.test"),
                        "Subject: reload-" + n + "\r\n\r\nbody line\r\n");
                if (r.code() == 250) {
                    acked.add(n);
                }
            } catch (IOException e) {
                throw new AssertionError("message " + n + ": " + e, e);
            }
        }
    }

    private record Run(int code, String out, String err) {
    }

    private static Run cli(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Mailferry.run(List.of(argv), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
