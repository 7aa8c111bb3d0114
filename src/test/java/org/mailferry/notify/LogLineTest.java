package org.mailferry.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class LogLineTest {
    private static final DateTimeFormatter STDOUT_TIME = DateTimeFormatter.ofPattern("MMM dd HH:mm:ss.SSS",
            Locale.ROOT).withZone(ZoneId.systemDefault());

    @Test
    void theTimeIsTheFormattersWithTheSecondCachedAcrossLinesAndSecondBoundaries() {
        long start = 1_764_900_000_000L;
        for (long ms = start - 2_500; ms < start + 2_500; ms += 7) { // lines in one second, then the next
            assertThat(LogLine.time(ms)).isEqualTo(STDOUT_TIME.format(Instant.ofEpochMilli(ms)));
        }
        for (long ms : new long[] {start, start + 9, start + 10, start + 99, start + 100, start + 999, 0, -1, start}) {
            assertThat(LogLine.time(ms)).as("%d", ms).isEqualTo(STDOUT_TIME.format(Instant.ofEpochMilli(ms)));
        }
    }
}
