package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.delivery.RunnerHooks;
import org.mailferry.smtp.Reply;
import org.mailferry.testing.FaultyDisk;
import org.mailferry.testing.LogCapture;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.Submitter;
import org.mailferry.testing.TestSmarthost;

/**
 * The acceptance tests of "the disk lies or fails" (issue 13): the real relay, real SMTP clients
 * on loopback, the spool on a {@link FaultyDisk}. Figures go to target/disk-faults.txt.
 */
@Timeout(120)
class DiskFaultTest {
    private static final Pattern TOKEN = Pattern.compile("Subject: disk-(\\d+)");

    @TempDir
    Path dir;

    /** One submission: when it began and ended (nanoTime) and the final reply's code (0: no reply). */
    record Sent(int n, long startNanos, long endNanos, int code, String id) {
    }

    /** Clients that submit messages until stopped, recording every outcome. */
    static final class Load {
        final Map<Integer, Sent> sent = new ConcurrentHashMap<>();
        private final AtomicInteger next;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> clients = new ArrayList<>();

        Load(AtomicInteger next) {
            this.next = next;
        }

        Load start(InetSocketAddress relay, int clientCount, int bigEvery) {
            for (int c = 0; c < clientCount; c++) {
                clients.add(Thread.ofVirtual().start(() -> {
                    while (!stop.get()) {
                        int n = next.getAndIncrement();
                        String body = (n % bigEvery == bigEvery - 1 ? "x".repeat(998) + "\r\n" : "line\r\n")
                                .repeat(1 + n % 40);
                        long t0 = System.nanoTime();
                        int code = 0;
                        String id = null;
                        try {
                            Reply r = Submitter.send(relay, "load@client.test", List.of("r" + n % 5 + "@dest.test"),
                                    "Subject: disk-" + n + "\r\n\r\n" + body);
                            code = r.code();
                            id = code == 250 ? Submitter.queueId(r) : null;
                        } catch (IOException | AssertionError e) {
                            // no final reply (the relay stopped, or refused before DATA)
                        }
                        sent.put(n, new Sent(n, t0, System.nanoTime(), code, id));
                    }
                }));
            }
            return this;
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : clients) {
                t.join(20_000);
            }
        }

        Set<Integer> with(java.util.function.IntPredicate code) {
            Set<Integer> out = new HashSet<>();
            sent.values().stream().filter(s -> code.test(s.code())).forEach(s -> out.add(s.n()));
            return out;
        }
    }

    /**
     * Delivers the spool to a real smarthost until {@code expected} all arrived and nothing more
     * comes (deferred messages made due); returns what arrived.
     */
    private static Set<Integer> deliverAll(Path spool, Set<Integer> expected) throws Exception {
        Set<Integer> arrived = new HashSet<>();
        try (TestSmarthost smarthost = new TestSmarthost();
             RelayFixture relay = new RelayFixture(spool).smarthost(smarthost.port()).set("relay.concurrency", "8")
                     .start()) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            long quiet = 0;
            while (System.nanoTime() < end) {
                TestSmarthost.Received r = smarthost.take(200, TimeUnit.MILLISECONDS);
                if (r == null) {
                    // messages deferred before the restart: due now
                    RunnerHooks.flush(relay.relay().runner());
                    if (arrived.containsAll(expected) && ++quiet >= 3) {
                        break; // everything owed arrived, and nothing more comes
                    }
                    continue;
                }
                quiet = 0;
                Matcher m = TOKEN.matcher(r.text());
                if (m.find()) {
                    arrived.add(Integer.parseInt(m.group(1)));
                }
            }
        }
        return arrived;
    }

    /**
     * With MAILFERRY_POWER_CUT_KEEP set, copies the spool as the power cut left it to that
     * directory (one copy per cycle), so that a lost message's journal can be read afterwards.
     */
    private static void keep(Path spool, String name) throws IOException {
        String to = System.getenv("MAILFERRY_POWER_CUT_KEEP");
        if (to == null || !Files.isDirectory(spool)) {
            return;
        }
        Path target = Path.of(to, name);
        try (Stream<Path> all = Files.walk(spool)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path q = target.resolve(spool.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else if (Files.isRegularFile(p)) {
                    Files.copy(p, q, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void figures(String line) throws IOException {
        System.out.println(line);
        Files.writeString(Path.of("target", "disk-faults.txt"), line + "\n", java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    private static long count(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.count();
        }
    }

    @Test
    void fsyncFailsForAWindowUnderLoad() throws Exception {
        Path spool = dir.resolve("spool");
        FaultyDisk disk = new FaultyDisk(spool);
        Load load = new Load(new AtomicInteger());
        long windowStart;
        long windowEnd;
        long syncFailureLines;
        long refusalLines;
        // a smarthost that accepts TCP and never answers: messages wait in the journal meanwhile
        try (ServerSocket blackHole = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             LogCapture spoolLog = new LogCapture("mailferry.spool");
             LogCapture smtpdLog = new LogCapture("mailferry.smtpd");
             RelayFixture relay = new RelayFixture(spool).smarthost(blackHole.getLocalPort())
                     .set("relay.command_timeout", "60s").set("queue.journal_limit", "16KiB").disk(disk).start()) {
            List<Socket> held = new ArrayList<>();
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        held.add(blackHole.accept());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            load.start(relay.address(), 6, 25);
            Thread.sleep(1000);
            disk.failSyncs(true).failDirectorySyncs(true); // fdatasync and directory fsync: EIO, pages dropped
            windowStart = System.nanoTime();
            Thread.sleep(1500);
            windowEnd = System.nanoTime();
            disk.failSyncs(false).failDirectorySyncs(false);
            Thread.sleep(1500);
            load.stop();
            blackHole.close();
            acceptor.join(5000);
            for (Socket s : held) {
                s.close(); // the attempts waiting for a greeting end
            }
            relay.stop();
            syncFailureLines = spoolLog.lines().stream().filter(l -> l.contains("sync failed")).count();
            refusalLines = smtpdLog.lines().stream().filter(l -> l.contains("spool commit failed")).count();
            figures("fsync window: journal segments after the window " + count(spool.resolve("journal"))
                    + ", failed syncs " + disk.failedSyncs.get() + ", failed directory syncs "
                    + disk.failedDirectorySyncs.get() + ", sync failure log lines " + syncFailureLines);
        }
        Set<Integer> acked = load.with(c -> c == 250);
        Set<Integer> refused = load.with(c -> c >= 400 && c < 500);
        Set<Integer> inWindow = new HashSet<>();
        load.sent.values().stream().filter(s -> s.startNanos() >= windowStart && s.endNanos() <= windowEnd)
                .forEach(s -> inWindow.add(s.n()));

        Set<Integer> arrived;
        List<String> recovery;
        try (LogCapture log = new LogCapture("mailferry.spool")) {
            arrived = deliverAll(spool, acked);
            recovery = log.lines().stream().filter(l -> l.contains("ignored") || l.contains("skipped")).toList();
        }
        figures("fsync window, the restart's journal read: " + recovery.stream()
                .map(l -> l.replaceAll("^.*/journal/", "")).toList());
        Set<Integer> lost = new HashSet<>(acked);
        lost.removeAll(arrived);
        Set<Integer> refusedDelivered = new HashSet<>(refused);
        refusedDelivered.retainAll(arrived);
        refusedDelivered.forEach(n -> System.out.println("refused but delivered: " + load.sent.get(n)));
        figures("fsync window of 1.5 s under load (6 clients): submitted " + load.sent.size() + ", acked " + acked.size()
                + ", refused 4xx " + refused.size() + ", wholly inside the window " + inWindow.size()
                + ", acked but lost after restart " + lost.size() + ", refused but delivered " + refusedDelivered.size());
        assertThat(acked).as("load before and after the window").hasSizeGreaterThan(20);
        assertThat(inWindow).as("messages inside the window").isNotEmpty();
        assertThat(refused).as("every message inside the window got a 4xx").containsAll(inWindow);
        assertThat(lost).as("acknowledged but missing after restart").isEmpty();
        assertThat(refusedDelivered).as("refused with 4xx, yet delivered later").isEmpty();
        assertThat(refusalLines).as("each refusal logged once").isEqualTo(refused.size());
        assertThat(syncFailureLines).as("a failed segment is logged once").isPositive()
                .isLessThanOrEqualTo(disk.failedSyncs.get());
    }

    @Test
    void powerCutsUnderLoadLoseNoAcknowledgedMessage() throws Exception {
        int cycles = Integer.parseInt(System.getenv().getOrDefault("MAILFERRY_POWER_CUTS", "4"));
        Random rnd = new Random(20261204);
        Path spool = dir.resolve("spool");
        AtomicInteger next = new AtomicInteger();
        Set<Integer> acked = new HashSet<>();
        Set<Integer> deliveredBefore = ConcurrentHashMap.newKeySet();
        Map<Integer, Sent> ids = new ConcurrentHashMap<>();
        Map<Integer, Integer> ackedIn = new ConcurrentHashMap<>();
        try (TestSmarthost smarthost = new TestSmarthost()) {
            for (int cycle = 0; cycle < cycles; cycle++) {
                FaultyDisk disk = new FaultyDisk(spool);
                smarthost.refuseRecipient("r1@dest.test", 450, "4.2.0 mailbox busy"); // these wait in queue files
                Load load = new Load(next);
                try (RelayFixture relay = new RelayFixture(spool).smarthost(smarthost.port())
                        .set("queue.retry_min", "1s").set("queue.retry_max", "2s").set("queue.journal_limit", "16KiB")
                        .disk(disk).start()) {
                    load.start(relay.address(), 3, 10);
                    if (cycle % 2 == 1) { // first a window of failing syncs, as a failing disk has
                        Thread.sleep(300);
                        disk.failSyncs(true);
                        Thread.sleep(300);
                        disk.failSyncs(false);
                    }
                    Thread.sleep(300 + rnd.nextInt(900));
                    disk.cut(); // the power fails: nothing more reaches the disk
                    load.stop();
                    relay.stop();
                }
                disk.restore(); // what the disk held: unforced bytes and unsynced names gone
                keep(spool, "cycle-" + cycle);
                int cycleNo = cycle;
                load.with(c -> c == 250).forEach(n -> ackedIn.put(n, cycleNo));
                acked.addAll(load.with(c -> c == 250));
                ids.putAll(load.sent);
                for (TestSmarthost.Received r : smarthost.all()) {
                    Matcher m = TOKEN.matcher(r.text());
                    if (m.find()) {
                        deliveredBefore.add(Integer.parseInt(m.group(1)));
                    }
                }
            }
        }
        Set<Integer> owed = new HashSet<>(acked);
        owed.removeAll(deliveredBefore);
        Set<Integer> arrived = deliverAll(spool, owed);
        arrived.addAll(deliveredBefore);
        Set<Integer> lost = new HashSet<>(acked);
        lost.removeAll(arrived);
        lost.forEach(n -> System.out.println("lost: " + ids.get(n) + " acknowledged in cycle " + ackedIn.get(n)));
        figures("power cuts: " + cycles + " cuts under load (3 clients; a 0.3 s sync failure window before every"
                + " second cut), submitted " + next.get() + ", acked "
                + acked.size() + ", delivered before a cut " + deliveredBefore.size() + ", acked but lost " + lost.size());
        assertThat(acked).as("the load produced acknowledged messages").hasSizeGreaterThan(20);
        assertThat(lost).as("acknowledged but never delivered").isEmpty();
    }

    @Test
    void aWriteFailureDuringDataIsAnswered451AndLogged() throws Exception {
        Path spool = dir.resolve("spool");
        FaultyDisk disk = new FaultyDisk(spool);
        try (LogCapture log = new LogCapture("mailferry.smtpd");
             RelayFixture relay = new RelayFixture(spool).set("queue.journal_limit", "16KiB").disk(disk).start()) {
            disk.failWrites(true); // a large message goes to a file while it is received
            Reply r = Submitter.send(relay.address(), "a@client.test", List.of("x@dest.test"),
                    "Subject: big\r\n\r\n" + ("y".repeat(78) + "\r\n").repeat(2000));
            assertThat(r.oneLine()).startsWith("451 4.3.0");
            assertThat(log.lines()).filteredOn(l -> l.contains("spool write failed during DATA")).hasSize(1)
                    .allMatch(l -> l.contains("Input/output error"));
            disk.failWrites(false);
            assertThat(Submitter.send(relay.address(), "a@client.test", List.of("x@dest.test"),
                    "Subject: big\r\n\r\n" + ("y".repeat(78) + "\r\n").repeat(2000)).code()).isEqualTo(250);
        }
    }

    @Test
    void aFailedQueueRecoveryStopsTheRelay() throws Exception {
        Path spool = dir.resolve("spool");
        // an envelope the recovery cannot read (a directory where a file should be)
        Files.createDirectories(spool.resolve("queue").resolve("2NZN0WDFTYAB.env"));
        try (LogCapture log = new LogCapture("mailferry.qmgr");
             RelayFixture relay = new RelayFixture(spool).start()) {
            InetSocketAddress address = relay.address();
            assertThat(relay.relay().stopped().get(10, TimeUnit.SECONDS)).isEqualTo(Mailferry.EX_IOERR);
            assertThat(log.lines()).anyMatch(l -> l.startsWith("queue recovery failed: ") && l.contains("stopping"));
            try (Socket s = new Socket()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.connect(address, 1000))
                        .as("no half-started relay: the listener is closed").isInstanceOf(IOException.class);
            }
        }
    }
}
