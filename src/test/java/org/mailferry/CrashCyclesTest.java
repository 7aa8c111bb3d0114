package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.smtp.Reply;
import org.mailferry.testing.Submitter;
import org.mailferry.testing.TestSmarthost;

/**
 * Crash safety: the real daemon ({@code Mailferry serve} in a child JVM) takes messages from
 * several clients while it delivers to the smarthost, and is killed with SIGKILL at random
 * moments, then restarted. At the end every message that got a 250 has arrived at least once;
 * duplicates (in flight to the smarthost at the kill) are counted and reported.
 * MAILFERRY_CRASH_CYCLES sets the number of cycles (default 5; test-scripts/crash-cycles.sh: 20);
 * MAILFERRY_JAR runs the packaged jar instead of the test class path.
 */
class CrashCyclesTest {
    private static final Pattern TOKEN = Pattern.compile("Subject: crash-(\\d+)");

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedMessageSurvivesKillNine() throws Exception {
        int cycles = Integer.parseInt(System.getenv().getOrDefault("MAILFERRY_CRASH_CYCLES", "5"));
        long seed = Long.parseLong(System.getenv().getOrDefault("MAILFERRY_CRASH_SEED", "20261125"));
        Random rnd = new Random(seed);
        Set<Integer> acked = ConcurrentHashMap.newKeySet();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        InetSocketAddress relay = new InetSocketAddress("127.0.0.1", port);
        try (TestSmarthost smarthost = new TestSmarthost()) {
            Path config = dir.resolve("mailferry.toml");
            Files.writeString(config, """
                    [smtpd]
                    listen = "127.0.0.1:%d"
                    hostname = "relay.test"
                    [queue]
                    spool = "%s"
                    retry_min = "1s"
                    retry_max = "2s"
                    [relay]
                    smarthost = "[127.0.0.1]:%d"
                    command_timeout = "5s"
                    [admin]
                    listen = "off"
                    """.formatted(port, dir.resolve("spool"), smarthost.port()));
            int[] next = {0};
            int kills = 0;
            for (int cycle = 0; cycle < cycles; cycle++) {
                Process daemon = start(config, cycle);
                waitForListener(relay);
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> clients = new ArrayList<>();
                for (int c = 0; c < 3; c++) {
                    clients.add(Thread.ofVirtual().start(() -> load(relay, next, acked, stop)));
                }
                Thread.sleep(300 + rnd.nextInt(2000));
                daemon.destroyForcibly(); // SIGKILL
                daemon.waitFor(10, TimeUnit.SECONDS);
                kills++;
                stop.set(true);
                for (Thread t : clients) {
                    t.join(10_000);
                }
            }
            Process last = start(config, cycles);
            Map<Integer, Integer> copies = new HashMap<>();
            try {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                int seen = 0;
                while (System.nanoTime() < end && !copies.keySet().containsAll(acked)) {
                    List<TestSmarthost.Received> all = smarthost.all();
                    for (; seen < all.size(); seen++) {
                        Matcher m = TOKEN.matcher(all.get(seen).text());
                        if (m.find()) {
                            copies.merge(Integer.parseInt(m.group(1)), 1, Integer::sum);
                        }
                    }
                    Thread.sleep(50);
                }
            } finally {
                last.destroyForcibly();
                last.waitFor(10, TimeUnit.SECONDS);
            }
            Set<Integer> lost = new HashSet<>(acked);
            lost.removeAll(copies.keySet());
            long duplicated = copies.values().stream().filter(n -> n > 1).count();
            long extraCopies = copies.values().stream().mapToInt(n -> n - 1).sum();
            long unackedDelivered = copies.keySet().stream().filter(k -> !acked.contains(k)).count();
            String figures = "crash cycles: " + kills + " kill -9, attempted " + next[0] + ", acked " + acked.size()
                    + ", delivered " + copies.size() + " (of them acked " + (copies.size() - unackedDelivered)
                    + ", not acked " + unackedDelivered + "), duplicated " + duplicated + " (" + extraCopies
                    + " extra copies), lost " + lost.size() + ", seed " + seed;
            System.out.println(figures);
            Files.writeString(Path.of("target", "crash-cycles.txt"), figures + "\n");
            assertThat(acked).as("the load produced acknowledged messages").isNotEmpty();
            assertThat(lost).as("acknowledged but never delivered").isEmpty();
        }
    }

    private Process start(Path config, int cycle) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String jar = System.getenv("MAILFERRY_JAR");
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        if (jar != null) {
            cmd.addAll(List.of("-jar", jar));
        } else {
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Mailferry.class.getName()));
        }
        cmd.addAll(List.of("serve", "--config", config.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("daemon-" + cycle + ".log").toFile()).start();
    }

    private static void waitForListener(InetSocketAddress relay) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            try (Socket s = new Socket()) {
                s.connect(relay, 500);
                return;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        throw new AssertionError("the daemon did not start listening on " + relay);
    }

    /** Submits messages until stopped; records the ones that got a 250. */
    private static void load(InetSocketAddress relay, int[] next, Set<Integer> acked, AtomicBoolean stop) {
        while (!stop.get()) {
            int n;
            synchronized (next) {
                n = next[0]++;
            }
            try {
                Reply r = Submitter.send(relay, "load@client.test", List.of("rcpt" + (n % 7) + "@dest.test"),
                        "Subject: crash-" + n + "\r\n\r\n" + "body line\r\n".repeat(1 + n % 50));
                if (r.code() == 250) {
                    acked.add(n);
                }
            } catch (IOException | AssertionError e) {
                // the daemon died under us: this one is not acknowledged
            }
        }
    }
}
