package org.mailferry.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.Mailferry;
import org.mailferry.testing.FaultyDisk;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.Submit;
import org.mailferry.testing.TestSmarthost;
import org.mailferry.testing.WebhookReceiver;
import org.mailferry.testing.WebhookReceiver.Hook;

/**
 * A power cut right after a state change became durable, before the webhooks heard of it: the spool
 * runs on a {@link FaultyDisk}, which then keeps only what was synced (the outbox's files included).
 * After the restart the webhook arrives; a transition remade because its record was not synced keeps
 * its event id. Real HTTP receiver and smarthost.
 */
class WebhookPowerCutTest {
    /** The power fails here: nothing after this point in the relay runs. */
    private static final class PowerCut extends Error {
        PowerCut() {
            super("power cut (test)", null, false, false);
        }
    }

    @TempDir
    Path dir;
    private WebhookReceiver receiver;
    private TestSmarthost smarthost;

    @BeforeEach
    void start() throws IOException {
        receiver = new WebhookReceiver();
        smarthost = new TestSmarthost();
    }

    @AfterEach
    void stop() {
        receiver.close();
        smarthost.close();
    }

    private RelayFixture fixture() {
        return new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port())
                .set("webhook.url", receiver.url());
    }

    /** Runs the relay on a faulty disk until the first event of the type; cuts the power there. */
    private String cutAfter(String type, boolean waitForTheReply) throws Exception {
        FaultyDisk disk = new FaultyDisk(dir.resolve("spool"));
        Mailferry m = Mailferry.start(fixture().config(), Clock.systemUTC(), disk);
        AtomicReference<String> cutAt = new AtomicReference<>();
        EventListener cutter = e -> {
            if (EventType.of(e).equals(type) && cutAt.compareAndSet(null, e.id().value())) {
                disk.cut();
                throw new PowerCut();
            }
        };
        m.events().remove(m.webhooks());
        m.events().add(cutter);
        m.events().add(m.webhooks());
        try {
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    Submit.message(m.listenAddress(), "app@example.com", "user@example.net", "<cut@example.com>");
                } catch (IOException | AssertionError e) {
                    // the power failed before the 250
                }
            });
            if (waitForTheReply) {
                t.join(10_000);
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cutAt.get() == null && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            assertThat(cutAt.get()).as("the relay reached the " + type + " event").isNotNull();
        } finally {
            m.close();
        }
        disk.restore();
        return cutAt.get();
    }

    @Test
    void aPowerCutAfterTheCommitKeepsTheReceivedWebhook() throws Exception {
        String id = cutAfter("received", false);
        assertThat(receiver.of("received", id)).isEmpty();
        try (RelayFixture f = fixture().start()) {
            Hook received = receiver.await("received", id);
            assertThat(received.body()).contains("\"message_id\":\"<cut@example.com>\"", "\"attempt\":0");
            receiver.await("removed", id); // the commit was synced: the message is delivered
        }
    }

    @Test
    void aPowerCutAfterTheDeliveryWasRecordedKeepsTheDeliveredWebhookAndItsId() throws Exception {
        String id = cutAfter("delivered", true);
        assertThat(receiver.of("delivered", id)).isEmpty();
        try (RelayFixture f = fixture().start()) {
            Hook delivered = receiver.await("delivered", id);
            assertThat(delivered.body()).contains("\"recipient\":\"user@example.net\"", "\"attempt\":1");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (smarthost.all().size() < 2 && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            // the journal's DONE mark is not synced (docs: delivered twice, never lost): made again
            assertThat(smarthost.all()).hasSize(2);
            f.await(org.mailferry.notify.DeliveryEvent.Removed.class, id, 10, TimeUnit.SECONDS);
            assertThat(receiver.of("delivered", id)).extracting(Hook::id).containsOnly(delivered.id());
            assertThat(receiver.of("delivered", id)).extracting(Hook::idHeader).containsOnly(delivered.id());
        }
    }
}
