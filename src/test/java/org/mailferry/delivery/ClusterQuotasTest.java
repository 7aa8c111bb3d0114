package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mailferry.config.RateLimits;
import org.mailferry.message.QueueId;
import org.mailferry.queue.PgPool;
import org.mailferry.queue.PgRouteCounters;
import org.mailferry.queue.PgSchema;
import org.mailferry.smtp.EnhancedStatus;
import org.mailferry.smtp.Reply;
import org.mailferry.testing.MutableClock;
import org.mailferry.testing.PgCluster;

/**
 * Route quotas counted in a real PostgreSQL 15 (testing/PgCluster) by three "nodes": each its own
 * pool, node id and {@link Quotas}, one database, one clock the test moves.
 */
class ClusterQuotasTest {
    private static PgCluster pg;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T08:00:00.500Z"));
    private final List<HikariDataSource> pools = new ArrayList<>();
    private final List<PgRouteCounters> counters = new ArrayList<>();
    private String url;
    private long seq;

    @BeforeAll
    static void cluster() throws Exception {
        pg = PgCluster.shared();
    }

    @BeforeEach
    void database() throws Exception {
        url = pg.newDatabase();
    }

    @AfterEach
    void close() {
        counters.forEach(PgRouteCounters::close);
        pools.forEach(HikariDataSource::close);
    }

    private Quotas node(String name) throws Exception {
        HikariDataSource db = PgPool.open(url, PgCluster.USER, pg.password, 8);
        pools.add(db);
        PgSchema.migrate(db, name);
        PgRouteCounters c = new PgRouteCounters(db, name, Duration.ofSeconds(30), clock);
        counters.add(c);
        return new Quotas(clock, LocalTime.of(6, 0), c);
    }

    private synchronized QueueId id() {
        return QueueId.next(clock.millis() + seq++);
    }

    @Test
    void threeNodesShareOneRateEachSlotTakenOnce() throws Exception {
        RateLimits limits = RateLimits.withRate("60/1m", 0, 0);
        List<Quotas> nodes = List.of(node("a"), node("b"), node("c"));
        Instant start = clock.instant();
        ConcurrentLinkedQueue<Instant> slots = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (Quotas q : nodes) {
            for (int t = 0; t < 3; t++) { // three workers per node, all at once
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                        for (int i = 0; i < 10; i++) {
                            Quotas.Verdict v = q.admit("r", limits, id(), 1);
                            slots.add(v.go() ? clock.instant() : v.until());
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        // 90 messages from nine workers on three nodes at 60/1m: slots 0 s .. 89 x 1.01 s, each taken once
        List<Instant> expected = new ArrayList<>();
        for (int s = 0; s < 90; s++) {
            expected.add(start.plusMillis(s * 1010L));
        }
        assertThat(slots.stream().sorted().toList()).containsExactlyElementsOf(expected);
        assertThat(rows("SELECT next_slot_ms FROM route_quota WHERE route = 'r'"))
                .isEqualTo(start.plusMillis(90 * 1010L).toEpochMilli());
    }

    @Test
    void aSlotReservedOnOneNodeIsUsedByTheNodeThatTakesTheMessageOver() throws Exception {
        RateLimits limits = RateLimits.withRate("30/1m", 0, 0);
        Quotas a = node("a");
        Quotas b = node("b");
        Instant start = clock.instant();
        assertThat(a.admit("r", limits, id(), 1).go()).isTrue();
        QueueId moved = id();
        assertThat(a.admit("r", limits, moved, 1).until()).isEqualTo(start.plusMillis(2020));
        assertThat(b.admit("r", limits, id(), 1).until()).as("b queues behind").isEqualTo(start.plusMillis(4040));
        assertThat(b.admit("r", limits, moved, 1).until()).as("the same slot, seen from b").isEqualTo(start.plusMillis(2020));
        clock.advance(Duration.ofMillis(2020));
        assertThat(b.admit("r", limits, moved, 1).go()).as("b sends it in a's slot").isTrue();
        assertThat(rows("SELECT count(*) FROM route_slot WHERE id = '" + moved.value() + "'")).as("used up").isZero();
        assertThat(a.admit("r", limits, id(), 1).until()).as("no slot given twice").isEqualTo(start.plusMillis(6060));
    }

    @Test
    void dailyCapAndPausesHoldForEveryNode() throws Exception {
        RateLimits limits = RateLimits.withRate("0", 10, 0);
        Quotas a = node("a");
        Quotas b = node("b");
        assertThat(a.admit("r", limits, id(), 6).go()).isTrue();
        assertThat(b.admit("r", limits, id(), 4).go()).isTrue();
        Quotas.Verdict v = a.admit("r", limits, id(), 1);
        assertThat(v.reason()).isEqualTo("daily recipient limit 10 of route r reached (10 today)");
        assertThat(v.until()).isEqualTo(Instant.parse("2026-12-06T06:00:00Z"));
        // a quota reply on node a pauses the route on b too, also a route without limits
        QuotaReplies.Row rate = QuotaReplies.match(Reply.of(421, EnhancedStatus.parse("4.7.0"), "rate limit exceeded"));
        a.pause("free", rate, "421 4.7.0 rate limit exceeded");
        Quotas.Verdict seen = b.admit("free", RateLimits.NONE, id(), 1);
        assertThat(seen.until()).isEqualTo(Instant.parse("2026-12-05T08:01:00Z"));
        assertThat(seen.reason()).isEqualTo("route free paused: rate limit: 421 4.7.0 rate limit exceeded");
        // a node started later (or restarted) knows the day's count and the pause
        Quotas c = node("c");
        assertThat(c.pausedUntil("free")).isEqualTo(Instant.parse("2026-12-05T08:01:00Z"));
        assertThat(c.admit("r", limits, id(), 1).go()).isFalse();
        clock.advance(Duration.ofMinutes(1));
        clock.advance(Duration.ofSeconds(1)); // the cached pause read is older than a second
        assertThat(b.admit("free", RateLimits.NONE, id(), 1).go()).isTrue();
    }

    @Test
    void connectionLimitCountsEveryNodeAndADeadNodesCountExpires() throws Exception {
        RateLimits limits = RateLimits.withRate("0", 0, 2);
        Quotas a = node("a");
        Quotas b = node("b");
        QueueId waiting = id();
        assertThat(a.connections().open("r", limits, id())).isTrue();
        assertThat(b.connections().open("r", limits, id())).isTrue();
        assertThat(b.connections().open("r", limits, waiting)).as("two open, one on each node").isFalse();
        QueueId onA = id();
        assertThat(a.connections().open("r", limits, onA)).isFalse();
        assertThat(a.connections().closed("r")).as("a's own waiting message is woken by a's close").isEqualTo(onA);
        assertThat(b.connections().open("r", limits, waiting)).isTrue();
        assertThat(rows("SELECT sum(connections) FROM route_connection WHERE route = 'r'")).isEqualTo(2);
        // node b dies holding both: its counts stop holding after the lease time (30 s), not before
        clock.advance(Duration.ofSeconds(29));
        assertThat(a.connections().open("r", limits, id())).isFalse();
        clock.advance(Duration.ofSeconds(2));
        assertThat(a.connections().open("r", limits, id())).isTrue();
        assertThat(rows("SELECT count(*) FROM route_connection WHERE node = 'b'")).as("swept").isZero();
    }

    private long rows(String sql) throws Exception {
        try (Connection c = pools.get(0).getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }
}
