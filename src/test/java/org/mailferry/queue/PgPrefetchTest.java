package org.mailferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.testing.MutableClock;
import org.mailferry.testing.PgCluster;

/**
 * queue.prefetch: a busy node leases the messages it accepts in the accept's own commit up to its
 * prefetch, renews them while they wait, and leaves the rest (and, once it stops renewing, its
 * backlog) to other nodes. Two nodes in one JVM, one database, a clock the test moves.
 */
class PgPrefetchTest {
    private static final Duration LEASE = Duration.ofSeconds(60);
    private static PgCluster pg;

    @AutoClose
    HikariDataSource db;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T09:00:00Z"));
    private PgLeases busy;
    private PgSpool spool;
    private PgLeases idle;

    @BeforeAll
    static void cluster() throws Exception {
        pg = PgCluster.shared();
    }

    @BeforeEach
    void database() throws Exception {
        db = PgPool.open(pg.newDatabase(), PgCluster.USER, pg.password, 4);
        PgSchema.migrate(db, "test");
        busy = new PgLeases(db, "busy-node", LEASE, clock);
        spool = new PgSpool(db, clock, busy);
        idle = new PgLeases(db, "idle-node", LEASE, clock);
    }

    private QueueId store() throws IOException {
        try (Spool.Incoming in = spool.create()) {
            in.body().write("Subject: prefetch\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
            spool.commit(in, JournalSpoolTest.envelope(in.id()));
            return in.id();
        }
    }

    private List<QueueId> store(int n) throws IOException {
        List<QueueId> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(store());
        }
        return ids;
    }

    private long leasedTo(String node) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FROM message WHERE lease_node IS NOT DISTINCT FROM "
                     + (node == null ? "NULL" : "'" + node + "'"))) {
            r.next();
            return r.getLong(1);
        }
    }

    @Test
    void aBusyNodeLeasesAtMostItsPrefetchAtCommitAndAnotherNodeTakesTheRest() throws Exception {
        busy.prefetch(3);
        List<QueueId> ids = store(7); // no worker starts any of them: all wait

        assertThat(leasedTo("busy-node")).as("leased in the accept's commit").isEqualTo(3);
        assertThat(leasedTo(null)).as("committed without a lease").isEqualTo(4);
        assertThat(busy.waiting()).isEqualTo(3);
        assertThat(idle.claimDue(100)).extracting(Envelope::id).containsExactlyInAnyOrderElementsOf(ids.subList(3, 7));
        for (QueueId id : ids.subList(0, 3)) {
            assertThat(idle.take(id)).as("the busy node still holds %s", id).isFalse();
        }

        assertThat(busy.take(ids.get(0))).as("a worker starts one: no round trip").isTrue();
        assertThat(busy.waiting()).isEqualTo(2);
        for (QueueId id : ids.subList(3, 7)) {
            assertThat(busy.take(id)).as("%s went to the other node", id).isFalse(); // its workers get there
        }
        assertThat(busy.waiting()).isEqualTo(2);
        QueueId next = store();
        assertThat(busy.waiting()).as("room for one more at commit").isEqualTo(3);
        assertThat(idle.take(next)).isFalse();
        store();
        assertThat(leasedTo(null)).as("the prefetch is full again: left to any node").isEqualTo(1);
    }

    @Test
    void aWaitingBacklogIsRenewedAndTakenByAnotherNodeOnlyAfterItsLeasesLapse() throws Exception {
        busy.prefetch(5);
        List<QueueId> ids = store(5);
        assertThat(leasedTo("busy-node")).isEqualTo(5);

        clock.advance(Duration.ofSeconds(40));
        busy.renew(); // every third of the lease time: the waiting messages' leases too
        clock.advance(Duration.ofSeconds(40)); // 80 s after the commit, 40 s after the renewal
        assertThat(idle.claimDue(100)).as("renewed while they wait: nobody else takes them").isEmpty();
        assertThat(idle.take(ids.get(0))).isFalse();

        clock.advance(Duration.ofSeconds(21)); // the busy node died: nothing renewed its leases since
        assertThat(idle.claimDue(100)).extracting(Envelope::id).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(leasedTo("idle-node")).isEqualTo(5);
        for (QueueId id : ids) {
            assertThat(busy.take(id)).as("%s went to the other node", id).isFalse();
        }
        assertThat(busy.waiting()).isZero();
    }

    @Test
    void aNodeAloneLeasesItsOverflowInBatchesWhenItsWorkersGetThere() throws Exception {
        busy.prefetch(3);
        List<QueueId> ids = store(9); // a burst: 3 leased at commit, 6 beyond the prefetch
        assertThat(leasedTo(null)).isEqualTo(6);
        for (QueueId id : ids.subList(0, 3)) {
            assertThat(busy.take(id)).isTrue(); // no round trip
        }
        assertThat(busy.waiting()).isZero();
        assertThat(store()).as("accepted while its overflow waits: left to any node, after it").isNotNull();
        assertThat(leasedTo(null)).isEqualTo(7);

        assertThat(busy.take(ids.get(3))).as("the first of the overflow: one write").isTrue();
        assertThat(leasedTo("busy-node")).as("it and the next three, in one statement").isEqualTo(7);
        assertThat(busy.waiting()).as("no more than the prefetch waits").isEqualTo(3);
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE message SET lease_node = 'nobody' WHERE lease_node = 'busy-node'");
        }
        for (QueueId id : ids.subList(4, 7)) {
            assertThat(busy.take(id)).as("%s came with the batch: taken without asking the database", id).isTrue();
        }
        assertThat(idle.claimDue(100)).as("the rest stay for any node").hasSize(3);
    }

    @Test
    void aWorkerThatGetsToAMessageWhoseLeaseAnotherIsWritingWaitsForThatWrite() throws Exception {
        busy.prefetch(2);
        List<QueueId> ids = store(4); // 2 leased at commit, 2 beyond
        busy.take(ids.get(0));
        busy.take(ids.get(1));
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) { // counts the writes
            s.execute("CREATE TABLE updates (n int); INSERT INTO updates VALUES (0); "
                    + "CREATE FUNCTION counted() RETURNS trigger LANGUAGE plpgsql AS "
                    + "$$BEGIN UPDATE updates SET n = n + 1; RETURN NULL; END$$; "
                    + "CREATE TRIGGER counted AFTER UPDATE ON message FOR EACH STATEMENT EXECUTE FUNCTION counted()");
        }
        Connection locker = db.getConnection();
        locker.setAutoCommit(false);
        try (Statement s = locker.createStatement()) {
            s.executeUpdate("UPDATE message SET held = held WHERE id = '" + ids.get(2).value() + "'"); // stalls the write
        }
        var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor(); // two workers at once
        var first = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return busy.take(ids.get(2)); // writes the lease of ids 2 and 3
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, threads);
        long end = System.nanoTime() + 10_000_000_000L;
        while (busy.waiting() < 1 && System.nanoTime() < end) {
            Thread.sleep(1); // until id 3 is reserved for that write
        }
        var second = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return busy.take(ids.get(3)); // the next worker: waits for it instead of writing its own
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, threads);
        Thread.sleep(300);
        assertThat(second).as("waiting for the write under way (its own would not wait: id 3 is not locked)")
                .isNotDone();
        locker.rollback();
        locker.close();
        assertThat(first.get(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        threads.close();
        assertThat(second.get(10, java.util.concurrent.TimeUnit.SECONDS)).as("leased by the first write").isTrue();
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT n FROM updates")) {
            r.next();
            assertThat(r.getInt(1)).as("UPDATE statements on message: the first worker's lease only").isEqualTo(1);
        }
    }

    @Test
    void aMessageClaimedByAnotherNodeComesWithWhatItsAttemptReads() throws Exception {
        busy.prefetch(0);
        QueueId id = store();
        PgSpool other = new PgSpool(db, clock, idle);
        assertThat(idle.claimDue(10)).extracting(Envelope::id).containsExactly(id);
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM body_chunk"); // the attempt must read nothing back
            s.executeUpdate("UPDATE message SET envelope = ''::bytea, headers = ''::bytea");
        }
        assertThat(idle.take(id)).isTrue();
        assertThat(other.load(id)).isEqualTo(JournalSpoolTest.envelope(id));
        try (var body = other.openBody(id)) {
            assertThat(new String(body.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("Subject: prefetch\r\n\r\nbody\r\n");
        }
        assertThat(new String(other.headers(id), StandardCharsets.US_ASCII)).startsWith("Subject: prefetch");
    }

    @Test
    void withAPrefetchOfZeroEveryMessageIsLeftToAnyNode() throws Exception {
        busy.prefetch(0);
        store(2);
        assertThat(leasedTo(null)).isEqualTo(2);
        assertThat(busy.waiting()).isZero();
    }
}
