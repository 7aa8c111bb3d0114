package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class ReceivedDateTest {
    @Test
    void theReceivedDateIsFormattedOncePerSecondAndAlwaysTheInstantsOwn() {
        DateTimeFormatter rfc5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
        long start = 1_764_900_000_000L;
        for (long ms = start - 1_500; ms < start + 1_500; ms += 13) {
            Instant t = Instant.ofEpochMilli(ms);
            assertThat(DataStep.date(t)).isEqualTo(rfc5322.format(t.atZone(ZoneOffset.UTC)));
        }
        Instant earlier = Instant.ofEpochMilli(start - 86_400_000L); // a clock stepped back
        assertThat(DataStep.date(earlier)).isEqualTo(rfc5322.format(earlier.atZone(ZoneOffset.UTC)));
    }
}
