package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.smtp.Reply;
import org.mailferry.testing.ClusterNodes;
import org.mailferry.testing.PgCluster;
import org.mailferry.testing.Submitter;
import org.mailferry.testing.TaggedSink;
import org.mailferry.testing.Tools;
import org.mailferry.testing.WebhookReceiver;

/**
 * The webhook outbox in the shared database: a node that made a message's state changes (accepted
 * and delivered it) is killed with SIGKILL before any of their webhooks got through; the other node
 * sends every one of them, with the ids they had in the database before the kill.
 */
class ClusterWebhookTest {
    private static PgCluster pg;

    @TempDir
    Path dir;

    @BeforeAll
    static void cluster() throws Exception {
        pg = PgCluster.shared();
    }

    @Test
    void aNodeKilledBeforeItsWebhooksGotThroughAnotherNodeSendsThemWithTheSameIds() throws Exception {
        ClusterNodes cluster = new ClusterNodes(dir, pg);
        try (TaggedSink sink = new TaggedSink(0); WebhookReceiver hooks = new WebhookReceiver()) {
            hooks.answer(503); // nothing gets through while node A is alive
            String url = pg.newDatabase();
            String webhook = "[webhook]\nurl = [\"" + hooks.url() + "\"]";
            List<InetSocketAddress> nodes = new ArrayList<>();
            Process[] procs = new Process[2];
            try {
                for (int i = 0; i < 2; i++) {
                    int port = Tools.freePort();
                    nodes.add(new InetSocketAddress("127.0.0.1", port));
                    procs[i] = cluster.start(cluster.config(i, port, url, sink.port(), 4, webhook), "hook-node" + i + ".log");
                }
                for (int i = 0; i < 2; i++) {
                    ClusterNodes.awaitListener(nodes.get(i), procs[i], cluster.logs().resolve("hook-node" + i + ".log"));
                }
                Reply r = Submitter.send(nodes.get(0), "app@client.test", List.of("u@dest.test"),
                        "Subject: tag-1\r\n\r\nwebhooks\r\n");
                assertThat(r.code()).isEqualTo(250);
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                List<String> before = List.of();
                while (System.nanoTime() < end) {
                    before = pg.column(url, "SELECT event || ' ' || event_id FROM webhook_outbox ORDER BY seq");
                    if (before.size() == 3 && hooks.refused() > 0) {
                        break;
                    }
                    Thread.sleep(100);
                }
                assertThat(sink.copies()).as("delivered by node A").containsEntry("tag-1", 1);
                assertThat(before).as("received, delivered, removed: in the outbox with the changes")
                        .extracting(s -> s.split(" ")[0]).containsExactly("received", "delivered", "removed");
                assertThat(hooks.refused()).as("node A tried and was refused").isPositive();
                String queueId = pg.column(url, "SELECT message_id FROM webhook_outbox LIMIT 1").get(0);

                procs[0].destroyForcibly(); // SIGKILL: its claim on a row, if any, lapses
                procs[0].waitFor(10, TimeUnit.SECONDS);
                hooks.answer(204);
                end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (hooks.all().size() < 3 && System.nanoTime() < end) {
                    Thread.sleep(100);
                }
                List<String> sent = hooks.all().stream().map(h -> h.event() + " " + h.idHeader()).toList();
                assertThat(sent).as("sent by node B, in order, the ids written before the kill")
                        .containsExactlyElementsOf(before);
                assertThat(hooks.all()).allSatisfy(h -> {
                    assertThat(h.id()).isEqualTo(h.idHeader());
                    assertThat(h.queueId()).isEqualTo(queueId);
                });
                end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!pg.column(url, "SELECT event_id FROM webhook_outbox").isEmpty() && System.nanoTime() < end) {
                    Thread.sleep(100);
                }
                assertThat(pg.column(url, "SELECT event_id FROM webhook_outbox")).as("outbox empty").isEmpty();
                assertThat(procs[1].isAlive()).isTrue();
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
