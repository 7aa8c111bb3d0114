package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.ClusterNodes;
import org.mailferry.testing.PgCluster;
import org.mailferry.testing.Submitter;
import org.mailferry.testing.Tools;

/**
 * The whole cluster from any node's config with every daemon stopped: two nodes accept messages
 * their smarthost refuses (so they stay queued), both are killed; {@code mailferry queue}, {@code
 * status} and {@code queue delete} with the first node's config answer for the second node's
 * messages too, from the database, and the deletion's webhooks go to the shared outbox.
 */
class ClusterQueueCommandTest {
    private static PgCluster pg;

    @TempDir
    Path dir;

    @BeforeAll
    static void cluster() throws Exception {
        pg = PgCluster.shared();
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Mailferry.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anyNodesConfigShowsAndChangesEveryNodesMessagesWithEveryDaemonStopped() throws Exception {
        ClusterNodes cluster = new ClusterNodes(dir, pg);
        String url = pg.newDatabase();
        int refusing = Tools.freePort(); // nothing listens: every attempt is deferred
        String extra = "message_rate = \"30/1m\"\n[webhook]\nurl = [\"http://127.0.0.1:" + Tools.freePort() + "/hook\"]";
        List<Path> configs = new ArrayList<>();
        Process[] procs = new Process[2];
        try {
            List<InetSocketAddress> nodes = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                int port = Tools.freePort();
                nodes.add(new InetSocketAddress("127.0.0.1", port));
                configs.add(cluster.config(i, port, url, refusing, 2, extra));
                procs[i] = cluster.start(configs.get(i), "queue-node" + i + ".log");
            }
            for (int i = 0; i < 2; i++) {
                ClusterNodes.awaitListener(nodes.get(i), procs[i], cluster.logs().resolve("queue-node" + i + ".log"));
                for (int m = 0; m < 2; m++) {
                    assertThat(Submitter.send(nodes.get(i), "app@client.test", List.of("u" + i + m + "@dest.test"),
                            "Subject: tag-" + i + m + "\r\n\r\nstays queued\r\n").code()).isEqualTo(250);
                }
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (pg.column(url, "SELECT event_id FROM webhook_outbox WHERE event = 'deferred'").size() < 4
                    && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            for (Process p : procs) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            List<String> ids = pg.column(url, "SELECT id FROM message ORDER BY id");
            assertThat(ids).hasSize(4);

            Run list = run("queue", "--config", configs.get(0).toString());
            assertThat(list.code()).as(list.err()).isZero();
            assertThat(list.out()).contains(ids.toArray(String[]::new)).contains("u10@dest.test", "u11@dest.test")
                    .contains("-- cluster (PostgreSQL): every node's messages are listed above", "   queued 4, held 0",
                            "   route default: ", "   webhooks waiting: ");
            System.out.println(list.out());

            String fromNode1 = pg.column(url, "SELECT id FROM message WHERE envelope::text LIKE '%u10@dest.test%' "
                    + "OR convert_from(envelope, 'UTF8') LIKE '%u10@dest.test%'").get(0);
            Run status = run("status", "--config", configs.get(0).toString(), fromNode1);
            assertThat(status.code()).as(status.err()).isZero();
            assertThat(status.out()).contains(fromNode1).contains("u10@dest.test");

            Run delete = run("queue", "--config", configs.get(0).toString(), "delete", fromNode1);
            assertThat(delete.code()).as(delete.err()).isZero();
            assertThat(pg.column(url, "SELECT id FROM message WHERE finished_ms IS NULL")).hasSize(3).doesNotContain(fromNode1);
            assertThat(pg.column(url, "SELECT event FROM webhook_outbox WHERE message_id = '" + fromNode1 + "' ORDER BY seq"))
                    .as("the deletion's webhooks, written with it, for the daemons to send").endsWith("deleted", "removed");
        } finally {
            for (Process p : procs) {
                if (p != null) {
                    p.destroyForcibly();
                }
            }
        }
    }
}
