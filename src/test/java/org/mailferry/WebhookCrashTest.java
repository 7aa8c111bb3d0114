package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.PausingRelay;
import org.mailferry.testing.Submit;
import org.mailferry.testing.TestSmarthost;
import org.mailferry.testing.WebhookReceiver;
import org.mailferry.testing.WebhookReceiver.Hook;

/**
 * Events that are never lost: the real relay in a child JVM ({@link PausingRelay}) is killed with
 * SIGKILL inside a state change, between the spool's durable step and the webhook, then restarted;
 * a real HTTP receiver in this JVM must get the webhook the state change owed (never zero times),
 * and every copy of it with the same event id.
 */
class WebhookCrashTest {
    @TempDir
    Path dir;
    private WebhookReceiver receiver;
    private TestSmarthost smarthost;
    private Process daemon;
    private final BlockingQueue<String> said = new LinkedBlockingQueue<>();
    private InetSocketAddress relay;
    private Path config;

    @BeforeEach
    void start() throws IOException {
        receiver = new WebhookReceiver();
        smarthost = new TestSmarthost();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        relay = new InetSocketAddress("127.0.0.1", port);
        config = dir.resolve("mailferry.toml");
        org.mailferry.testing.DaemonConfig.write(config, port, dir.resolve("spool"), smarthost.port(),
                "[webhook]\nurl = [\"" + receiver.url() + "\"]\n");
    }

    @AfterEach
    void stop() throws InterruptedException {
        kill();
        receiver.close();
        smarthost.close();
    }

    @Test
    void killedAfterTheCommitBeforeTheWebhookTheReceivedWebhookArrivesAfterRestart() throws Exception {
        daemon("received", "told");
        Thread.ofVirtual().start(() -> {
            try {
                Submit.message(relay, "app@example.com", "user@example.net", "<crash1@example.com>");
            } catch (IOException | AssertionError e) {
                // killed before the 250: expected
            }
        });
        String id = paused("received");
        kill();
        assertThat(of("received", id)).as("nothing sent before the kill").isEmpty();

        daemon(null, null);
        Hook received = await("received", id);
        assertThat(received.body()).contains("\"queue_id\":\"" + id + "\"", "\"sender\":\"app@example.com\"",
                "\"message_id\":\"<crash1@example.com>\"", "\"attempt\":0", "\"recipients\":1");
        await("delivered", id); // the message was committed: delivered after the restart
        assertThat(of("received", id)).extracting(Hook::id).containsOnly(received.id());
    }

    @Test
    void killedAfterTheDeliveryIsRecordedBeforeTheWebhookTheDeliveredWebhookArrivesAfterRestart() throws Exception {
        String id = submitAndKill("delivered", "told", "<crash2@example.com>");
        assertThat(of("delivered", id)).as("nothing sent before the kill").isEmpty();

        daemon(null, null);
        Hook delivered = await("delivered", id);
        assertThat(delivered.body()).contains("\"recipient\":\"user@example.net\"", "\"attempt\":1",
                "\"message_id\":\"<crash2@example.com>\"").containsPattern("\"reply\":\"250[^\"]*\"");
        assertThat(delivered.idHeader()).isEqualTo(delivered.id());
        assertThat(smarthost.all()).as("the delivery was recorded before the kill: not made again").hasSize(1);
    }

    @Test
    void killedBetweenTheOutboxAndTheStateChangeTheRedoneDeliveryKeepsTheEventId() throws Exception {
        String id = submitAndKill("delivered", "prepared", "<crash3@example.com>");

        daemon(null, null);
        Hook delivered = await("delivered", id);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (smarthost.all().size() < 2 && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertThat(smarthost.all()).as("not recorded before the kill: delivered again").hasSize(2);
        await("removed", id);
        awaitOutboxEmpty();
        assertThat(of("delivered", id)).as("one event, however many copies").extracting(Hook::id)
                .containsOnly(delivered.id());
        assertThat(of("delivered", id)).extracting(Hook::idHeader).containsOnly(delivered.id());
    }

    /** Starts the relay to stop at TYPE/PHASE, submits a message, kills the relay there; returns the queue id. */
    private String submitAndKill(String type, String phase, String messageId) throws Exception {
        daemon(type, phase);
        String id = Submit.message(relay, "app@example.com", "user@example.net", messageId);
        assertThat(paused(type)).isEqualTo(id);
        kill();
        return id;
    }

    private void daemon(String type, String phase) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), PausingRelay.class.getName(), config.toString()));
        if (type != null) {
            cmd.addAll(List.of(type, phase));
        }
        said.clear();
        daemon = new ProcessBuilder(cmd).redirectError(dir.resolve("daemon.log").toFile()).start();
        Process p = daemon;
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    said.add(line);
                }
            } catch (IOException e) {
                // the process died
            }
        });
        expect("READY");
    }

    private String expect(String prefix) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            String line = said.poll(100, TimeUnit.MILLISECONDS);
            if (line != null && line.startsWith(prefix)) {
                return line;
            }
        }
        throw new AssertionError("the relay did not say " + prefix + " within 30 s; see " + dir.resolve("daemon.log"));
    }

    /** Waits for the relay to stop inside the state change; returns the message's queue id. */
    private String paused(String type) throws InterruptedException {
        String line = expect("PAUSED " + type + " ");
        return line.substring(line.lastIndexOf(' ') + 1);
    }

    private void kill() throws InterruptedException {
        if (daemon != null) {
            daemon.destroyForcibly(); // SIGKILL
            daemon.waitFor(10, TimeUnit.SECONDS);
            daemon = null;
        }
    }

    private List<Hook> of(String event, String queueId) {
        return receiver.of(event, queueId);
    }

    private Hook await(String event, String queueId) throws InterruptedException {
        return receiver.await(event, queueId);
    }

    /** Every stored webhook acknowledged: nothing more will be sent. */
    private void awaitOutboxEmpty() throws Exception {
        Path outbox = dir.resolve("spool/webhooks");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            try (var files = Files.list(outbox)) {
                if (files.noneMatch(p -> p.toString().endsWith(".hook"))) {
                    return;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("webhooks still stored in " + outbox);
    }
}
