package org.mailferry.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The console's per-minute ring: counts by minute, a day's forgetting, latency percentiles by bucket. */
class MinuteCountersTest {
    private static final Instant T0 = Instant.parse("2026-12-05T08:00:30Z");

    @Test
    void countsFallIntoTheirMinuteAndADayLaterTheSlotIsEmptyAgain() {
        MinuteCounters c = new MinuteCounters();
        c.count(T0, MinuteCounters.Kind.DELIVERED);
        c.count(T0.plusSeconds(20), MinuteCounters.Kind.DELIVERED);
        c.count(T0.plusSeconds(40), MinuteCounters.Kind.DELIVERED); // the next minute
        c.count(T0.minus(Duration.ofMinutes(90)), MinuteCounters.Kind.BOUNCED);
        assertThat(c.total(T0.plusSeconds(40), MinuteCounters.Kind.DELIVERED, 60)).isEqualTo(3);
        assertThat(c.total(T0.plusSeconds(40), MinuteCounters.Kind.DELIVERED, 1)).isEqualTo(1);
        assertThat(c.total(T0, MinuteCounters.Kind.BOUNCED, 60)).isZero();
        assertThat(c.total(T0, MinuteCounters.Kind.BOUNCED, 120)).isEqualTo(1);

        MinuteCounters.Series s = c.series(T0.plusSeconds(40));
        long[] delivered = s.counts().get(MinuteCounters.Kind.DELIVERED.ordinal());
        assertThat(delivered[MinuteCounters.MINUTES - 1]).isEqualTo(1);
        assertThat(delivered[MinuteCounters.MINUTES - 2]).isEqualTo(2);
        assertThat(s.queueSize()[MinuteCounters.MINUTES - 1]).isNull();

        Instant dayLater = T0.plus(Duration.ofDays(1)).plusSeconds(60); // the minute of the last count, a day on
        assertThat(c.total(dayLater, MinuteCounters.Kind.DELIVERED, MinuteCounters.MINUTES)).isZero();
        c.count(dayLater, MinuteCounters.Kind.DEFERRED); // the same slot, a day on: the old counts are gone
        assertThat(c.series(dayLater).counts().get(MinuteCounters.Kind.DELIVERED.ordinal())[MinuteCounters.MINUTES - 1])
                .isZero();
        c.queueSize(dayLater, 42);
        assertThat(c.series(dayLater).queueSize()[MinuteCounters.MINUTES - 1]).isEqualTo(42L);
    }

    @Test
    void percentilesAreTheUpperBoundsOfTheirBuckets() {
        MinuteCounters c = new MinuteCounters();
        assertThat(c.percentile(T0, 60, 0.5)).isNull();
        long[][] table = { // latency ms, how many
                {80, 50}, {400, 40}, {9_000, 9}, {7_200_000, 1}};
        for (long[] row : table) {
            for (int i = 0; i < row[1]; i++) {
                c.latency(T0, Duration.ofMillis(row[0]));
            }
        }
        assertThat(c.percentile(T0, 60, 0.5)).isEqualTo(Duration.ofMillis(100));
        assertThat(c.percentile(T0, 60, 0.9)).isEqualTo(Duration.ofMillis(500));
        assertThat(c.percentile(T0, 60, 0.99)).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.percentile(T0, 60, 1.0)).isEqualTo(Duration.ofHours(2));
        c.latency(T0, Duration.ofDays(9)); // beyond the last bound
        assertThat(c.percentile(T0, 60, 1.0)).isEqualTo(Duration.ofDays(5));
        assertThat(c.percentile(T0.plus(Duration.ofHours(2)), 60, 0.5)).isNull(); // outside the window
    }
}
