package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.mailferry.message.QueueId;
import org.mailferry.testing.MutableClock;

/** The schedule on a clock the test moves: nothing here sleeps or depends on real time. */
class ScheduleTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final Schedule schedule = new Schedule(clock);
    private long seq;

    private QueueId id() {
        return QueueId.next(clock.millis() + seq++);
    }

    private Instant in(Duration d) {
        return clock.instant().plus(d);
    }

    @Test
    void aRetryIsDueWhenTheClockSaysSoNotBefore() {
        QueueId a = id();
        QueueId b = id();
        schedule.add(b, in(Duration.ofMinutes(10)), false);
        schedule.add(a, in(Duration.ofMinutes(5)), false);
        assertThat(schedule.poll()).isNull();
        clock.advance(Duration.ofMinutes(5).minusMillis(1));
        assertThat(schedule.poll()).isNull();
        clock.advance(Duration.ofMillis(1));
        assertThat(schedule.poll()).isEqualTo(a);
        assertThat(schedule.poll()).isNull();
        clock.advance(Duration.ofHours(1));
        assertThat(schedule.poll()).isEqualTo(b);
        assertThat(schedule.size()).isZero();
    }

    @Test
    void newMessagesHaveTheirOwnLaneTakenInTurnWithDueRetries() {
        List<QueueId> retries = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            QueueId r = id();
            retries.add(r);
            schedule.add(r, in(Duration.ofMinutes(1)), false);
        }
        clock.advance(Duration.ofMinutes(2)); // an outage is over: 1000 retries due at once
        assertThat(schedule.poll()).isEqualTo(retries.get(0));
        QueueId fresh = id();
        schedule.add(fresh, clock.instant(), true);
        assertThat(schedule.poll()).as("the new message is next, not after 999 retries").isEqualTo(fresh);
        assertThat(schedule.poll()).isEqualTo(retries.get(1));
        QueueId second = id();
        QueueId third = id();
        schedule.add(second, clock.instant(), true);
        schedule.add(third, clock.instant(), true);
        assertThat(List.of(schedule.poll(), schedule.poll(), schedule.poll(), schedule.poll()))
                .as("in turn: new, retry, new, retry")
                .containsExactly(second, retries.get(2), third, retries.get(3));
    }

    @Test
    void flushAllMakesEveryoneDueInMemoryAndFlushOneOnlyThatOne() {
        List<QueueId> ids = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            QueueId q = id();
            ids.add(q);
            schedule.add(q, in(Duration.ofHours(1 + i % 5)), false);
        }
        QueueId one = ids.get(50_000);
        assertThat(schedule.flush(one)).isTrue();
        assertThat(schedule.poll()).isEqualTo(one);
        assertThat(schedule.poll()).isNull();
        assertThat(schedule.flushAll()).isEqualTo(99_999);
        int n = 0;
        while (schedule.poll() != null) {
            n++;
        }
        assertThat(n).isEqualTo(99_999);
        assertThat(schedule.flush(one)).as("not scheduled any more").isFalse();
    }

    @Test
    void addingAgainReplacesTheDueTimeAndRemovedMessagesAreNeverTaken() {
        QueueId a = id();
        QueueId b = id();
        schedule.add(a, in(Duration.ofMinutes(1)), false);
        schedule.add(a, in(Duration.ofMinutes(30)), false);
        assertThat(schedule.addIfAbsent(a, clock.instant(), false)).isFalse();
        schedule.add(b, clock.instant(), true);
        assertThat(schedule.remove(b)).isTrue();
        clock.advance(Duration.ofMinutes(2));
        assertThat(schedule.poll()).as("the stale 1-minute entry is skipped").isNull();
        assertThat(schedule.dueTime(a)).isEqualTo(in(Duration.ofMinutes(28)));
        clock.advance(Duration.ofMinutes(28));
        assertThat(schedule.poll()).isEqualTo(a);
        assertThat(schedule.poll()).isNull();
    }

    @Test
    void aWaitingWorkerWakesWhenTheClockIsMovedAndItIsWoken() throws Exception {
        Schedule s = new Schedule(clock, Duration.ofHours(1)); // no look at the clock by itself
        QueueId a = id();
        s.add(a, in(Duration.ofDays(1)), false);
        CompletableFuture<QueueId> taken = CompletableFuture.supplyAsync(() -> {
            try {
                return s.take(Duration.ofMinutes(1));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(taken).isNotDone();
        clock.advance(Duration.ofDays(1));
        s.wake();
        assertThat(taken.get(10, TimeUnit.SECONDS)).isEqualTo(a);
    }
}
