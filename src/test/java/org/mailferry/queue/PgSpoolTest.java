package org.mailferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.message.Recipient;
import org.mailferry.testing.MutableClock;
import org.mailferry.testing.PgCluster;

/** PgSpool on one node against a real PostgreSQL 15 (a throwaway cluster, a new database per test). */
class PgSpoolTest {
    private static PgCluster pg;

    @AutoClose
    HikariDataSource db;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T09:00:00Z"));
    private PgSpool spool;
    private String url;

    @BeforeAll
    static void cluster() throws Exception {
        pg = PgCluster.shared();
    }

    @BeforeEach
    void database() throws Exception {
        url = pg.newDatabase();
        db = PgPool.open(url, PgCluster.USER, pg.password, 4);
        assertThat(PgSchema.migrate(db, "test")).isEqualTo(PgSchema.VERSION);
        spool = new PgSpool(db, clock, new PgLeases(db, "test-node", java.time.Duration.ofSeconds(60), clock));
    }

    private static byte[] message(int size, String messageId) {
        StringBuilder sb = new StringBuilder("Subject: pg test\r\nMessage-ID: <" + messageId + ">\r\n\r\n");
        Random r = new Random(size);
        while (sb.length() < size - 2) {
            sb.append((char) ('a' + r.nextInt(26)));
        }
        return sb.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    private QueueId store(byte[] body) throws IOException {
        try (Spool.Incoming in = spool.create()) {
            for (int off = 0; off < body.length; off += 1000) { // as the data reader: in pieces
                in.body().write(body, off, Math.min(1000, body.length - off));
            }
            spool.commit(in, JournalSpoolTest.envelope(in.id()));
            return in.id();
        }
    }

    private byte[] body(QueueId id) throws IOException {
        try (InputStream in = spool.openBody(id)) {
            return in.readAllBytes();
        }
    }

    private long rows(String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    @Test
    void aCommittedMessageIsQueuedWithItsBodyByteExactAndFoundByMessageId() throws Exception {
        byte[] text = message(4096, "one@example.org");
        QueueId id = store(text);

        assertThat(spool.ids()).containsExactly(id);
        assertThat(spool.load(id)).isEqualTo(JournalSpoolTest.envelope(id));
        assertThat(body(id)).isEqualTo(text);
        List<QueueId> each = new ArrayList<>();
        spool.forEach(e -> each.add(e.id()));
        assertThat(each).containsExactly(id);
        assertThat(new String(spool.headers(id), StandardCharsets.US_ASCII))
                .isEqualTo("Subject: pg test\r\nMessage-ID: <one@example.org>\r\n\r\n");
        assertThat(spool.findMessageId(" <one@example.org> ")).isEqualTo(id);
        assertThat(spool.findMessageId("other@example.org")).isNull();
        assertThat(spool.count()).isEqualTo(1);
        assertThat(rows("SELECT count(*) FROM body_chunk")).isEqualTo(1);
    }

    @Test
    void aLargeBodyIsStoredInChunksAndReadBackByteExact() throws Exception {
        int size = 5 * PgIncoming.CHUNK_BYTES / 2 + 17; // two full chunks and a part
        byte[] text = message(size, "large@example.org");
        QueueId id = store(text);

        assertThat(rows("SELECT count(*) FROM body_chunk")).isEqualTo(3);
        assertThat(rows("SELECT max(length(data)) FROM body_chunk")).isEqualTo(PgIncoming.CHUNK_BYTES);
        assertThat(body(id)).isEqualTo(text);
        byte[] exact = message(2 * PgIncoming.CHUNK_BYTES, "exact@example.org"); // ends on a chunk's end
        assertThat(body(store(exact))).isEqualTo(exact);
    }

    @Test
    void aMessageNotCommittedLeavesNothingSmallOrLarge() throws Exception {
        for (int size : new int[] {4096, 3 * PgIncoming.CHUNK_BYTES}) {
            try (Spool.Incoming in = spool.create()) {
                in.body().write(message(size, "gone@example.org"));
            }
        }
        assertThat(spool.ids()).isEmpty();
        assertThat(rows("SELECT count(*) FROM body_chunk")).isZero();
        assertThat(rows("SELECT count(*) FROM message")).isZero();
    }

    @Test
    void updateRewritesTheEnvelopeAndAnUnknownMessageIsNoSuchFile() throws Exception {
        QueueId id = store(message(1000, "u@example.org"));
        Envelope held = spool.load(id).withHeld(true).withNextAttempt(Instant.parse("2026-12-05T10:00:00Z"));
        spool.update(held);
        assertThat(spool.load(id)).isEqualTo(held);
        assertThat(rows("SELECT next_attempt_ms FROM message")).isEqualTo(held.nextAttempt().toEpochMilli());

        QueueId unknown = QueueId.next(clock.millis());
        assertThatThrownBy(() -> spool.load(unknown)).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> spool.update(JournalSpoolTest.envelope(unknown))).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> spool.openBody(unknown)).isInstanceOf(NoSuchFileException.class);
        assertThat(spool.find(unknown)).isNull();
        assertThat(spool.headers(unknown)).isEmpty();
    }

    @Test
    void aRetiredMessageLeavesTheQueueKeepsItsHistoryUntilSweptAndItsBodyGoes() throws Exception {
        QueueId id = store(message(1000, "r@example.org"));
        Envelope e = spool.load(id);
        Envelope done = e.withRecipients(List.of(e.recipients().get(0).with(Recipient.State.DELIVERED, "250 ok")), List.of());
        spool.retire(done);

        assertThat(spool.ids()).isEmpty();
        assertThatThrownBy(() -> spool.load(id)).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> spool.update(done)).isInstanceOf(NoSuchFileException.class);
        assertThat(spool.find(id)).isEqualTo(done);
        assertThat(spool.headers(id)).isNotEmpty();
        assertThat(spool.findMessageId("r@example.org")).isEqualTo(id);
        assertThat(rows("SELECT count(*) FROM body_chunk")).isZero();
        List<QueueId> finished = new ArrayList<>();
        spool.forEachFinished((env, headers) -> finished.add(env.id()));
        assertThat(finished).containsExactly(id);

        assertThat(spool.sweepFinished(clock.instant())).isZero(); // retired at this instant: not before it
        clock.advance(java.time.Duration.ofSeconds(1));
        assertThat(spool.sweepFinished(clock.instant())).isEqualTo(1);
        assertThat(spool.find(id)).isNull();
    }

    @Test
    void removeForgetsTheMessageAndItsBody() throws Exception {
        QueueId id = store(message(3 * PgIncoming.CHUNK_BYTES, "d@example.org"));
        spool.remove(id);
        assertThat(spool.find(id)).isNull();
        assertThat(rows("SELECT count(*) FROM body_chunk")).isZero();
        spool.remove(id); // an unknown id: nothing happens
    }

    @Test
    void everyConnectionCommitsSynchronouslyWhateverTheDatabaseDefault() throws Exception {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + url.substring(url.lastIndexOf('/') + 1) + " SET synchronous_commit = off");
        }
        try (HikariDataSource other = PgPool.open(url, PgCluster.USER, pg.password, 1);
             Connection c = other.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SHOW synchronous_commit")) {
            r.next();
            assertThat(r.getString(1)).isEqualTo("on");
        }
    }

    @Test
    void theSchemaIsAppliedOnceAndANewerSchemaIsRefused() throws Exception {
        assertThat(PgSchema.migrate(db, "test")).isZero();
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO mailferry_schema VALUES (" + (PgSchema.VERSION + 1) + ", 0, 'a newer release')");
        }
        assertThatThrownBy(() -> PgSchema.migrate(db, "test")).isInstanceOf(PgSchema.WrongVersion.class)
                .hasMessageContaining("schema is version " + (PgSchema.VERSION + 1))
                .hasMessageContaining("upgrade this node");
    }

    @Test
    void aWrongPasswordIsAClearErrorNotAStackTrace() {
        try (HikariDataSource wrong = PgPool.open(url, PgCluster.USER, "not-the-password", 1)) {
            assertThatThrownBy(() -> PgSchema.migrate(wrong, "test")).isInstanceOf(IOException.class)
                    .hasMessageContaining("password authentication failed for user \"mailferry\"")
                    .hasMessageNotContaining("not-the-password");
        }
    }

    @Test
    void whileTheDatabaseIsDownACommitFailsAndAfterwardsTheSamePoolWorksAgain() throws Exception {
        QueueId before = store(message(1000, "b@example.org"));
        pg.stop();
        try {
            long start = System.nanoTime();
            assertThatThrownBy(() -> store(message(1000, "down@example.org"))).isInstanceOf(IOException.class)
                    .hasMessageStartingWith("PostgreSQL: ");
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(PgPool.CONNECT_TIMEOUT.toMillis() + 3000);
            assertThatThrownBy(() -> spool.ids()).isInstanceOf(IOException.class);
            assertThat(spool.count()).isEqualTo(-1);
        } finally {
            pg.startServer();
        }
        QueueId after = store(message(1000, "a@example.org"));
        assertThat(spool.ids()).containsExactlyInAnyOrder(before, after);
    }

    @Test
    void aLeaseTakenByIdBringsTheRowSoTheAttemptReadsNothingBack() throws Exception {
        spool.leases().prefetch(0); // the node holds enough: it accepts without a lease
        byte[] text = message(4096, "taken@example.org");
        QueueId id = store(text);
        assertThat(rows("SELECT count(*) FROM message WHERE lease_node IS NULL")).isEqualTo(1);

        assertThat(spool.leases().take(id)).isTrue(); // a worker is free: one statement
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM body_chunk"); // what the attempt reads must come with the lease
            s.executeUpdate("UPDATE message SET envelope = ''::bytea");
        }
        assertThat(spool.load(id)).isEqualTo(JournalSpoolTest.envelope(id));
        assertThat(body(id)).isEqualTo(text);
        assertThat(new String(spool.headers(id), StandardCharsets.US_ASCII)).contains("taken@example.org");

        spool.leases().release(id); // no longer held: read from the database again
        assertThat(body(id)).isEmpty();
    }

    @Test
    void aNodeWhoseLeaseLapsedReadsWhatAnotherNodeChangedNotWhatItKept() throws Exception {
        QueueId id = store(message(1000, "lapse@example.org")); // leased to this node, kept in its memory
        PgLeases otherLeases = new PgLeases(db, "other-node", java.time.Duration.ofSeconds(60), clock);
        PgSpool other = new PgSpool(db, clock, otherLeases);
        assertThat(otherLeases.take(id)).as("another node, while this one's lease holds").isFalse();

        clock.advance(java.time.Duration.ofSeconds(61)); // this node stalled: its lease lapsed
        assertThat(otherLeases.take(id)).isTrue();
        other.update(other.load(id).withHeld(true));

        assertThat(spool.leases().take(id)).as("taken again from the database").isTrue();
        assertThat(spool.load(id).held()).as("the other node's change, not the envelope kept at commit").isTrue();
        assertThat(otherLeases.take(id)).as("this node holds it again").isFalse();
    }

    @Test
    void aFlushWakesTheOtherNodesAndTheyClaimWhatIsDue() throws Exception {
        QueueId id = store(message(1000, "wake@example.org"));
        spool.update(spool.load(id).withNextAttempt(clock.instant().plusSeconds(600))); // deferred, lease ended
        PgLeases otherLeases = new PgLeases(db, "other-node", java.time.Duration.ofSeconds(60), clock).start();
        try {
            assertThat(otherLeases.claimDue(10)).as("not due yet").isEmpty();
            Thread.sleep(1000);
            otherLeases.awaitWork(java.time.Duration.ofMillis(10)); // the wake-up of its LISTEN connecting
            Thread waiter = Thread.ofVirtual().start(() -> {
                try {
                    otherLeases.awaitWork(java.time.Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Thread.sleep(500);
            assertThat(waiter.isAlive()).as("nothing woke it yet").isTrue();
            long t = System.nanoTime();
            spool.update(spool.load(id).withNextAttempt(clock.instant())); // a flush on this node
            waiter.join(10_000);
            assertThat((System.nanoTime() - t) / 1_000_000).as("woken by NOTIFY, not the 30 s timeout").isLessThan(5000);
            assertThat(otherLeases.claimDue(10)).extracting(Envelope::id).containsExactly(id);
            assertThat(spool.leases().take(id)).as("leased to the other node").isFalse();
        } finally {
            otherLeases.close();
        }
    }
}
