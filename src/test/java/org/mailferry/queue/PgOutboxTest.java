package org.mailferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.testing.MutableClock;
import org.mailferry.testing.PgCluster;

/**
 * The webhook outbox in a real PostgreSQL 15: rows written by the state change's own statement
 * (or not at all), claimed by one node at a time, a message's rows in order, a lapsed claim taken
 * over with the same event id.
 */
class PgOutboxTest {
    private static PgCluster pg;

    @AutoClose
    HikariDataSource db;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T09:00:00Z"));
    private PgSpool spool;

    @BeforeAll
    static void cluster() throws Exception {
        pg = PgCluster.shared();
    }

    @BeforeEach
    void database() throws Exception {
        db = PgPool.open(pg.newDatabase(), PgCluster.USER, pg.password, 4);
        PgSchema.migrate(db, "test");
        spool = new PgSpool(db, clock, new PgLeases(db, "node-a", Duration.ofSeconds(60), clock));
    }

    private QueueId store() throws IOException {
        try (Spool.Incoming in = spool.create()) {
            in.body().write("Subject: t\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
            spool.outbox().owe(in.id(), List.of(row(in.id(), "received", 0)));
            spool.commit(in, JournalSpoolTest.envelope(in.id()));
            return in.id();
        }
    }

    private PgOutbox.Row row(QueueId id, String event, int url) {
        return new PgOutbox.Row(id.value() + "." + event, url, id, "http://127.0.0.1:9/hook" + url, event,
                "{\"event\":\"" + event + "\"}", clock.millis(), 0);
    }

    private List<String> outbox() throws Exception {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT event_id || '/' || url_index FROM webhook_outbox ORDER BY seq")) {
            List<String> out = new java.util.ArrayList<>();
            while (r.next()) {
                out.add(r.getString(1));
            }
            return out;
        }
    }

    /** One node's claim of one row, or null. */
    private static PgOutbox.Row one(PgOutbox outbox, String node, long now) throws IOException {
        List<PgOutbox.Row> rows = outbox.claim(node, now, now + 30_000, 1);
        return rows.isEmpty() ? null : rows.get(0);
    }

    @Test
    void aBatchHoldsOneRowPerMessageAndUrlInOrderAndIsDeletedInOneStatement() throws Exception {
        QueueId id = store();
        spool.outbox().owe(id, List.of(row(id, "deferred", 0), row(id, "deferred", 1)));
        spool.update(spool.load(id).withNextAttempt(clock.instant().plusSeconds(60)));
        QueueId second = store();
        long now = clock.millis();
        List<PgOutbox.Row> batch = spool.outbox().claim("a", now, now + 30_000, 8);
        assertThat(batch).extracting(r -> r.eventId() + "/" + r.urlIndex()).containsExactly(
                id.value() + ".received/0", id.value() + ".deferred/1", second.value() + ".received/0");
        spool.outbox().done(batch);
        assertThat(spool.outbox().claim("a", now, now + 30_000, 8)).extracting(r -> r.eventId() + "/" + r.urlIndex())
                .containsExactly(id.value() + ".deferred/0");
        assertThat(spool.outbox().pending()).isEqualTo(1);
    }

    @Test
    void rowsAreWrittenByTheChangeThatOwesThemAndNotWhenItDoesNotHappen() throws Exception {
        QueueId id = store();
        assertThat(outbox()).containsExactly(id.value() + ".received/0");
        Envelope env = spool.load(id);
        spool.outbox().owe(id, List.of(row(id, "deferred", 0), row(id, "deferred", 1)));
        spool.update(env.withNextAttempt(clock.instant().plusSeconds(60)));
        spool.outbox().owe(id, List.of(row(id, "delivered", 0)));
        spool.retire(env.withRecipients(List.of(env.recipients().get(0).with(
                org.mailferry.message.Recipient.State.DELIVERED, "250 ok")), List.of()));
        assertThat(outbox()).containsExactly(id.value() + ".received/0", id.value() + ".deferred/0",
                id.value() + ".deferred/1", id.value() + ".delivered/0");

        // a change that does not happen (the message is not queued) writes nothing, and keeps nothing for later
        QueueId gone = QueueId.next(clock.millis() + 7);
        spool.outbox().owe(gone, List.of(row(gone, "deferred", 0)));
        assertThatThrownBy(() -> spool.update(JournalSpoolTest.envelope(gone))).isInstanceOf(NoSuchFileException.class);
        assertThat(spool.outbox().take(gone)).isEmpty();
        assertThat(outbox()).hasSize(4);
        // discarded before the change: not written with it
        QueueId other = store();
        spool.outbox().owe(other, List.of(row(other, "deferred", 0)));
        spool.outbox().drop(other, Set.of(other.value() + ".deferred"));
        spool.update(spool.load(other).withNextAttempt(clock.instant().plusSeconds(60)));
        assertThat(outbox()).doesNotContain(other.value() + ".deferred/0");
    }

    @Test
    void oneNodeAtATimeAMessagesRowsInOrderALapsedClaimTakenOverWithTheSameId() throws Exception {
        QueueId id = store();
        spool.outbox().owe(id, List.of(row(id, "deferred", 0)));
        spool.update(spool.load(id).withNextAttempt(clock.instant().plusSeconds(60)));
        QueueId second = store();
        PgOutbox a = spool.outbox();
        PgOutbox b = new PgOutbox(db); // another node: the same table
        long now = clock.millis();
        PgOutbox.Row first = one(a, "a", now);
        assertThat(first.eventId()).isEqualTo(id.value() + ".received");
        PgOutbox.Row next = one(b, "b", now);
        assertThat(next.eventId()).as("not id's deferred: its received is still out").isEqualTo(second.value() + ".received");
        assertThat(one(b, "b", now)).isNull();
        b.done(List.of(next));
        // node a dies with its claim: after it lapses, b sends the same row
        clock.advance(Duration.ofSeconds(31));
        now = clock.millis();
        PgOutbox.Row taken = one(b, "b", now);
        assertThat(taken.eventId()).isEqualTo(first.eventId());
        assertThat(taken.body()).isEqualTo(first.body());
        assertThat(taken.attempts()).isEqualTo(2);
        b.retry(taken, now + 5000);
        assertThat(one(b, "b", now)).as("retry not due yet, and id's next waits for it").isNull();
        b.done(List.of(taken));
        assertThat(one(b, "b", now).eventId()).isEqualTo(id.value() + ".deferred");
        assertThat(a.pending()).as("id's deferred, claimed, not yet sent").isEqualTo(1);

    }
}
