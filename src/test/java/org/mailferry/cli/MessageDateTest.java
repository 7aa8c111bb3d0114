package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MessageDateTest {
    private static final DateTimeFormatter RFC5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    /** Same text as java.time for random instants and offsets (seeded, so repeatable). */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void agreesWithJavaTime(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 2000; i++) {
            long millis = r.nextLong(-2_000_000_000_000L, 8_000_000_000_000L);
            int offsetMinutes = r.nextInt(-14 * 60, 14 * 60 + 1);
            String expected = RFC5322.format(Instant.ofEpochMilli(millis).atOffset(ZoneOffset.ofTotalSeconds(offsetMinutes * 60)));
            assertThat(MessageDate.format(millis, offsetMinutes * 60_000)).isEqualTo(expected);
        }
        assertThat(MessageDate.format(0, 0)).isEqualTo("Thu, 1 Jan 1970 00:00:00 +0000");
    }
}
