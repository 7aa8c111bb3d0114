package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.smtp.Reply;
import org.mailferry.testing.ClusterNodes;
import org.mailferry.testing.NativeSendmail;
import org.mailferry.testing.PgCluster;
import org.mailferry.testing.Submitter;
import org.mailferry.testing.TaggedSink;
import org.mailferry.testing.Tools;

/**
 * Three Mailferry nodes (separate processes, each its own SMTP listener and spool directory) on
 * loopback sharing one queue in a throwaway PostgreSQL 15; a node is killed with SIGKILL under load
 * and started again; PostgreSQL itself is stopped under load for 10 s.
 */
class ClusterTest {
    private static final int CONCURRENCY = 4;
    private static PgCluster pg;

    @TempDir
    Path dir;

    @BeforeAll
    static void cluster() throws Exception {
        pg = PgCluster.shared();
    }

    private Path config(int node, int port, String url, int sinkPort) throws IOException {
        return nodes().config(node, port, url, sinkPort, CONCURRENCY, "");
    }

    private ClusterNodes nodes() {
        return new ClusterNodes(dir, pg);
    }

    private Process start(Path config, String log) throws IOException {
        return nodes().start(config, log);
    }

    private Path logs() throws IOException {
        return nodes().logs();
    }

    private static void awaitListener(InetSocketAddress a, Process p, Path log) throws Exception {
        ClusterNodes.awaitListener(a, p, log);
    }

    /** Sends "Subject: tag-N" messages round-robin to the nodes until stopped; records the acknowledged tags. */
    private static Thread loader(List<InetSocketAddress> nodes, AtomicInteger next, Set<String> acked,
                                 Map<Integer, String> refusals, AtomicBoolean stop) {
        return Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                int n = next.getAndIncrement();
                try {
                    Reply r = Submitter.send(nodes.get(n % nodes.size()), "app@client.test", List.of("u" + n + "@dest.test"),
                            "Subject: tag-" + n + "\r\n\r\n" + "x".repeat(60) + "\r\n");
                    if (r.code() == 250) {
                        acked.add("tag-" + n);
                    } else {
                        refusals.put(n, r.oneLine());
                    }
                } catch (IOException | AssertionError e) {
                    refusals.put(n, "no reply: " + e.getMessage()); // the node died under us: not acknowledged
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        });
    }

    private static void awaitDelivered(TaggedSink sink, Set<String> acked, long seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end && !sink.copies().keySet().containsAll(acked)) {
            Thread.sleep(100);
        }
    }

    @Test
    void threeNodesOneKilledMidLoadEveryAcknowledgedMessageDeliveredAndNeverByTwoNodesAtOnce() throws Exception {
        try (TaggedSink sink = new TaggedSink(20)) {
            String url = pg.newDatabase();
            List<InetSocketAddress> nodes = new ArrayList<>();
            List<Path> configs = new ArrayList<>();
            Process[] procs = new Process[3];
            for (int i = 0; i < 3; i++) {
                int port = Tools.freePort();
                nodes.add(new InetSocketAddress("127.0.0.1", port));
                configs.add(config(i, port, url, sink.port()));
                procs[i] = start(configs.get(i), "node" + i + ".log");
            }
            try {
                for (int i = 0; i < 3; i++) {
                    awaitListener(nodes.get(i), procs[i], logs().resolve("node" + i + ".log"));
                }
                Set<String> acked = ConcurrentHashMap.newKeySet();
                Map<Integer, String> refusals = new ConcurrentHashMap<>();
                AtomicInteger next = new AtomicInteger();
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> loaders = new ArrayList<>();
                for (int t = 0; t < 6; t++) {
                    loaders.add(loader(nodes, next, acked, refusals, stop));
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (acked.size() < 150 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                procs[1].destroyForcibly(); // SIGKILL: no shutdown of any kind, its leases stay in the database
                procs[1].waitFor(10, TimeUnit.SECONDS);
                int ackedAtKill = acked.size();
                while (acked.size() < ackedAtKill + 150 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                procs[1] = start(configs.get(1), "node1-restarted.log");
                awaitListener(nodes.get(1), procs[1], logs().resolve("node1-restarted.log"));
                int ackedAtRestart = acked.size();
                while (acked.size() < ackedAtRestart + 150 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                stop.set(true);
                for (Thread t : loaders) {
                    t.join(30_000);
                }
                awaitDelivered(sink, acked, 60);

                Map<String, Integer> copies = sink.copies();
                List<String> lost = acked.stream().filter(t -> !copies.containsKey(t)).sorted().toList();
                long duplicated = copies.values().stream().filter(c -> c > 1).count();
                String figures = "cluster kill: submitted " + next.get() + ", acknowledged " + acked.size()
                        + " (at the kill " + ackedAtKill + ", at the restart " + ackedAtRestart + "), delivered "
                        + copies.size() + ", duplicated " + duplicated + ", delivered by two nodes at once "
                        + sink.overlapping().size() + ", lost " + lost.size();
                System.out.println(figures);
                Files.writeString(Path.of("target", "cluster-kill.txt"), figures + "\n");
                assertThat(acked).as("acknowledged after the restart too").hasSizeGreaterThan(ackedAtRestart);
                assertThat(lost).as("acknowledged but never delivered").isEmpty();
                assertThat(sink.overlapping()).as("delivered by two nodes at once").isEmpty();
                // a duplicate can only be an attempt the killed node had in flight (sent, not yet recorded)
                assertThat(duplicated).as("duplicates").isLessThanOrEqualTo(CONCURRENCY);
                assertThat(refusals.values()).as("replies other than 250 came only from the killed node")
                        .allSatisfy(r -> assertThat(r).startsWith("no reply"));
            } finally {
                for (Process p : procs) {
                    if (p != null) {
                        p.destroyForcibly();
                    }
                }
            }
        }
    }

    @Test
    void postgresqlStoppedUnderLoadFor10sRefusesWith451AndTheNodeRecoversWithoutARestart() throws Exception {
        try (TaggedSink sink = new TaggedSink(0)) {
            String url = pg.newDatabase();
            int port = Tools.freePort();
            InetSocketAddress node = new InetSocketAddress("127.0.0.1", port);
            Process p = start(config(0, port, url, sink.port()), "node.log");
            try {
                awaitListener(node, p, logs().resolve("node.log"));
                Set<String> acked = ConcurrentHashMap.newKeySet();
                Map<Integer, String> refusals = new ConcurrentHashMap<>();
                AtomicInteger next = new AtomicInteger();
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> loaders = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    loaders.add(loader(List.of(node), next, acked, refusals, stop));
                }
                Thread.sleep(2000);
                int ackedBefore = acked.size();
                pg.stop();
                long stoppedAt = System.nanoTime();
                Thread.sleep(10_000);
                int ackedDuring = acked.size() - ackedBefore;
                pg.startServer();
                long downMillis = (System.nanoTime() - stoppedAt) / 1_000_000;
                int ackedAtStart = acked.size();
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (acked.size() < ackedAtStart + 50 && System.nanoTime() < end) {
                    Thread.sleep(20);
                }
                stop.set(true);
                for (Thread t : loaders) {
                    t.join(30_000);
                }
                awaitDelivered(sink, acked, 60);
                List<String> lost = acked.stream().filter(t -> !sink.copies().containsKey(t)).toList();
                String figures = "postgresql down " + downMillis + " ms: acknowledged " + acked.size() + " (before "
                        + ackedBefore + ", while down " + ackedDuring + ", after " + (acked.size() - ackedAtStart)
                        + "), refused " + refusals.size() + ", lost " + lost.size() + "; refusals: "
                        + Set.copyOf(refusals.values());
                System.out.println(figures);
                Files.writeString(Path.of("target", "cluster-pg-down.txt"), figures + "\n");
                assertThat(ackedBefore).isPositive();
                assertThat(acked.size()).as("acknowledged again after PostgreSQL came back, same process")
                        .isGreaterThanOrEqualTo(ackedAtStart + 50);
                assertThat(p.isAlive()).isTrue();
                assertThat(refusals).as("refused while PostgreSQL was down").isNotEmpty();
                assertThat(refusals.values()).allSatisfy(r -> assertThat(r).startsWith("451 4.3.0"));
                assertThat(lost).as("acknowledged but never delivered").isEmpty();
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void sendmailWhilePostgresqlIsDownGoesToTheMaildropAndIsQueuedWhenItIsBack() throws Exception {
        try (TaggedSink sink = new TaggedSink(0)) {
            String url = pg.newDatabase();
            int port = Tools.freePort();
            Path config = config(0, port, url, sink.port());
            Process p = start(config, "sendmail-node.log");
            try {
                awaitListener(new InetSocketAddress("127.0.0.1", port), p, logs().resolve("sendmail-node.log"));
                pg.stop();
                NativeSendmail.Result r;
                try {
                    r = NativeSendmail.javaCommand().run("Subject: tag-7001\n\nwhile the database is down\n",
                            "-C", config.toString(), "-oi", "u@dest.test");
                    assertThat(r.code()).as("exit code; stderr: %s", r.err()).isZero();
                    try (var drops = Files.list(dir.resolve("spool0").resolve("maildrop"))) {
                        assertThat(drops.filter(f -> !f.getFileName().toString().startsWith(".")).count())
                                .as("kept in the local maildrop").isEqualTo(1);
                    }
                } finally {
                    pg.startServer();
                }
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!sink.copies().containsKey("tag-7001") && System.nanoTime() < end) {
                    Thread.sleep(100);
                }
                assertThat(sink.copies()).as("delivered once PostgreSQL answered again, same node process")
                        .containsEntry("tag-7001", 1);
                assertThat(p.isAlive()).isTrue();
            } finally {
                p.destroyForcibly();
            }
        }
    }
}
