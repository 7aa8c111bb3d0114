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
        assertThat(p.scan()).as("complete, never renamed: picked up, not deleted").isEqualTo(1);
        assertThat(temp).doesNotExist();
        assertThat(queued).hasSize(2);
    }

    private static Drop message(String marker, int recipients) {
        List<String> rcpts = new ArrayList<>();
        for (int i = 0; i < recipients; i++) {
            rcpts.add("r" + i + "@example.com");
        }
        return new Drop("a@example.org", rcpts, "", "", "",
                ("Subject: " + marker + "\r\n\r\nhi\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    private List<String> setAside() throws Exception {
        if (!Files.isDirectory(spoolDir.resolve("corrupt"))) {
            return List.of();
        }
        try (var aside = Files.list(spoolDir.resolve("corrupt"))) {
            return aside.map(f -> f.getFileName().toString()).toList();
        }
    }

    /** Issue 13: after a power cut, a complete file still under its temporary name is picked up. */
    @Test
    void temporaryFilesFromBeforeTheBootArePickedUpWhenCompleteAndSetAsideWhenNot() throws Exception {
        FileSpool spool = new FileSpool(spoolDir, Clock.systemUTC());
        Pickup p = pickup(spool, "1KiB");
        Instant boot = null;
        for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
            if (line.startsWith("btime ")) {
                boot = Instant.ofEpochSecond(Long.parseLong(line.substring(6).strip()));
            }
        }
        assertThat(boot).as("/proc/stat btime").isNotNull();
        FileTime beforeBoot = FileTime.from(boot.minusSeconds(30));
        // as cli/Handover writes it: fsynced under .NAME; the rename was lost with the power
        Path complete = drop(".lrz4k1.0123456789abcdef01234567", message("survived", 1).encode());
        Files.setLastModifiedTime(complete, beforeBoot);
        byte[] all = message("torn", 1).encode();
        Path torn = drop(".lrz4k2.0123456789abcdef01234567", java.util.Arrays.copyOf(all, all.length - 5));
        Files.setLastModifiedTime(torn, beforeBoot);
        Path writing = drop(".lrz4k3.0123456789abcdef01234567", message("being written", 1).encode());

        try (var log = new org.mailferry.testing.LogCapture("mailferry.pickup")) {
            assertThat(p.scan()).isEqualTo(1);
            assertThat(log.lines()).anyMatch(l -> l.contains("complete but never renamed: maildrop .lrz4k1"));
        }
        assertThat(queued).hasSize(1);
        assertThat(new String(spool.openBody(queued.get(0).id()).readAllBytes(), StandardCharsets.US_ASCII))
                .contains("Subject: survived");
        assertThat(complete).doesNotExist();
        assertThat(torn).doesNotExist();
        assertThat(setAside()).containsExactly("maildrop-.lrz4k2.0123456789abcdef01234567");
        assertThat(writing).as("a sendmail may still be about to rename it").exists();
    }

    @Test
    void dropsOverTheRecipientLimitAreSetAsideWithOneLogLine() throws Exception {
        FileSpool spool = new FileSpool(spoolDir, Clock.systemUTC());
        Pickup p = pickup(spool, "1MiB"); // smtpd.max_recipients: 1000 (the default)
        drop("many", message("many", 20_000).encode());
        drop("limit", message("limit", 1000).encode());
        try (var log = new org.mailferry.testing.LogCapture("mailferry.pickup")) {
            assertThat(p.scan()).isEqualTo(1);
            assertThat(log.lines().stream().filter(l -> l.contains("many"))).singleElement().asString()
                    .contains("more than 1000 recipients (smtpd.max_recipients)").contains("owner ")
                    .contains("moved to");
        }
        assertThat(queued).singleElement().satisfies(e -> assertThat(e.recipients()).hasSize(1000));
        assertThat(setAside()).containsExactly("maildrop-many");
    }

    @Test
    void theSubmitSocketsPathRefusesOverTheRecipientLimitToo() throws Exception {
        FileSpool spool = new FileSpool(spoolDir, Clock.systemUTC());
        var config = ConfigLoader.load(null, java.util.Map.of("smtpd.hostname", "relay.test",
                "smtpd.max_recipients", "3"));
        LocalSubmission local = new LocalSubmission(SessionSettings.from(config.smtpd(), Clock.systemUTC()), spool,
                queued::add);
        assertThat(local.submit(message("three", 3), "alice")).isNotNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> local.submit(message("four", 4), "alice"))
                .isInstanceOf(LocalSubmission.RefusedException.class)
                .hasMessageContaining("4 recipients exceed the limit of 3 (smtpd.max_recipients)");
        assertThat(queued).hasSize(1);
    }

    @Test
    void aHardLinkToAnotherFileIsNotPickedUp() throws Exception {
        FileSpool spool = new FileSpool(spoolDir, Clock.systemUTC());
        Pickup p = pickup(spool, "1KiB");
        // someone else's file (a valid drop) linked into the maildrop would lend its owner
        Path elsewhere = Files.write(spoolDir.resolve("elsewhere"), message("borrowed", 1).encode());
        Files.createLink(spoolDir.resolve("maildrop").resolve("hard"), elsewhere);
        assertThat(p.scan()).isZero();
        assertThat(queued).isEmpty();
        assertThat(setAside()).containsExactly("maildrop-hard");
    }

    @Test
    void filesTakenBeforeACrashAreQueuedAtTheNextScan() throws Exception {
        FileSpool spool = new FileSpool(spoolDir, Clock.systemUTC());
        Pickup p = pickup(spool, "1KiB");
        Path taken = Files.write(spoolDir.resolve("pickup").resolve("lrz4k9.00"), message("taken", 1).encode());
        assertThat(p.scan()).isEqualTo(1);
        assertThat(taken).doesNotExist();
        assertThat(queued).hasSize(1);
    }

    @Test
    void endlesslyRepeatedFieldsAreRefusedEarly() throws Exception {
        FileSpool spool = new FileSpool(spoolDir, Clock.systemUTC());
        Pickup p = pickup(spool, "1KiB");
        StringBuilder sb = new StringBuilder(Drop.MAGIC).append("\nsender a@example.org\nrcpt b@example.com\n");
        for (int i = 0; i < 100_000; i++) {
            sb.append("notify x\n");
        }
        drop("repeated", sb.append("body 0\n").toString().getBytes(StandardCharsets.US_ASCII));
        try (var log = new org.mailferry.testing.LogCapture("mailferry.pickup")) {
            assertThat(p.scan()).isZero();
            assertThat(log.lines()).singleElement().asString().startsWith("maildrop file repeated: too many lines for 1 "
                    + "recipients (a repeated field)");
        }
        assertThat(setAside()).containsExactly("maildrop-repeated");
    }
}
