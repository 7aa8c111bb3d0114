package org.mailferry.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.LogCapture;
import org.mailferry.testing.MutableClock;

/** The charts' counters survive a restart: written once a minute to the spool, read at start, a day's window kept. */
class CounterFileTest {
    private static final Instant T0 = Instant.parse("2026-12-05T08:00:10Z");

    @TempDir
    Path dir;

    @Test
    void writtenOnceAMinuteAndReadBackAfterARestart() throws Exception {
        MutableClock clock = new MutableClock(T0);
        MinuteCounters before = new MinuteCounters();
        CounterFile file = new CounterFile(dir, before);
        file.load(clock.instant()); // no file yet: nothing
        before.count(clock.instant(), MinuteCounters.Kind.DELIVERED);
        before.latency(clock.instant(), Duration.ofMillis(700));
        before.count(clock.instant().minus(Duration.ofHours(3)), MinuteCounters.Kind.BOUNCED);
        before.queueSize(clock.instant(), 120);
        assertThat(file.saveIfDue(clock.instant())).isFalse(); // loaded this minute: not due yet

        clock.advance(Duration.ofSeconds(50)); // 08:01:00, a new minute
        before.count(clock.instant(), MinuteCounters.Kind.DEFERRED);
        assertThat(file.saveIfDue(clock.instant())).isTrue();
        byte[] written = Files.readAllBytes(dir.resolve(CounterFile.FILE));
        clock.advance(Duration.ofSeconds(15));
        before.count(clock.instant(), MinuteCounters.Kind.DEFERRED);
        assertThat(file.saveIfDue(clock.instant())).isFalse(); // once a minute
        assertThat(Files.readAllBytes(dir.resolve(CounterFile.FILE))).isEqualTo(written);
        assertThat(written.length).isLessThan(200); // the minutes that hold anything, not 1,440
        file.save(clock.instant()); // the daemon stops

        // restarted 10 minutes later: the same counts, series and percentiles
        clock.advance(Duration.ofMinutes(10));
        MinuteCounters after = new MinuteCounters();
        new CounterFile(dir, after).load(clock.instant());
        for (MinuteCounters.Kind k : MinuteCounters.Kind.values()) {
            assertThat(after.total(clock.instant(), k, MinuteCounters.MINUTES)).as(k.name())
                    .isEqualTo(before.total(clock.instant(), k, MinuteCounters.MINUTES));
        }
        assertThat(after.total(clock.instant(), MinuteCounters.Kind.DEFERRED, 60)).isEqualTo(2);
        assertThat(after.total(clock.instant(), MinuteCounters.Kind.BOUNCED, 60)).isZero();
        assertThat(after.total(clock.instant(), MinuteCounters.Kind.BOUNCED, 240)).isEqualTo(1);
        assertThat(after.percentile(clock.instant(), 60, 0.5)).isEqualTo(Duration.ofMillis(1_000));
        MinuteCounters.Series s = after.series(clock.instant());
        assertThat(s.queueSize()[MinuteCounters.MINUTES - 1 - 11]).isEqualTo(120L); // 08:00, 11 minutes back
        assertThat(s.queueSize()[MinuteCounters.MINUTES - 1]).isNull();

        // restarted a day later: what is older than 24 hours is not shown again
        MinuteCounters dayLater = new MinuteCounters();
        new CounterFile(dir, dayLater).load(T0.plus(Duration.ofHours(22)));
        assertThat(dayLater.total(T0.plus(Duration.ofHours(22)), MinuteCounters.Kind.DELIVERED, MinuteCounters.MINUTES))
                .isEqualTo(1);
        assertThat(dayLater.total(T0.plus(Duration.ofHours(22)), MinuteCounters.Kind.BOUNCED, MinuteCounters.MINUTES))
                .isZero(); // 3 hours before T0: 25 hours old
    }

    @Test
    void aDamagedFileIsSetAsideAndTheChartsStartEmpty() throws Exception {
        Files.writeString(dir.resolve(CounterFile.FILE), "not counters");
        MinuteCounters c = new MinuteCounters();
        try (LogCapture log = new LogCapture("mailferry.admin")) {
            new CounterFile(dir, c).load(T0);
            assertThat(log.lines()).anySatisfy(l -> assertThat(l).contains("the charts start empty",
                    CounterFile.FILE + " is damaged", "moved to"));
        }
        assertThat(Files.exists(dir.resolve(CounterFile.FILE + ".bad"))).isTrue();
        assertThat(c.total(T0, MinuteCounters.Kind.DELIVERED, MinuteCounters.MINUTES)).isZero();

        // cut short: the same
        MinuteCounters full = new MinuteCounters();
        full.count(T0, MinuteCounters.Kind.RECEIVED);
        byte[] whole = full.encode(T0);
        Files.write(dir.resolve(CounterFile.FILE), java.util.Arrays.copyOf(whole, whole.length - 3));
        MinuteCounters cut = new MinuteCounters();
        new CounterFile(dir, cut).load(T0);
        assertThat(cut.total(T0, MinuteCounters.Kind.RECEIVED, 60)).isZero();
    }
}
