package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.config.ConfigLoader;
import org.mailferry.message.Envelope;
import org.mailferry.queue.FileSpool;

class PickupTest {
    @TempDir
    Path spoolDir;

    private final List<Envelope> queued = new ArrayList<>();

    private Pickup pickup(FileSpool spool, String maxSize) throws Exception {
        var config = ConfigLoader.load(null, java.util.Map.of("smtpd.hostname", "relay.test",
                "smtpd.max_message_size", maxSize));
        LocalSubmission local = new LocalSubmission(SessionSettings.from(config.smtpd(), Clock.systemUTC()), spool,
                queued::add);
        Files.createDirectories(spoolDir.resolve("maildrop"));
        return new Pickup(spoolDir, local);
    }

    private Path drop(String name, byte[] bytes) throws Exception {
        return Files.write(spoolDir.resolve("maildrop").resolve(name), bytes);
    }

    @Test
    void queuesCompleteDropsAndSetsAsideBrokenOnes() throws Exception {
        FileSpool spool = new FileSpool(spoolDir, Clock.systemUTC());
        Pickup p = pickup(spool, "1KiB");
        Drop good = new Drop("a@example.org", List.of("b@example.com", "c@example.com"), "SUCCESS", "FULL", "e1",
                "Subject: x\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII));
        drop("good", good.encode());
        drop("garbage", "hello\n".getBytes(StandardCharsets.US_ASCII));
        byte[] cut = good.encode();
        drop("truncated", java.util.Arrays.copyOf(cut, cut.length - 3));
        drop("toobig", new Drop("a@x", List.of("b@y"), "", "", "", new byte[2000]).encode());
        Path temp = drop(".being-written", good.encode());

        assertThat(p.scan()).isEqualTo(1);

        assertThat(queued).hasSize(1);
        Envelope env = queued.get(0);
        assertThat(env.sender().value()).isEqualTo("a@example.org");
        assertThat(env.recipients()).extracting(r -> r.address().value()).containsExactly("b@example.com", "c@example.com");
        assertThat(env.recipients()).allSatisfy(r -> assertThat(r.dsnNotify()).isEqualTo("SUCCESS"));
        assertThat(env.envId()).isEqualTo("e1");
        assertThat(env.client()).isEqualTo("local user " + Files.getOwner(temp).getName());
        String body = new String(spool.openBody(env.id()).readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(body).startsWith("Received: by relay.test (Mailferry, from user ").endsWith("Subject: x\r\n\r\nhi\r\n");
        assertThat(env.sizeBytes()).isEqualTo(body.length());

        try (var left = Files.list(spoolDir.resolve("maildrop"))) {
            assertThat(left.map(f -> f.getFileName().toString()).toList()).containsExactly(".being-written");
        }
        try (var aside = Files.list(spoolDir.resolve("corrupt"))) {
            assertThat(aside.map(f -> f.getFileName().toString()).toList())
                    .containsExactlyInAnyOrder("maildrop-garbage", "maildrop-truncated", "maildrop-toobig");
        }

        Files.setLastModifiedTime(temp, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
        assertThat(p.scan()).isZero();
        assertThat(temp).doesNotExist(); // abandoned by a sendmail that died while writing
    }
}
