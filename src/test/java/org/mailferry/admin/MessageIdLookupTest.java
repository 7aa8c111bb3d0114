package org.mailferry.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.message.Address;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.message.Recipient;
import org.mailferry.queue.History;
import org.mailferry.queue.JournalSpool;
import org.mailferry.queue.MessageIds;
import org.mailferry.queue.Spool;

/**
 * GET /messages/{Message-ID} with many messages queued: an unknown Message-ID is answered from the
 * spool's in-memory index without reading one envelope or header block (before, every lookup read
 * them all); a known one is found with one read of each; a removed one is gone; after a restart
 * the index is built again. Reads are counted on the spool, not timed.
 */
class MessageIdLookupTest {
    private static final int QUEUED = 2_000;

    @TempDir
    Path root;

    @Test
    void anUnknownMessageIdReadsNothingAndAKnownOneIsFound() throws IOException {
        JournalSpool journal = new JournalSpool(root, Clock.systemUTC(), 64L << 20);
        journal.recover();
        QueueId first = store(journal, 0);
        assertThat(MessageStatus.find(journal, "<0@example.org>").envelope().id()).isEqualTo(first); // builds the index
        QueueId[] ids = new QueueId[QUEUED];
        for (int i = 1; i < QUEUED; i++) {
            ids[i] = store(journal, i); // noted as committed
        }
        Counting spool = new Counting(journal);

        assertThat(MessageStatus.find(spool, "<nobody@example.org>")).isNull();
        assertThat(MessageStatus.find(spool, "nobody@example.org")).isNull();
        System.out.println("Message-ID lookup among " + QUEUED + " queued: unknown id read " + spool.reads.get()
                + " envelopes/header blocks");
        assertThat(spool.reads.get()).as("envelope and header reads for an unknown Message-ID").isZero();

        MessageStatus known = MessageStatus.find(spool, "<1234@example.org>");
        assertThat(known.envelope().id()).isEqualTo(ids[1234]);
        assertThat(known.messageId()).isEqualTo("<1234@example.org>");
        assertThat(spool.reads.get()).as("one envelope and one header block").isEqualTo(2);

        journal.remove(ids[1234]);
        assertThat(MessageStatus.find(spool, "1234@example.org")).isNull();
        journal.close();

        JournalSpool restarted = new JournalSpool(root, Clock.systemUTC(), 64L << 20);
        restarted.recover();
        assertThat(MessageStatus.find(restarted, "<1999@example.org>").envelope().id()).isEqualTo(ids[1999]);
        assertThat(MessageStatus.find(restarted, "<1234@example.org>")).isNull();
        restarted.close();
    }

    @Test
    void theDefaultLookupStillScansForSpoolsWithoutAnIndex() throws IOException {
        JournalSpool journal = new JournalSpool(root, Clock.systemUTC(), 64L << 20);
        journal.recover();
        for (int i = 0; i < 20; i++) {
            store(journal, i);
        }
        Counting scanning = new Counting(journal);
        scanning.scan = true;
        assertThat(MessageStatus.find(scanning, "<7@example.org>").messageId()).isEqualTo("<7@example.org>");
        assertThat(scanning.reads.get()).as("what each lookup cost before the index").isGreaterThan(20);
        journal.close();
    }

    private static QueueId store(Spool spool, int n) throws IOException {
        try (Spool.Incoming in = spool.create()) {
            in.body().write(("Subject: " + n + "\r\nMessage-ID: <" + n + "@example.org>\r\n\r\nbody\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            spool.commit(in, new Envelope(in.id(), Instant.ofEpochMilli(1_700_000_000_000L),
                    new Address("app@example.com"), List.of(Recipient.pending(new Address("u@example.net"))), "7BIT",
                    false, 100, "", "", "[127.0.0.1]", 0, Instant.ofEpochMilli(1_700_000_000_000L), false, List.of()));
            return in.id();
        }
    }

    /** The spool, counting each read of an envelope or header block (and each whole-queue walk). */
    static final class Counting implements Spool, History {
        final AtomicInteger reads = new AtomicInteger();
        /** Uses the scan for spools without an index instead of the spool's index. */
        boolean scan;
        private final JournalSpool spool;

        Counting(JournalSpool spool) {
            this.spool = spool;
        }

        @Override
        public Incoming create() throws IOException {
            return spool.create();
        }

        @Override
        public void commit(Incoming incoming, Envelope envelope) throws IOException {
            spool.commit(incoming, envelope);
        }

        @Override
        public void update(Envelope envelope) throws IOException {
            spool.update(envelope);
        }

        @Override
        public Envelope load(QueueId id) throws IOException {
            reads.incrementAndGet();
            return spool.load(id);
        }

        @Override
        public List<QueueId> ids() throws IOException {
            return spool.ids();
        }

        @Override
        public InputStream openBody(QueueId id) throws IOException {
            reads.incrementAndGet();
            return spool.openBody(id);
        }

        @Override
        public void remove(QueueId id) throws IOException {
            spool.remove(id);
        }

        @Override
        public void retire(Envelope finished) throws IOException {
            spool.retire(finished);
        }

        @Override
        public Envelope find(QueueId id) throws IOException {
            reads.incrementAndGet();
            return spool.find(id);
        }

        @Override
        public byte[] headers(QueueId id) throws IOException {
            reads.incrementAndGet();
            return spool.headers(id);
        }

        @Override
        public int sweepFinished(Instant before) throws IOException {
            return spool.sweepFinished(before);
        }

        @Override
        public void forEachFinished(BiConsumer<Envelope, byte[]> each) throws IOException {
            spool.forEachFinished((e, h) -> {
                reads.incrementAndGet();
                each.accept(e, h);
            });
        }

        @Override
        public void forEach(Consumer<Envelope> each) throws IOException {
            spool.forEach(e -> {
                reads.incrementAndGet();
                each.accept(e);
            });
        }

        @Override
        public QueueId findMessageId(String messageId) throws IOException {
            return scan ? MessageIds.scan(this, this, messageId) : spool.findMessageId(messageId);
        }
    }
}
