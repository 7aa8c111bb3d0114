package org.mailferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.message.Address;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.message.Recipient;

class JournalSpoolTest {
    private static final long LIMIT = 128 * 1024;

    @TempDir
    Path root;

    static Envelope envelope(QueueId id) {
        return new Envelope(id, Instant.ofEpochMilli(1_700_000_000_000L), new Address("app@example.com"),
                List.of(Recipient.pending(new Address("u@example.net"))), "7BIT", false, 100, "", "", "[127.0.0.1]",
                0, Instant.ofEpochMilli(1_700_000_000_000L), false, List.of());
    }

    private JournalSpool open() throws IOException {
        JournalSpool spool = new JournalSpool(root, Clock.systemUTC(), LIMIT, 4096, Disk.system());
        spool.recover();
        return spool;
    }

    private static QueueId store(Spool spool, byte[] body) throws IOException {
        try (Spool.Incoming in = spool.create()) {
            for (byte b : body) {
                in.body().write(b); // as the SMTP data reader writes: a byte at a time
            }
            spool.commit(in, envelope(in.id()));
            return in.id();
        }
    }

    private static byte[] message(int size, char fill) {
        StringBuilder sb = new StringBuilder("Subject: journal test\r\nMessage-ID: <" + fill + "@example.org>\r\n\r\n");
        while (sb.length() < size - 2) {
            sb.append(fill);
        }
        return sb.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] body(Spool spool, QueueId id) throws IOException {
        try (InputStream in = spool.openBody(id)) {
            return in.readAllBytes();
        }
    }

    private List<Path> files(String dir) throws IOException {
        try (Stream<Path> s = Files.list(root.resolve(dir))) {
            return s.sorted().toList();
        }
    }

    private List<QueueId> queued(Spool spool) throws IOException {
        List<QueueId> ids = new ArrayList<>();
        spool.forEach(e -> ids.add(e.id()));
        return ids;
    }

    @Test
    void aSmallMessageIsOneJournalRecordAndComesBackByteExactAfterARestart() throws IOException {
        JournalSpool spool = open();
        byte[] text = message(4096, 'a');
        QueueId id = store(spool, text);
        assertThat(files("queue")).as("no queue files for a journal message").isEmpty();
        assertThat(files("journal")).hasSize(1);
        for (String dir : List.of("journal", "queue", "tmp", "done", "corrupt")) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(root.resolve(dir)))).as(dir + ": owner only").isEqualTo("rwx------");
        }
        assertThat(body(spool, id)).isEqualTo(text);
        spool.close();

        JournalSpool reopened = open();
        assertThat(queued(reopened)).containsExactly(id);
        assertThat(reopened.load(id)).isEqualTo(envelope(id));
        assertThat(body(reopened, id)).isEqualTo(text);
        assertThat(reopened.count()).isEqualTo(1);
        assertThat(new String(reopened.headers(id), StandardCharsets.US_ASCII)).contains("Message-ID: <a@example.org>");
    }

    @Test
    void aBodyWrittenFromItsOwnArrayComesBackByteExactAfterARestart() throws IOException {
        JournalSpool spool = open();
        byte[] large = message(100_000, 'L'); // over JournalRecord.COPIED_BODY_BYTES: head, then the body's array
        byte[] edge = message(JournalRecord.COPIED_BODY_BYTES + 1, 'E');
        byte[] small = message(JournalRecord.COPIED_BODY_BYTES, 'S'); // one buffer
        QueueId l = store(spool, large);
        QueueId e = store(spool, edge);
        QueueId s = store(spool, small);
        assertThat(files("queue")).as("all three in the journal").isEmpty();
        spool.close();

        JournalSpool reopened = open();
        assertThat(queued(reopened)).as("each record's CRC checked by the scan").containsExactlyInAnyOrder(l, e, s);
        assertThat(body(reopened, l)).isEqualTo(large);
        assertThat(body(reopened, e)).isEqualTo(edge);
        assertThat(body(reopened, s)).isEqualTo(small);
        assertThat(new String(reopened.headers(l), StandardCharsets.US_ASCII)).contains("Message-ID: <L@example.org>");
    }

    @Test
    void deliveredDeferredAndDeletedMessagesLeaveTheJournalForGood() throws IOException {
        JournalSpool spool = open();
        QueueId delivered = store(spool, message(300, 'd'));
        QueueId deferred = store(spool, message(300, 'e'));
        QueueId deleted = store(spool, message(300, 'f'));
        QueueId waiting = store(spool, message(300, 'g'));

        Envelope finished = spool.load(delivered).afterAttempt(
                List.of(Recipient.pending(new Address("u@example.net")).with(Recipient.State.DELIVERED, "250 ok")),
                Instant.EPOCH, List.of());
        spool.retire(finished);
        Envelope later = spool.load(deferred).afterAttempt(spool.load(deferred).recipients(),
                Instant.ofEpochMilli(1_700_000_600_000L), List.of());
        spool.update(later);
        spool.remove(deleted);

        assertThat(files("queue")).extracting(p -> p.getFileName().toString())
                .containsExactlyInAnyOrder(deferred + ".body", deferred + ".env");
        assertThat(spool.find(delivered)).isEqualTo(finished);
        assertThat(new String(spool.headers(delivered), StandardCharsets.US_ASCII)).contains("<d@example.org>");
        assertThat(body(spool, deferred)).isEqualTo(message(300, 'e'));
        spool.close();

        JournalSpool reopened = open();
        assertThat(queued(reopened)).containsExactlyInAnyOrder(deferred, waiting);
        assertThat(reopened.load(deferred)).isEqualTo(later);
        assertThat(reopened.find(delivered)).as("history read back from its log").isEqualTo(finished);
        assertThat(new String(reopened.headers(delivered), StandardCharsets.US_ASCII)).contains("<d@example.org>");
        assertThat(reopened.find(deleted)).isNull();
        assertThat(files("done")).extracting(p -> p.getFileName().toString())
                .as("one log, no file per message").singleElement().asString().startsWith("history-");
    }

    @Test
    void aMoveToFilesCutBetweenItsRenamesDoesNotLoseTheMessageWhenItMovesAgain() throws IOException {
        JournalSpool spool = open();
        byte[] text = message(300, 'o');
        QueueId id = store(spool, text);
        QueueId orphan = store(spool, message(300, 'p'));
        spool.close();
        // the power failed during its move to files: the body renamed into queue/, the envelope not
        Files.write(root.resolve("queue").resolve(id + ".body"), text);
        Files.write(root.resolve("queue").resolve("2NZN0WDFTYAB.body"), text); // a body no one owns
        JournalSpool reopened = open(); // recover() notes both bodies without an envelope
        assertThat(queued(reopened)).containsExactlyInAnyOrder(id, orphan);
        // before the background clean-up ran, its attempt deferred again: moved to files, same id
        Envelope later = reopened.load(id).afterAttempt(reopened.load(id).recipients(),
                Instant.ofEpochMilli(1_700_000_600_000L), List.of());
        reopened.update(later);
        assertThat(reopened.removeOrphanBodies()).as("only the body no one owns").isEqualTo(1);
        assertThat(body(reopened, id)).isEqualTo(text);
        reopened.close();

        JournalSpool again = open();
        assertThat(queued(again)).containsExactlyInAnyOrder(id, orphan);
        assertThat(again.load(id)).isEqualTo(later);
        assertThat(body(again, id)).isEqualTo(text);
        assertThat(files("queue")).extracting(p -> p.getFileName().toString())
                .containsExactlyInAnyOrder(id + ".body", id + ".env");
    }

    @Test
    void headerBlocksAreKeptFromTheCommitWithinABudgetNotReadBackFromTheSegment() throws IOException {
        JournalSpool spool = open();
        QueueId first = store(spool, message(4096, 'h'));
        wipeSegments(); // what is still right after this came from memory, not from the segment
        byte[] block = "Subject: journal test\r\nMessage-ID: <h@example.org>\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(spool.headerBlock(first)).isEqualTo(block);
        assertThat(HeaderBlock.read(spool, first)).as("what a delivery's events read").isEqualTo(block);
        assertThat(body(spool, first)).as("the segment itself was wiped").isNotEqualTo(message(4096, 'h'));
        spool.retire(delivered(spool, first));
        assertThat(spool.headers(first)).as("the history record, written from the kept block").isEqualTo(block);

        // past the budget, header blocks are read back from the segment as before
        int fill = 100_000;
        long size = bigHeaders(0, fill).length;
        int fits = (int) (Journal.HEADERS_BUDGET_BYTES / size);
        List<QueueId> ids = new ArrayList<>();
        for (int i = 0; i < fits + 3; i++) {
            ids.add(store(spool, bigHeaders(i, fill)));
        }
        wipeSegments();
        int kept = 0;
        for (int i = 0; i < ids.size(); i++) {
            if (java.util.Arrays.equals(spool.headerBlock(ids.get(i)), headerBlockOf(bigHeaders(i, fill)))) {
                kept++;
            }
        }
        assertThat(kept).isEqualTo(fits);
        spool.retire(delivered(spool, ids.get(0))); // gives its share back
        QueueId next = store(spool, bigHeaders(99, fill));
        wipeSegments();
        assertThat(spool.headerBlock(next)).isEqualTo(headerBlockOf(bigHeaders(99, fill)));
        spool.close();
    }

    private static byte[] bigHeaders(int n, int fill) {
        return ("Subject: big\r\nMessage-ID: <" + n + "@example.org>\r\nX-Fill: " + "f".repeat(fill)
                + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] headerBlockOf(byte[] message) {
        return HeaderBlock.read(message, message.length);
    }

    private static Envelope delivered(Spool spool, QueueId id) throws IOException {
        return spool.load(id).afterAttempt(List.of(Recipient.pending(new Address("u@example.net"))
                .with(Recipient.State.DELIVERED, "250 ok")), Instant.EPOCH, List.of());
    }

    /** Overwrites every journal segment with zeros, its length kept. */
    private void wipeSegments() throws IOException {
        for (Path p : files("journal")) {
            try (var ch = java.nio.channels.FileChannel.open(p, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.allocate((int) ch.size()), 0);
            }
        }
    }

    @Test
    void historyIsFoundAfterTheClockWasSteppedBack() throws IOException {
        // The id generator never goes back: after the clock steps back 3 hours (NTP, a VM restored),
        // new ids still carry the later time, and the history log must not be named before them.
        QueueId.next(System.currentTimeMillis());
        Clock behind = Clock.offset(Clock.systemUTC(), java.time.Duration.ofHours(-3));
        JournalSpool spool = new JournalSpool(root, behind, LIMIT, 4096, Disk.system());
        QueueId id = store(spool, message(300, 'b'));
        Envelope f = spool.load(id).afterAttempt(List.of(Recipient.pending(new Address("u@example.net"))
                .with(Recipient.State.DELIVERED, "250 ok")), Instant.EPOCH, List.of());
        spool.retire(f);
        spool.close();
        JournalSpool reopened = new JournalSpool(root, behind, LIMIT, 4096, Disk.system());
        assertThat(reopened.find(id)).as("found in its log after a restart").isEqualTo(f);
        reopened.close();
    }

    @Test
    void historyIsListedWithHeadersAndSweptByAge() throws IOException {
        JournalSpool spool = open();
        List<Envelope> finished = new ArrayList<>();
        for (char c : new char[] {'r', 's', 't'}) {
            QueueId id = store(spool, message(300, c));
            Envelope f = spool.load(id).afterAttempt(List.of(Recipient.pending(new Address("u@example.net"))
                    .with(Recipient.State.DELIVERED, "250 ok")), Instant.EPOCH, List.of());
            spool.retire(f);
            finished.add(f);
        }
        spool.close();
        JournalSpool reopened = open();
        List<String> seen = new ArrayList<>();
        reopened.forEachFinished((env, headers) -> seen.add(env.id() + " "
                + org.mailferry.queue.HeaderBlock.field(headers, "Message-ID")));
        assertThat(seen).containsExactly(finished.get(0).id() + " <r@example.org>",
                finished.get(1).id() + " <s@example.org>", finished.get(2).id() + " <t@example.org>");
        assertThat(reopened.find(finished.get(1).id())).isEqualTo(finished.get(1));
        assertThat(reopened.sweepFinished(Instant.now().minusSeconds(3600))).as("younger than the cut").isZero();
        assertThat(reopened.sweepFinished(Instant.now().plusSeconds(60))).isEqualTo(3);
        assertThat(reopened.find(finished.get(1).id())).isNull();
        assertThat(files("done")).isEmpty();
    }

    /** Where a segment's records end: before the zeros written ahead of them. */
    static long recordsEnd(Path segment) throws IOException {
        byte[] b = Files.readAllBytes(segment);
        int end = b.length;
        while (end > 0 && b[end - 1] == 0) {
            end--;
        }
        return end;
    }

    @Test
    void aCleanSegmentEndsAtItsZerosWithoutAWordInTheLog() throws IOException {
        JournalSpool spool = open();
        QueueId first = store(spool, message(500, 'z'));
        spool.close();
        try (org.mailferry.testing.LogCapture log = new org.mailferry.testing.LogCapture("mailferry.spool")) {
            assertThat(queued(open())).containsExactly(first);
            assertThat(log.lines()).noneMatch(l -> l.contains("torn tail") || l.contains("unreadable"));
        }
    }

    @Test
    void aTornTailIsIgnoredAndEverythingBeforeItRecovered() throws IOException {
        JournalSpool spool = open();
        QueueId first = store(spool, message(500, 'h'));
        QueueId second = store(spool, message(500, 'i'));
        spool.close();
        Path segment = files("journal").get(0);
        long size = recordsEnd(segment);
        assertThat(Files.size(segment)).as("zeros written ahead of the records").isGreaterThan(size);
        // a crash inside the next append: a header and part of its payload, never acknowledged
        byte[] whole = Files.readAllBytes(segment);
        try (var ch = java.nio.channels.FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(whole, 0, 200), size);
        }
        try (org.mailferry.testing.LogCapture log = new org.mailferry.testing.LogCapture("mailferry.spool")) {
            assertThat(queued(open())).containsExactlyInAnyOrder(first, second);
            assertThat(log.lines()).anyMatch(l -> l.contains("torn tail at offset " + size));
        }

        // a flipped bit in the second record: its CRC fails, the scan stops there
        byte[] bytes = Files.readAllBytes(segment);
        bytes[(int) (size - 10)] ^= 0x20;
        Files.write(segment, bytes);
        assertThat(queued(open())).containsExactly(first);
    }

    @Test
    void aMessageMovedToFilesIsNotReplayedWhenItsMarkWasLost() throws IOException {
        JournalSpool spool = open();
        QueueId id = store(spool, message(400, 'j'));
        Path segment = files("journal").get(0);
        byte[] beforeMark = Files.readAllBytes(segment);
        spool.update(spool.load(id).withHeld(true));
        spool.close();
        Files.write(segment, beforeMark); // the MOVED mark never reached the disk

        JournalSpool reopened = open();
        assertThat(queued(reopened)).containsExactly(id);
        assertThat(reopened.load(id).held()).as("the files' version wins").isTrue();
    }

    @Test
    void largeMessagesAndALimitOfZeroUseFiles() throws IOException {
        JournalSpool spool = open();
        byte[] big = message((int) LIMIT + 1000, 'k');
        QueueId large = store(spool, big);
        assertThat(files("queue")).extracting(p -> p.getFileName().toString())
                .containsExactlyInAnyOrder(large + ".body", large + ".env");
        assertThat(body(spool, large)).isEqualTo(big);

        JournalSpool filesOnly = new JournalSpool(root, Clock.systemUTC(), 0);
        QueueId small = store(filesOnly, message(100, 'l'));
        assertThat(root.resolve("queue/" + small + ".body")).exists();
        assertThat(queued(open())).containsExactlyInAnyOrder(large, small);
    }

    @Test
    void aReaderSuchAsMailqDoesNotCreateTheJournal() throws IOException {
        assertThat(new JournalSpool(root, Clock.systemUTC(), 0).ids()).isEmpty();
        assertThat(root.resolve("journal")).doesNotExist();
    }

    @Test
    void messagesBeingReceivedShareABoundedMemoryBudgetThenSpillToFiles() throws IOException {
        JournalSpool spool = open();
        byte[] chunk = new byte[64 * 1024];
        List<Spool.Incoming> open = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) { // 300 x 128 KiB: more than the 32 MiB budget
                Spool.Incoming in = spool.create();
                open.add(in);
                in.body().write(chunk);
                in.body().write(chunk, 0, chunk.length - 100);
            }
            assertThat(files("tmp")).as("the ones past the budget are in files").hasSizeBetween(30, 60);
        } finally {
            open.forEach(Spool.Incoming::close);
        }
        assertThat(files("tmp")).isEmpty();
        QueueId afterwards = store(spool, message(100_000, 'x'));
        assertThat(files("queue")).as("the budget is back: memory, then the journal").isEmpty();
        assertThat(body(spool, afterwards)).isEqualTo(message(100_000, 'x'));
    }

    @Test
    void anAbandonedMessageLeavesNothingBehind() throws IOException {
        JournalSpool spool = open();
        try (Spool.Incoming in = spool.create()) {
            in.body().write(message(200_000, 'm')); // spilled to a file, then dropped
        }
        try (Spool.Incoming in = spool.create()) {
            in.body().write(message(100, 'n'));
        }
        assertThat(files("tmp")).isEmpty();
        assertThat(files("queue")).isEmpty();
        assertThat(queued(open())).isEmpty();
    }

    @Test
    void segmentsAreDeletedOldestFirstOnceNothingInThemIsLive() throws IOException {
        JournalSpool spool = open(); // 4 KiB segments: each message fills one
        List<QueueId> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ids.add(store(spool, message(4200, (char) ('p' + i))));
        }
        assertThat(files("journal")).hasSize(4);
        // the newest ones end first: their segments must stay while the oldest is live, or
        // their marks (which sit in newer segments) would be lost with them
        spool.remove(ids.get(3));
        spool.remove(ids.get(2));
        spool.remove(ids.get(1));
        assertThat(files("journal")).hasSizeGreaterThanOrEqualTo(4);
        spool.remove(ids.get(0));
        assertThat(files("journal")).as("only the segment being written stays").hasSize(1);
        spool.close();
        assertThat(queued(open())).isEmpty();
    }

    @Test
    void concurrentCommitsAllLandAndShareSyncs() throws Exception {
        JournalSpool spool = new JournalSpool(root, Clock.systemUTC(), LIMIT);
        spool.recover();
        List<java.util.concurrent.Future<QueueId>> futures = new ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(16)) {
            for (int i = 0; i < 300; i++) {
                int n = i;
                futures.add(pool.submit(() -> store(spool, message(1000 + n, (char) ('a' + n % 26)))));
            }
        }
        List<QueueId> ids = new ArrayList<>();
        for (var f : futures) {
            ids.add(f.get());
        }
        spool.close();
        JournalSpool reopened = open();
        assertThat(queued(reopened)).containsExactlyInAnyOrderElementsOf(ids);
        for (int i = 0; i < ids.size(); i++) {
            assertThat(body(reopened, ids.get(i))).isEqualTo(message(1000 + i, (char) ('a' + i % 26)));
        }
    }
}
