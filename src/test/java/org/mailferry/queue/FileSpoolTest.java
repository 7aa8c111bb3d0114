package org.mailferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.message.Address;
import org.mailferry.message.Attempt;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.message.Recipient;

class FileSpoolTest {
    @TempDir
    Path root;

    private Envelope envelope(QueueId id) {
        return new Envelope(id, Instant.ofEpochMilli(1_700_000_000_000L), new Address("app@example.com"),
                List.of(Recipient.pending(new Address("u@example.net")),
                        new Recipient(new Address("v w@example.net"), Recipient.State.FAILED,
                                "550 5.1.1 no such user\r\n%", "rfc822;v@example.net", "FAILURE")),
                "8BITMIME", true, 42, "env id 1", "HDRS", "[127.0.0.1]", 2, Instant.ofEpochMilli(1_700_000_100_000L),
                false, List.of(new Attempt(Instant.ofEpochMilli(1_700_000_050_000L), "u@example.net",
                "deferred: 451 4.3.0 try later")));
    }

    private QueueId store(FileSpool spool, String body) throws IOException {
        try (Spool.Incoming in = spool.create()) {
            in.body().write(body.getBytes(StandardCharsets.UTF_8));
            spool.commit(in, envelope(in.id()));
            return in.id();
        }
    }

    @Test
    void committedMessagesSurviveAndRoundTrip() throws IOException {
        FileSpool spool = new FileSpool(root, Clock.systemUTC());
        QueueId id = store(spool, "Subject: hi\r\n\r\nbody\r\n");
        FileSpool reopened = new FileSpool(root, Clock.systemUTC());
        assertThat(reopened.recover()).isZero();
        assertThat(reopened.load(id)).isEqualTo(envelope(id));
        try (var body = reopened.openBody(id)) {
            assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("Subject: hi\r\n\r\nbody\r\n");
        }
        List<Envelope> all = new ArrayList<>();
        reopened.forEach(all::add);
        assertThat(all).extracting(Envelope::id).containsExactly(id);
    }

    @Test
    void anAbandonedMessageLeavesNothingBehind() throws IOException {
        FileSpool spool = new FileSpool(root, Clock.systemUTC());
        try (Spool.Incoming in = spool.create()) {
            in.body().write(new byte[100]);
        }
        try (var files = Files.walk(root)) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void recoveryRemovesPartialFilesAndMovesCorruptOnesAside() throws IOException {
        FileSpool spool = new FileSpool(root, Clock.systemUTC());
        QueueId good = store(spool, "good\r\n");
        QueueId corrupt = store(spool, "corrupt\r\n");
        // a crash between the two renames: body without envelope
        QueueId orphan = QueueId.next(System.currentTimeMillis());
        Files.writeString(root.resolve("queue/" + orphan + ".body"), "orphan");
        Files.writeString(root.resolve("tmp/" + orphan + ".env.1"), "half");
        // a torn envelope (no end line)
        Path env = root.resolve("queue/" + corrupt + ".env");
        byte[] bytes = Files.readAllBytes(env);
        Files.write(env, java.util.Arrays.copyOf(bytes, bytes.length - 4));

        QueueId delivered = store(spool, "delivered\r\n");

        FileSpool reopened = new FileSpool(root, Clock.systemUTC());
        assertThat(reopened.recover()).isEqualTo(1);
        // after the start, before the sweep: a message being committed (body renamed, envelope not
        // yet) and one being retired (its envelope moved to done/ first) are not incomplete ones
        QueueId committing = QueueId.next(System.currentTimeMillis() + 1);
        Files.writeString(root.resolve("queue/" + committing + ".body"), "new");
        Files.move(root.resolve("queue/" + delivered + ".env"), root.resolve("done/" + delivered + ".env"));
        assertThat(reopened.removeOrphanBodies()).isEqualTo(1);
        assertThat(root.resolve("queue/" + committing + ".body")).exists();
        assertThat(root.resolve("queue/" + delivered + ".body")).as("retired meanwhile, not an orphan").exists();
        Files.delete(root.resolve("queue/" + committing + ".body"));
        Files.delete(root.resolve("queue/" + delivered + ".body"));
        List<Envelope> all = new ArrayList<>();
        reopened.forEach(all::add);
        assertThat(all).extracting(Envelope::id).containsExactly(good);
        assertThat(root.resolve("queue/" + orphan + ".body")).doesNotExist();
        assertThat(root.resolve("corrupt/" + corrupt + ".env")).exists();
        assertThat(root.resolve("corrupt/" + corrupt + ".body")).exists();
    }

    @Test
    void updateRewritesTheEnvelopeAndRemoveDeletesBoth() throws IOException {
        FileSpool spool = new FileSpool(root, Clock.systemUTC());
        QueueId id = store(spool, "x\r\n");
        Envelope held = spool.load(id).withHeld(true);
        spool.update(held);
        assertThat(spool.load(id).held()).isTrue();
        spool.remove(id);
        assertThat(root.resolve("queue")).isEmptyDirectory();
        assertThatThrownBy(() -> spool.update(held)).isInstanceOf(IOException.class);
    }

    @Test
    void concurrentCommitsShareDirectorySyncsAndAllLand() throws Exception {
        FileSpool spool = new FileSpool(root, Clock.systemUTC());
        List<java.util.concurrent.Future<QueueId>> futures = new ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(16)) {
            for (int i = 0; i < 200; i++) {
                int n = i;
                futures.add(pool.submit(() -> store(spool, "message " + n + "\r\n")));
            }
        }
        List<QueueId> ids = new ArrayList<>();
        for (var f : futures) {
            ids.add(f.get());
        }
        List<Envelope> all = new ArrayList<>();
        new FileSpool(root, Clock.systemUTC()).forEach(all::add);
        assertThat(all).extracting(Envelope::id).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void queueIdsAreUniqueAndTimeOrdered() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(QueueId.next(1_700_000_000_000L + i / 100).value());
        }
        assertThat(ids).doesNotHaveDuplicates().isSorted();
        assertThat(QueueId.arrivalMillis(QueueId.next(1_800_000_123_456L))).isEqualTo(1_800_000_123_456L);
        assertThat(QueueId.next(1_800_000_000_000L).value()).isGreaterThan(ids.get(ids.size() - 1)).hasSize(12);
    }
}
