package org.mailferry.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.Submit;
import org.mailferry.testing.TestSmarthost;

/** Webhooks against a real HTTP receiver started here, which verifies signatures as docs/operations.md says. */
class WebhooksTest {
    private static final String SECRET = "s3cret-for-tests";

    /** One request as the receiver saw it. */
    record Hook(String event, String delivery, String eventId, String signature, String body,
                boolean signatureValid) {
        /** The "id" field of the body. */
        String bodyId() {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"id\":\"([^\"]+)\"").matcher(body);
            return m.find() ? m.group(1) : null;
        }
    }

    @TempDir
    Path dir;
    private HttpServer receiver;
    private final BlockingQueue<Hook> hooks = new LinkedBlockingQueue<>();
    /** Answers 500 to this many requests, then 200. */
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private TestSmarthost smarthost;

    @BeforeEach
    void startReceiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        receiver.createContext("/hook", x -> {
            String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String sig = x.getRequestHeaders().getFirst("Mailferry-Signature");
            hooks.add(new Hook(x.getRequestHeaders().getFirst("Mailferry-Event"),
                    x.getRequestHeaders().getFirst("Mailferry-Delivery"),
                    x.getRequestHeaders().getFirst(Webhooks.EVENT_ID), sig, body, verify(sig, body)));
            int code = failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 500 : 204;
            x.sendResponseHeaders(code, -1);
            x.close();
        });
        receiver.start();
        smarthost = new TestSmarthost();
    }

    @AfterEach
    void stop() {
        receiver.stop(0);
        smarthost.close();
    }

    /** The receiver's check, as in docs/operations.md: HMAC-SHA256 over "t.body", compared in constant time. */
    static boolean verify(String header, String body) {
        if (header == null) {
            return false;
        }
        String t = null;
        String v1 = null;
        for (String part : header.split(",")) {
            if (part.startsWith("t=")) {
                t = part.substring(2);
            } else if (part.startsWith("v1=")) {
                v1 = part.substring(3);
            }
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] expected = mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8));
            return v1 != null && MessageDigest.isEqual(expected, HexFormat.of().parseHex(v1))
                    && Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(t)) < 300;
        } catch (Exception e) {
            return false;
        }
    }

    private RelayFixture relay() throws IOException {
        Path secret = dir.resolve("secret");
        Files.writeString(secret, SECRET + "\n");
        Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port())
                .set("webhook.url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook")
                .set("webhook.secret_file", secret.toString())
                .set("webhook.events", "[\"received\", \"delivered\", \"deferred\", \"removed\"]");
    }

    private Hook next() throws InterruptedException {
        Hook h = hooks.poll(10, TimeUnit.SECONDS);
        assertThat(h).as("a webhook request within 10 s").isNotNull();
        return h;
    }

    @Test
    void signedEventsArriveInOrderWithTheMessageFacts() throws Exception {
        try (RelayFixture f = relay().start()) {
            String id = Submit.message(f.address(), "app@example.com", "user@example.net", "<m1@example.com>");
            Hook received = next();
            Hook delivered = next();
            Hook removed = next();
            assertThat(received.event()).isEqualTo("received");
            assertThat(delivered.event()).isEqualTo("delivered");
            assertThat(removed.event()).isEqualTo("removed");
            assertThat(received.signatureValid()).isTrue();
            assertThat(delivered.signatureValid()).isTrue();
            assertThat(delivered.body())
                    .contains("\"event\":\"delivered\"", "\"queue_id\":\"" + id + "\"",
                            "\"message_id\":\"<m1@example.com>\"", "\"sender\":\"app@example.com\"",
                            "\"recipient\":\"user@example.net\"", "\"attempt\":1", "\"enhanced_status\":\"2.")
                    .containsPattern("\"reply\":\"250[^\"]*\"");
            assertThat(received.body()).contains("\"attempt\":0", "\"message_id\":\"<m1@example.com>\"",
                    "\"sender\":\"app@example.com\"", "\"recipients\":1", "\"client\":\"")
                    .containsPattern("\"size\":[1-9][0-9]*");
            assertThat(delivered.body()).containsPattern("\"size\":[1-9][0-9]*");
            assertThat(removed.body()).contains("\"attempt\":1", "\"message_id\":\"<m1@example.com>\"");
            for (Hook h : new Hook[] {received, delivered, removed}) {
                assertThat(h.eventId()).as("the event id header is the body's id").isEqualTo(h.bodyId())
                        .startsWith(id + ".");
            }
            assertThat(java.util.Set.of(received.eventId(), delivered.eventId(), removed.eventId())).hasSize(3);
        }
    }

    @Test
    void aBadSignatureIsDetected() {
        String body = "{\"id\":\"2N91Z782PNBA.5f1c0a9e3b7d2c41\",\"event\":\"delivered\"}";
        String good = WebhookSignature.header(SECRET.getBytes(StandardCharsets.UTF_8),
                System.currentTimeMillis() / 1000, body);
        assertThat(verify(good, body)).isTrue();
        assertThat(verify(good, body.replace("delivered", "bounced"))).isFalse();
        assertThat(verify(good, body.replace("5f1c", "5f1d"))).as("the event id is signed too").isFalse();
        assertThat(verify(WebhookSignature.header("other".getBytes(StandardCharsets.UTF_8),
                System.currentTimeMillis() / 1000, body), body)).isFalse();
    }

    @Test
    void anOutboxThatCannotBeWrittenRefusesTheMessage() throws Exception {
        try (RelayFixture f = relay().start();
             org.mailferry.testing.LogCapture log = new org.mailferry.testing.LogCapture("mailferry.smtpd")) {
            Path outbox = dir.resolve("spool/webhooks");
            Files.delete(outbox);
            Files.writeString(outbox, "not a directory");
            try (org.mailferry.testing.SmtpScript s = org.mailferry.testing.SmtpScript.connect(f.address())) {
                s.send("EHLO client.test");
                s.send("MAIL FROM:<app@example.com>");
                s.send("RCPT TO:<user@example.net>");
                s.send("DATA");
                org.mailferry.smtp.Reply r = s.send("Subject: x\r\n\r\nHello.\r\n.");
                assertThat(r.code()).as("the received webhook cannot be stored: no 250").isEqualTo(451);
                assertThat(r.toString()).contains("4.3.0");
            }
            assertThat(f.relay().spool().count()).as("nothing queued").isZero();
            assertThat(f.events).isEmpty();
            assertThat(log.lines()).anyMatch(l -> l.contains("webhook outbox"));
        }
    }

    @Test
    void anAttemptWhoseWebhookCannotBeStoredIsNotRecordedAndIsMadeAgain() throws Exception {
        try (RelayFixture f = relay().set("webhook.events", "[\"delivered\"]").start();
             org.mailferry.testing.LogCapture log = new org.mailferry.testing.LogCapture("mailferry.qmgr")) {
            Path outbox = dir.resolve("spool/webhooks");
            Files.delete(outbox);
            Files.writeString(outbox, "not a directory");
            String id = Submit.message(f.address(), "app@example.com", "user@example.net", "<m5@example.com>");
            smarthost.next(); // delivered, but the delivered webhook cannot be stored
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (log.lines().stream().noneMatch(l -> l.contains("cannot record the events")) && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            assertThat(log.lines()).anyMatch(l -> l.startsWith(id + ": cannot record the events of this attempt"));
            assertThat(f.relay().spool().load(new org.mailferry.message.QueueId(id)).attempts())
                    .as("the attempt is not recorded: the message is still queued as before").isZero();
            assertThat(f.eventsOf(DeliveryEvent.Delivered.class)).isEmpty();

            Files.delete(outbox);
            Files.createDirectory(outbox);
            f.flushUntil(DeliveryEvent.Delivered.class, id, 1, 10, TimeUnit.SECONDS);
            Hook delivered = next();
            assertThat(delivered.body()).contains("\"queue_id\":\"" + id + "\"", "\"attempt\":1");
            assertThat(smarthost.all()).as("made again: a duplicate rather than a lost webhook").hasSize(2);
        }
    }

    @Test
    void aReceivedWebhookStoredForACommitThatNeverHappenedIsNotSent() throws Exception {
        org.mailferry.queue.JournalSpool spool = new org.mailferry.queue.JournalSpool(dir.resolve("spool"),
                java.time.Clock.systemUTC(), 1 << 20);
        Webhooks.Settings settings = new Webhooks.Settings(
                java.util.List.of(java.net.URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook")),
                java.util.Set.copyOf(EventType.NAMES), null, java.time.Duration.ofHours(1));
        java.time.Instant now = java.time.Instant.now();
        org.mailferry.message.Address sender = new org.mailferry.message.Address("app@example.com");
        DeliveryEvent.Facts never = new DeliveryEvent.Facts(org.mailferry.message.QueueId.next(now.toEpochMilli()),
                sender, "<never@example.com>", 100, 0);
        DeliveryEvent.Facts attempted = new DeliveryEvent.Facts(
                org.mailferry.message.QueueId.next(now.toEpochMilli()), sender, "<seen@example.com>", 100, 1);
        Webhooks before = new FileWebhooks(settings, dir.resolve("spool/webhooks"), spool, java.time.Clock.systemUTC());
        before.prepare(java.util.List.of(new DeliveryEvent.Received(never, now, 1, "client"),
                new DeliveryEvent.Delivered(attempted, now, new org.mailferry.message.Address("user@example.net"),
                        "smarthost", java.time.Duration.ZERO, "2.0.0", "250 2.0.0 Ok")));
        // killed here: neither commit nor attempt was recorded; the next start finds both files
        try (var files = Files.list(dir.resolve("spool/webhooks"))) {
            assertThat(files.count()).isEqualTo(2);
        }
        try (Webhooks after = new FileWebhooks(settings, dir.resolve("spool/webhooks"), spool,
                java.time.Clock.systemUTC())) {
            after.start();
            Hook h = next();
            assertThat(h.event()).as("the message was never queued: no received webhook").isEqualTo("delivered");
            assertThat(h.body()).contains("<seen@example.com>");
            assertThat(hooks.poll(300, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    @Test
    void retriesAfterA500WithTheSameDeliveryId() throws Exception {
        failuresLeft.set(1);
        try (RelayFixture f = relay().set("webhook.events", "[\"delivered\"]").start()) {
            Submit.message(f.address(), "app@example.com", "user@example.net", "<m2@example.com>");
            Hook first = next();
            assertThat(f.relay().webhooks().pendingCount()).isEqualTo(1);
            f.relay().webhooks().flush(); // instead of waiting for the backoff
            Hook retry = next();
            assertThat(retry.delivery()).isEqualTo(first.delivery());
            assertThat(retry.eventId()).isEqualTo(first.eventId()).isEqualTo(first.bodyId());
            assertThat(retry.body()).isEqualTo(first.body());
            assertThat(retry.signatureValid()).isTrue();
        }
    }

    @Test
    void aMessagesLaterEventsWaitForItsFailedOneSoOrderIsKept() throws Exception {
        failuresLeft.set(1);
        try (RelayFixture f = relay().start()) {
            String id = Submit.message(f.address(), "app@example.com", "user@example.net", "<m4@example.com>");
            Hook failed = next();
            assertThat(failed.event()).isEqualTo("received");
            f.await(DeliveryEvent.Removed.class, id, 10, TimeUnit.SECONDS);
            assertThat(hooks.poll(1, TimeUnit.SECONDS)).as("delivered and removed wait for the retried received")
                    .isNull();
            assertThat(f.relay().webhooks().pendingCount()).isEqualTo(3);
            f.relay().webhooks().flush();
            assertThat(List.of(next().event(), next().event(), next().event()))
                    .containsExactly("received", "delivered", "removed");
        }
    }

    @Test
    void aPendingWebhookSurvivesARestart() throws Exception {
        failuresLeft.set(Integer.MAX_VALUE);
        RelayFixture f = relay().set("webhook.events", "[\"delivered\"]").start();
        String id = Submit.message(f.address(), "app@example.com", "user@example.net", "<m3@example.com>");
        Hook failed = next();
        f.stop();
        try (var files = Files.list(dir.resolve("spool/webhooks"))) {
            assertThat(files.filter(p -> p.toString().endsWith(".hook")).count()).isEqualTo(1);
        }
        failuresLeft.set(0);
        hooks.clear();
        try (RelayFixture again = relay().set("webhook.events", "[\"delivered\"]").start()) {
            Hook after = next();
            assertThat(after.delivery()).isEqualTo(failed.delivery());
            assertThat(after.eventId()).isEqualTo(failed.eventId());
            assertThat(after.body()).contains("\"queue_id\":\"" + id + "\"", "\"event\":\"delivered\"");
            assertThat(after.signatureValid()).isTrue();
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
            while (again.relay().webhooks().pendingCount() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5); // the sender removes the file once the receiver's 2xx is read
            }
        }
        try (var files = Files.list(dir.resolve("spool/webhooks"))) {
            assertThat(files.filter(p -> p.toString().endsWith(".hook")).count()).isZero();
        }
    }
}
