package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.notify.EventType;
import org.mailferry.testing.AdminClient;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.Submit;
import org.mailferry.testing.TestSmarthost;

/** Queue commands and status, from the command line and the admin API, while the relay runs. */
class QueueOperationsTest {
    @TempDir
    Path dir;
    private TestSmarthost smarthost;

    @BeforeEach
    void start() {
        smarthost = new TestSmarthost();
    }

    @AfterEach
    void stop() {
        smarthost.close();
    }

    /** Exit code, standard output and standard error of one CLI run. */
    record Run(int code, String out, String err) {
    }

    private Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> argv = new ArrayList<>(List.of(args));
        argv.add("--spool=" + dir.resolve("spool"));
        int code = Mailferry.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> get(RelayFixture f, String path) throws Exception {
        return new AdminClient(f).get(path);
    }

    private RelayFixture relay() {
        return new RelayFixture(dir.resolve("spool")).smarthost(smarthost.port()).set("queue.retry_min", "1h")
                .set("queue.retry_max", "2h");
    }

    @Test
    void deferredThenHeldFlushedReleasedAndDelivered() throws Exception {
        smarthost.refuseRecipient("user@example.net", 450, "4.2.1 Mailbox busy");
        try (RelayFixture f = relay().start()) {
            String id = Submit.message(f.address(), "app@example.com", "user@example.net", "<hold@example.com>");
            f.await(DeliveryEvent.Deferred.class, id, 10, TimeUnit.SECONDS);

            Run hold = cli("queue", "hold", id);
            assertThat(hold.code()).as(hold.err()).isZero();
            assertThat(hold.out()).contains(id + ": held");
            assertThat(cli("queue").out()).contains(id + "!").contains("Mailbox busy");

            smarthost.acceptRecipient("user@example.net");
            Run flush = cli("queue", "flush", id);
            assertThat(flush.out()).contains("held");
            assertThat(cli("status", id).out()).contains("\"state\":\"held\"");

            assertThat(cli("queue", "release", id).code()).isZero();
            f.await(DeliveryEvent.Delivered.class, id, 10, TimeUnit.SECONDS);
            f.await(DeliveryEvent.Removed.class, id, 10, TimeUnit.SECONDS);
            assertThat(f.events.stream().filter(e -> e.id().value().equals(id)).map(EventType::of).toList())
                    .containsExactly("received", "deferred", "delivered", "removed");

            // finished: status from the history, by queue id (CLI) and by Message-ID (HTTP)
            Run status = cli("status", id);
            assertThat(status.out()).contains("\"state\":\"finished\"", "\"state\":\"delivered\"",
                    "\"message_id\":\"<hold@example.com>\"", "deferred via", "sent via");
            HttpResponse<String> byMessageId = get(f, "/messages/"
                    + URLEncoder.encode("<hold@example.com>", StandardCharsets.UTF_8));
            assertThat(byMessageId.statusCode()).isEqualTo(200);
            assertThat(byMessageId.body()).contains("\"queue_id\":\"" + id + "\"", "\"attempts\":2");

            assertThat(get(f, "/metrics").body()).contains("mailferry_events_total{type=\"delivered\"} 1",
                    "mailferry_events_total{type=\"deferred\"} 1", "mailferry_queue_messages 0");
            assertThat(get(f, "/messages/0000000000ZZ").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void flushRetriesNowAndDeleteRemovesWithDeletedEvents() throws Exception {
        smarthost.refuseRecipient("a@example.net", 451, "4.3.0 Try later");
        smarthost.refuseRecipient("b@example.net", 451, "4.3.0 Try later");
        try (RelayFixture f = relay().start()) {
            String a = Submit.message(f.address(), "app@example.com", "a@example.net", "<a@example.com>");
            String b = Submit.message(f.address(), "app@example.com", "b@example.net", "<b@example.com>");
            f.await(DeliveryEvent.Deferred.class, a, 10, TimeUnit.SECONDS);
            f.await(DeliveryEvent.Deferred.class, b, 10, TimeUnit.SECONDS);

            smarthost.acceptRecipient("a@example.net");
            assertThat(cli("queue", "flush", a).code()).isZero();
            f.await(DeliveryEvent.Delivered.class, a, 10, TimeUnit.SECONDS);

            HttpResponse<String> delete = new AdminClient(f).post("/messages/" + b + "/delete");
            assertThat(delete.statusCode()).isEqualTo(200);
            DeliveryEvent.Deleted deleted = f.await(DeliveryEvent.Deleted.class, b, 10, TimeUnit.SECONDS);
            assertThat(deleted.recipient().value()).isEqualTo("b@example.net");
            assertThat(f.eventsOf(DeliveryEvent.Removed.class)).extracting(e -> e.id().value()).contains(b);
            assertThat(cli("status", b).out()).contains("\"state\":\"finished\"", "\"state\":\"deleted\"");
            assertThat(cli("queue", "delete", b).code()).isEqualTo(1); // no longer queued
            assertThat(cli("queue").out()).contains("Mail queue is empty");
            assertThat(smarthost.all()).hasSize(1);
        }
    }

    /** A self-signed certificate for a DNS name only (no IP address in it) and its key. */
    private void certificate(Path cert, Path key, String name) throws Exception {
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:" + name, "-keyout", key.toString(),
                "-out", cert.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile())
                .start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).isTrue();
    }

    @Test
    void withAdminTlsTheCommandsSpeakHttpsTrustingOnlyTheConfiguredCertificate() throws Exception {
        Path cert = dir.resolve("admin.pem");
        Path key = dir.resolve("admin.key");
        certificate(cert, key, "relay.example.com"); // the command connects to 127.0.0.1: pinned, not by name
        smarthost.refuseRecipient("user@example.net", 450, "4.2.1 Mailbox busy");
        try (RelayFixture f = relay().set("admin.tls_cert", cert.toString()).set("admin.tls_key", key.toString())
                .start()) {
            String id = Submit.message(f.address(), "app@example.com", "user@example.net", "<tls@example.com>");
            f.await(DeliveryEvent.Deferred.class, id, 10, TimeUnit.SECONDS);
            Run hold = cli("queue", "hold", id);
            assertThat(hold.code()).as(hold.err()).isZero();
            assertThat(hold.out()).contains(id + ": held");
            assertThat(cli("status", id).out()).contains("\"state\":\"held\"");

            // the file now holds another certificate than the one the daemon presents: not trusted
            Path other = dir.resolve("other.pem");
            certificate(other, dir.resolve("other.key"), "relay.example.com");
            java.nio.file.Files.copy(other, cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Run release = cli("queue", "release", id);
            assertThat(release.code()).isEqualTo(69);
            assertThat(release.err()).contains("no TLS session with the admin API at 127.0.0.1:",
                    "not the certificate in " + cert, "replaced without restarting").doesNotContain("Exception");
            assertThat(cli("status", id).out()).contains("\"state\":\"held\"");

            java.nio.file.Files.delete(cert);
            Run unreadable = cli("queue", "release", id);
            assertThat(unreadable.code()).isEqualTo(77);
            assertThat(unreadable.err()).contains("speaks HTTPS with the certificate in " + cert);
        }
    }

    @Test
    void withTheDaemonStoppedCommandsWorkOnTheSpoolAndTheDaemonSeesThem() throws Exception {
        smarthost.refuseRecipient("c@example.net", 450, "4.2.1 Busy");
        String id;
        try (RelayFixture f = relay().start()) {
            id = Submit.message(f.address(), "app@example.com", "c@example.net", "<c@example.com>");
            f.await(DeliveryEvent.Deferred.class, id, 10, TimeUnit.SECONDS);
        }
        assertThat(cli("queue", "hold", id).out()).contains(id + ": held");
        Run show = cli("queue", "show", id);
        assertThat(show.out()).contains("state:      held", "Message-ID: <c@example.com>", "4.2.1 Busy");
        assertThat(cli("queue", "release", id).code()).isZero(); // due now
        smarthost.acceptRecipient("c@example.net");
        try (RelayFixture f = relay().start()) {
            f.await(DeliveryEvent.Delivered.class, id, 10, TimeUnit.SECONDS);
        }
        assertThat(cli("queue", "delete", "--all-failed").out()).contains("deleted 0");
    }

    @Test
    void aRunningDaemonWithoutAdminApiRefusesChangesFromTheCommandLine() throws Exception {
        try (RelayFixture f = relay().set("admin.listen", "off").start()) {
            assertThat(f.relay().adminAddress()).isNull();
            Run r = cli("queue", "hold", "0DZ3K8H2M4QA");
            assertThat(r.code()).isEqualTo(69);
            assertThat(r.err()).contains("admin.listen");
        }
        assertThat(cli("queue", "hold", "not-an-id").err()).contains("is not a queue id");
    }

    @Test
    void finishedHistoryIsSweptAfterItsRetention() throws Exception {
        try (RelayFixture f = relay().start()) {
            String id = Submit.message(f.address(), "app@example.com", "d@example.net", "<d@example.com>");
            f.await(DeliveryEvent.Removed.class, id, 10, TimeUnit.SECONDS);
            assertThat(f.relay().sweepHistory()).isZero(); // younger than 7 days
            assertThat(f.relay().spool().sweepFinished(Instant.now().plusSeconds(60))).isEqualTo(1);
            assertThat(cli("status", id).code()).isEqualTo(1);
        }
    }
}
