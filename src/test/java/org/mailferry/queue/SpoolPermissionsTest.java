package org.mailferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.LocalUser;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.Submit;
import org.mailferry.testing.TestSmarthost;

/**
 * Issue 14, item 6: every spool directory that holds message data or payloads is 0700 and its
 * files 0600, so an unprivileged user reads no queued message, history or pending webhook.
 */
class SpoolPermissionsTest {
    /** Directories any local user must reach: the maildrop (1733) and the submit socket's. */
    private static final Set<String> PUBLIC = Set.of("maildrop", "public");

    @TempDir
    Path dir;

    @Test
    void messageDataAndWebhookPayloadsArePrivate() throws Exception {
        LocalUser eve = LocalUser.require("eve");
        LocalUser.openPath(dir);
        Path spool = dir.resolve("spool");
        Files.createDirectories(spool.resolve("webhooks"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x"))); // as an older version left it
        try (TestSmarthost smarthost = new TestSmarthost();
             RelayFixture relay = new RelayFixture(spool).smarthost(smarthost.port())
                     .set("queue.retry_min", "1h").set("queue.retry_max", "2h")
                     .set("webhook.url", "http://127.0.0.1:9/unreachable").start()) {
            smarthost.refuseRecipient("later@example.net", 450, "4.2.1 Mailbox busy");
            String deferred = Submit.message(relay.address(), "app@example.com", "later@example.net", "<d@example.com>");
            String delivered = Submit.message(relay.address(), "app@example.com", "now@example.net", "<n@example.com>");
            relay.await(DeliveryEvent.Deferred.class, deferred, 10, TimeUnit.SECONDS);
            relay.await(DeliveryEvent.Removed.class, delivered, 10, TimeUnit.SECONDS);

            List<Path> webhooks;
            try (Stream<Path> s = Files.list(spool.resolve("webhooks"))) {
                webhooks = s.toList();
            }
            assertThat(webhooks).isNotEmpty();
            assertThat(eve.run(List.of("cat", webhooks.get(0).toString()), null).exit())
                    .as("eve reads a pending webhook payload").isNotZero();
            assertThat(eve.run(List.of("ls", spool.resolve("webhooks").toString()), null).exit()).isNotZero();
            assertThat(eve.run(List.of("cat", spool.resolve("queue").resolve(deferred + ".env").toString()), null)
                    .exit()).isNotZero();

            try (Stream<Path> all = Files.walk(spool)) {
                for (Path p : all.toList()) {
                    Path rel = spool.relativize(p);
                    if (rel.toString().isEmpty() || PUBLIC.contains(rel.getName(0).toString())) {
                        continue;
                    }
                    String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                    if (Files.isDirectory(p)) {
                        assertThat(mode).as(rel + " (a directory)").isEqualTo("rwx------");
                    } else if (rel.getNameCount() > 1) {
                        assertThat(mode).as(rel.toString()).isEqualTo("rw-------");
                    }
                }
            }
        }
    }
}
