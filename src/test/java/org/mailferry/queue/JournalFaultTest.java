package org.mailferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.message.QueueId;
import org.mailferry.testing.FaultyDisk;
import org.mailferry.testing.LogCapture;

/** The spool on a disk that fails writes and syncs, or loses power ({@link FaultyDisk}). */
class JournalFaultTest {
    private static final long LIMIT = 128 * 1024;

    @TempDir
    Path root;

    private JournalSpool open(Disk disk) throws IOException {
        JournalSpool spool = new JournalSpool(root, Clock.systemUTC(), LIMIT, disk);
        spool.recover();
        return spool;
    }

    private static QueueId store(Spool spool, String text) throws IOException {
        try (Spool.Incoming in = spool.create()) {
            in.body().write(text.getBytes(StandardCharsets.US_ASCII));
            spool.commit(in, JournalSpoolTest.envelope(in.id()));
            return in.id();
        }
    }

    private static Map<QueueId, String> queued(Spool spool) throws IOException {
        Map<QueueId, String> out = new HashMap<>();
        for (QueueId id : spool.ids()) {
            try (InputStream in = spool.openBody(id)) {
                out.put(id, new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            }
        }
        return out;
    }

    private long segments() throws IOException {
        try (Stream<Path> s = Files.list(root.resolve("journal"))) {
            return s.count();
        }
    }

    private static String text(char c, int n) {
        return "Subject: " + c + "\r\n\r\n" + String.valueOf(c).repeat(n) + "\r\n";
    }

    @Test
    void afterAFailedSyncTheSegmentTakesNoMoreAppendsAndLaterAcknowledgedMessagesSurvive() throws IOException {
        FaultyDisk disk = new FaultyDisk(root);
        JournalSpool spool = open(disk);
        QueueId a = store(spool, text('a', 300));
        disk.failSyncs(true); // the fdatasync fails and drops the pages it covered (Linux)
        assertThatThrownBy(() -> store(spool, text('b', 300))).hasMessageContaining("Input/output error");
        disk.failSyncs(false);
        QueueId c = store(spool, text('c', 300));
        QueueId d = store(spool, text('d', 300));
        assertThat(segments()).as("the next commit started a new segment").isGreaterThanOrEqualTo(2);
        spool.close();

        try (LogCapture log = new LogCapture("mailferry.spool")) {
            assertThat(queued(open(Disk.system()))).as("acknowledged before and after the failure")
                    .isEqualTo(Map.of(a, text('a', 300), c, text('c', 300), d, text('d', 300)));
            // the dropped pages read back as zeros, like those written ahead of the records: the end
            assertThat(log.lines()).noneMatch(l -> l.contains("unreadable byte(s)"));
        }
    }

    @Test
    void aRefusedMessageWhoseBytesReachedTheDiskIsNotReplayed() throws IOException {
        FaultyDisk disk = new FaultyDisk(root).dropPagesOnFailedSync(false); // EIO, but written anyway
        JournalSpool spool = open(disk);
        QueueId a = store(spool, text('a', 200));
        disk.failSyncs(true);
        assertThatThrownBy(() -> store(spool, text('b', 200))).isInstanceOf(IOException.class);
        disk.failSyncs(false);
        spool.close(); // no commit since: the refusal was made durable at once
        assertThat(queued(open(Disk.system())).keySet()).containsExactly(a);
    }

    @Test
    void aFailedWriteClosesTheSegmentAndTheNextCommitStartsANewOne() throws IOException {
        FaultyDisk disk = new FaultyDisk(root);
        JournalSpool spool = open(disk);
        QueueId a = store(spool, text('a', 200));
        disk.failWrites(true); // half the record is written, then EIO
        assertThatThrownBy(() -> store(spool, text('b', 5000))).hasMessageContaining("Input/output error");
        disk.failWrites(false);
        QueueId c = store(spool, text('c', 200));
        spool.close();
        assertThat(segments()).isEqualTo(2);
        assertThat(queued(open(Disk.system())).keySet()).containsExactlyInAnyOrder(a, c);
    }

    @Test
    void aBadRecordInTheMiddleHidesNothingAfterIt() throws IOException {
        JournalSpool spool = open(Disk.system());
        QueueId a = store(spool, text('a', 400));
        long end = JournalSpoolTest.recordsEnd(root.resolve("journal").toFile().listFiles()[0].toPath());
        QueueId b = store(spool, text('b', 400));
        QueueId c = store(spool, text('c', 400));
        spool.close();
        Path segment = root.resolve("journal").toFile().listFiles()[0].toPath();
        byte[] bytes = Files.readAllBytes(segment);
        java.util.Arrays.fill(bytes, (int) end + 2, (int) end + 300, (byte) 0); // b's header and more: zeroed
        Files.write(segment, bytes);
        try (LogCapture log = new LogCapture("mailferry.spool")) {
            assertThat(queued(open(Disk.system())).keySet()).containsExactlyInAnyOrder(a, c);
            assertThat(log.lines()).anyMatch(l -> l.matches(".*: \\d+ unreadable byte\\(s\\) at offset " + end
                    + " skipped; valid records resume at offset \\d+"));
        }
    }

    @Test
    void removeHoldAndBounceSurviveAPowerCut() throws IOException {
        FaultyDisk disk = new FaultyDisk(root);
        JournalSpool spool = open(disk);
        QueueId removed = store(spool, text('r', 100));
        QueueId held = store(spool, text('h', 200_000)); // a file message
        QueueId moved = store(spool, text('m', 100));
        QueueId bounced = store(spool, text('b', 100));
        spool.remove(removed);
        spool.retire(spool.load(bounced).afterAttempt(List.of(org.mailferry.message.Recipient.pending(
                new org.mailferry.message.Address("u@example.net")).with(org.mailferry.message.Recipient.State.FAILED,
                "550 no such user")), java.time.Instant.EPOCH, List.of()));
        spool.update(spool.load(held).withHeld(true));
        spool.update(spool.load(moved).withHeld(true)); // from the journal to files
        disk.cut();
        spool.close();
        disk.restore();
        JournalSpool after = open(Disk.system());
        assertThat(queued(after).keySet()).containsExactlyInAnyOrder(held, moved);
        assertThat(after.load(held).held()).isTrue();
        assertThat(after.load(moved).held()).isTrue();
    }

    @Test
    void concurrentCommitsThroughASyncFailureWindowAndAPowerCutLoseNothingAcknowledged() throws Exception {
        FaultyDisk disk = new FaultyDisk(root);
        JournalSpool spool = new JournalSpool(root, Clock.systemUTC(), LIMIT, 64 * 1024, disk);
        spool.recover();
        Map<QueueId, String> acked = new ConcurrentHashMap<>();
        List<String> refused = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Future<?>> futures = new ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < 400; i++) {
                int n = i;
                if (n == 100) {
                    futures.forEach(JournalFaultTest::join);
                    disk.failSyncs(true);
                }
                if (n == 200) {
                    futures.forEach(JournalFaultTest::join);
                    disk.failSyncs(false);
                }
                futures.add(pool.submit(() -> {
                    String t = text((char) ('a' + n % 26), 100 + n * 7 % 3000);
                    try {
                        acked.put(store(spool, t), t);
                    } catch (IOException e) {
                        refused.add(t);
                    }
                }));
            }
            futures.forEach(JournalFaultTest::join);
        }
        disk.cut();
        spool.close();
        disk.restore();
        Map<QueueId, String> after = queued(open(Disk.system()));
        assertThat(refused).as("every commit in the window").hasSizeGreaterThanOrEqualTo(100);
        assertThat(after).as("every acknowledged message, byte-exact, and no refused one").isEqualTo(acked);
    }

    private static void join(Future<?> f) {
        try {
            f.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
