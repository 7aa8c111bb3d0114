package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.smtp.Reply;
import org.mailferry.testing.ClusterNodes;
import org.mailferry.testing.PgCluster;
import org.mailferry.testing.Submitter;
import org.mailferry.testing.TaggedSink;
import org.mailferry.testing.Tools;

/**
 * A rate limit for the cluster: three Mailferry processes share one queue and one
 * relay.message_rate in a throwaway PostgreSQL 15; loaded all at once, together they send no more
 * than the limit in any window of its period, measured where the messages arrive (the sink's clock,
 * when each message's data begins), and every message arrives.
 */
class ClusterRateTest {
    private static PgCluster pg;

    @TempDir
    Path dir;

    @BeforeAll
    static void cluster() throws Exception {
        pg = PgCluster.shared();
    }

    /** The issue's own figure, in real time: 60 a minute, 70 messages (about 71 s). */
    @Test
    void threeNodesSendAtMost60AMinuteTogether() throws Exception {
        run(60, Duration.ofMinutes(1), 70, "cluster-rate-60m.txt");
    }

    /** The same path on a shorter window: 10 per 5 s, 40 messages (about 20 s). */
    @Test
    void threeNodesSendAtMost10In5SecondsTogether() throws Exception {
        run(10, Duration.ofSeconds(5), 40, "cluster-rate-10-5s.txt");
    }

    private void run(int limit, Duration period, int messages, String figuresFile) throws Exception {
        ClusterNodes cluster = new ClusterNodes(dir, pg);
        String rate = limit + "/" + (period.toSeconds() % 60 == 0 ? period.toMinutes() + "m" : period.toSeconds() + "s");
        try (TaggedSink sink = new TaggedSink(0)) {
            String url = pg.newDatabase();
            List<InetSocketAddress> nodes = new ArrayList<>();
            Process[] procs = new Process[3];
            try {
                for (int i = 0; i < 3; i++) {
                    int port = Tools.freePort();
                    nodes.add(new InetSocketAddress("127.0.0.1", port));
                    procs[i] = cluster.start(cluster.config(i, port, url, sink.port(), 4,
                            "message_rate = \"" + rate + "\""), "rate-node" + i + ".log");
                }
                for (int i = 0; i < 3; i++) {
                    ClusterNodes.awaitListener(nodes.get(i), procs[i], cluster.logs().resolve("rate-node" + i + ".log"));
                }
                // all at once, spread over the three nodes, from three clients
                AtomicInteger next = new AtomicInteger();
                List<String> refused = java.util.Collections.synchronizedList(new ArrayList<>());
                List<Thread> loaders = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    loaders.add(Thread.ofPlatform().start(() -> {
                        for (int n = next.getAndIncrement(); n < messages; n = next.getAndIncrement()) {
                            try {
                                Reply r = Submitter.send(nodes.get(n % 3), "app@client.test",
                                        List.of("u" + n + "@dest.test"), "Subject: tag-" + n + "\r\n\r\nrate\r\n");
                                if (r.code() != 250) {
                                    refused.add(r.oneLine());
                                }
                            } catch (Exception e) {
                                refused.add(e.toString());
                            }
                        }
                    }));
                }
                for (Thread t : loaders) {
                    t.join(60_000);
                }
                assertThat(refused).isEmpty();
                long budget = period.toMillis() * messages / limit * 2 + 30_000;
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budget);
                while (sink.copies().size() < messages && System.nanoTime() < end) {
                    Thread.sleep(200);
                }
                List<TaggedSink.Arrival> arrivals = sink.arrivals();
                List<Long> times = arrivals.stream().map(TaggedSink.Arrival::millis).sorted().toList();
                int most = 0;
                for (int i = 0, j = 0; i < times.size(); i++) { // the window [times[i], times[i] + period)
                    while (j < times.size() && times.get(j) < times.get(i) + period.toMillis()) {
                        j++;
                    }
                    most = Math.max(most, j - i);
                }
                Map<String, Integer> byNode = new TreeMap<>();
                arrivals.forEach(a -> byNode.merge(a.helo(), 1, Integer::sum));
                double seconds = (times.get(times.size() - 1) - times.get(0)) / 1000.0;
                double perPeriod = (times.size() - 1) / seconds * period.toMillis() / 1000.0;
                String figures = String.format("cluster rate %s, 3 nodes: %d messages arrived in %.1f s, most in one "
                        + "window of %d s: %d, mean %.2f per period, by node %s", rate, times.size(), seconds,
                        period.toSeconds(), most, perPeriod, byNode);
                System.out.println(figures);
                long t0 = times.get(0);
                Files.writeString(Path.of("target", figuresFile.replace(".txt", "-arrivals.txt")), String.join("\n",
                        arrivals.stream().map(a -> (a.millis() - t0) + " " + a.tag() + " " + a.helo()).toList()) + "\n");
                Files.writeString(Path.of("target", figuresFile), figures + "\n");
                assertThat(sink.copies()).as("every message arrived, once").hasSize(messages)
                        .allSatisfy((tag, n) -> assertThat(n).isEqualTo(1));
                assertThat(most).as("most messages in any window of the period, at the sink").isLessThanOrEqualTo(limit);
                assertThat(perPeriod).as("the limit is used, not just respected").isGreaterThan(limit * 0.9);
                assertThat(byNode).as("every node sent some").hasSize(3);
            } finally {
                for (Process p : procs) {
                    if (p != null) {
                        p.destroyForcibly();
                    }
                }
            }
        }
    }
}
