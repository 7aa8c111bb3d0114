package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.config.RateLimits;
import org.mailferry.message.QueueId;
import org.mailferry.queue.Disk;
import org.mailferry.testing.MutableClock;

/** Route quotas on a clock the test moves: rate slots, the daily cap, pauses, connections, restarts. */
class QuotasTest {
    @TempDir
    Path spool;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T08:00:00.500Z"));
    private long seq;

    private RateLimits limits;

    private Quotas quotas(RateLimits l) {
        limits = l;
        return new Quotas(clock, LocalTime.of(6, 0), new QuotaFile(Disk.system(), spool));
    }

    private QueueId id() {
        return QueueId.next(clock.millis() + seq++);
    }

    @Test
    void messagesAreSpacedEvenlyAndEachWaitingMessageKeepsItsSlot() {
        Quotas q = quotas(RateLimits.withRate("30/1m", 0, 0));
        Instant start = clock.instant();
        List<Instant> slots = new ArrayList<>();
        List<QueueId> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            QueueId id = id();
            ids.add(id);
            Quotas.Verdict v = q.admit("r", limits, id, 1);
            slots.add(v.go() ? clock.instant() : v.until());
        }
        // 2 s, and 1% (Quotas.spacing): 31 messages never within one minute, even with some delay
        assertThat(slots).containsExactly(start, start.plusMillis(2020), start.plusMillis(4040), start.plusMillis(6060),
                start.plusMillis(8080));
        assertThat(q.admit("r", limits, ids.get(1), 1).reason()).isEqualTo("message rate 30/1m of route r");
        // flushed early: still its own slot, not a new one further out
        assertThat(q.admit("r", limits, ids.get(2), 1).until()).isEqualTo(start.plusMillis(4040));
        clock.advance(Duration.ofMillis(2020));
        assertThat(q.admit("r", limits, ids.get(1), 1).go()).isTrue();
        assertThat(q.admit("r", limits, ids.get(2), 1).go()).as("its slot is 2 s later").isFalse();
        assertThat(q.admit("r", limits, id(), 1).until()).as("a newcomer queues behind").isEqualTo(start.plusMillis(10100));
    }

    @Test
    void slotsAreOnePercentWiderThanThePeriodDividedByTheMessages() {
        assertThat(Quotas.spacing(RateLimits.withRate("60/1m", 0, 0))).isEqualTo(1010);
        assertThat(Quotas.spacing(RateLimits.withRate("3/10s", 0, 0))).isEqualTo(3367); // rounded up
        assertThat(Quotas.spacing(RateLimits.withRate("10000/1s", 0, 0))).isEqualTo(1);
        // 61 slots of 60/1m span more than a minute: a window of one minute holds 60 at most
        assertThat(60 * Quotas.spacing(RateLimits.withRate("60/1m", 0, 0))).isGreaterThan(60_000 + 500);
    }

    @Test
    void aMessageThatTookLongToArriveCountsAWholePeriodFromItsArrival() {
        Quotas q = quotas(RateLimits.withRate("2/10s", 0, 0));
        QueueId slow = id();
        QueueId b = id();
        QueueId c = id();
        assertThat(q.admit("r", limits, slow, 1).go()).isTrue();
        assertThat(q.admit("r", limits, b, 1).until()).isEqualTo(clock.instant().plusMillis(5050));
        Instant start = clock.instant();
        assertThat(q.admit("r", limits, c, 1).until()).isEqualTo(start.plusMillis(10100));
        clock.advance(Duration.ofMillis(5050));
        assertThat(q.admit("r", limits, b, 1).go()).isTrue();
        q.sent("r", b);
        clock.advance(Duration.ofMillis(3950));
        q.sent("r", slow); // 9 s after it started: the smarthost counts it from now
        clock.advance(Duration.ofMillis(1100)); // c's slot
        Quotas.Verdict v = q.admit("r", limits, c, 1);
        assertThat(v.until()).as("two arrived within the last 10 s: waits for b's to be 10 s old")
                .isEqualTo(start.plusMillis(15051));
        clock.advance(Duration.ofMillis(4951));
        assertThat(q.admit("r", limits, c, 1).go()).isTrue();
    }

    @Test
    void unlimitedRouteIsNotCounted() {
        Quotas q = quotas(RateLimits.NONE);
        for (int i = 0; i < 1000; i++) {
            assertThat(q.admit("r", limits, id(), 100).go()).isTrue();
        }
        assertThat(q.admit("other", limits, id(), 1).go()).isTrue();
        assertThat(Files.exists(spool.resolve("quotas"))).isFalse();
    }

    @Test
    void dailyRecipientCapWaitsForTheResetHour() {
        Quotas q = quotas(RateLimits.withRate("0", 10, 0));
        assertThat(q.admit("r", limits, id(), 6).go()).isTrue();
        assertThat(q.admit("r", limits, id(), 4).go()).isTrue();
        Quotas.Verdict v = q.admit("r", limits, id(), 1);
        assertThat(v.go()).isFalse();
        assertThat(v.until()).isEqualTo(Instant.parse("2026-12-06T06:00:00Z"));
        assertThat(v.reason()).isEqualTo("daily recipient limit 10 of route r reached (10 today)");
        clock.advance(Duration.ofHours(22)); // 06:00:00.500 next day
        assertThat(q.admit("r", limits, id(), 10).go()).isTrue();
        assertThat(q.admit("r", limits, id(), 1).go()).isFalse();
        // a message with more recipients than the whole cap still goes, first in its day
        clock.advance(Duration.ofDays(1));
        assertThat(q.admit("r", limits, id(), 25).go()).isTrue();
    }

    @Test
    void quotaReplyPausesTheWholeRouteUntilTheNextMinuteOrDay() {
        Quotas q = quotas(RateLimits.withRate("30/1m", 0, 0));
        QueueId waiting = id();
        q.admit("r", limits, id(), 1);
        assertThat(q.admit("r", limits, waiting, 1).until()).isEqualTo(clock.instant().plusMillis(2020));
        QuotaReplies.Row rate = QuotaReplies.match(org.mailferry.smtp.Reply.of(421,
                org.mailferry.smtp.EnhancedStatus.parse("4.7.0"), "rate limit exceeded"));
        assertThat(q.pause("r", rate, "421 4.7.0 rate limit exceeded")).isEqualTo(Instant.parse("2026-12-05T08:01:00Z"));
        clock.advance(Duration.ofSeconds(3));
        Quotas.Verdict v = q.admit("r", limits, waiting, 1);
        assertThat(v.until()).isEqualTo(Instant.parse("2026-12-05T08:01:00Z"));
        assertThat(v.reason()).isEqualTo("route r paused: rate limit: 421 4.7.0 rate limit exceeded");
        QuotaReplies.Row daily = QuotaReplies.match(org.mailferry.smtp.Reply.of(550,
                org.mailferry.smtp.EnhancedStatus.parse("5.4.5"), "Daily user sending limit exceeded."));
        assertThat(q.pause("r", daily, "550 5.4.5 Daily user sending limit exceeded."))
                .isEqualTo(Instant.parse("2026-12-06T06:00:00Z"));
        clock.advance(Duration.ofHours(22));
        assertThat(q.admit("r", limits, waiting, 1).go()).as("after the reset, first come").isTrue();
        assertThat(q.admit("r", limits, id(), 1).go()).isFalse();
    }

    @Test
    void countersSurviveARestart() {
        Quotas q = quotas(RateLimits.withRate("1/1m", 5, 0));
        assertThat(q.admit("r", limits, id(), 3).go()).isTrue();
        Quotas again = quotas(RateLimits.withRate("1/1m", 5, 0));
        QueueId next = id();
        Quotas.Verdict v = again.admit("r", limits, next, 2);
        assertThat(v.go()).as("no burst after a restart").isFalse();
        assertThat(v.until()).isEqualTo(clock.instant().plusMillis(60600));
        clock.advance(Duration.ofMillis(60600));
        assertThat(again.admit("r", limits, next, 2).go()).isTrue();
        clock.advance(Duration.ofMinutes(1));
        assertThat(quotas(RateLimits.withRate("1/1m", 5, 0)).admit("r", limits, id(), 1).reason())
                .isEqualTo("daily recipient limit 5 of route r reached (5 today)");
    }

    @Test
    void damagedCounterFileIsSkippedLineByLine() throws Exception {
        Files.writeString(spool.resolve("quotas"), "route r next_slot x day_start 1\nroute s next_slot 1\n");
        assertThat(quotas(RateLimits.withRate("30/1m", 0, 0)).admit("r", limits, id(), 1).go()).isTrue();
    }

    @Test
    void connectionsBeyondTheLimitWaitForOneToClose() {
        Quotas q = quotas(RateLimits.withRate("0", 0, 2));
        QueueId a = id();
        QueueId b = id();
        QueueId c = id();
        assertThat(q.connections().open("r", limits, a)).isTrue();
        assertThat(q.connections().open("r", limits, b)).isTrue();
        assertThat(q.connections().open("r", limits, c)).isFalse();
        assertThat(q.connections().closed("r")).isEqualTo(c);
        assertThat(q.connections().open("r", limits, c)).isTrue();
        assertThat(q.connections().closed("r")).isNull();
    }
}
