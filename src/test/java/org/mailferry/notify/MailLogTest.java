package org.mailferry.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class MailLogTest {
    /** The delay as Postfix prints it: what String.format gave before it was replaced (issue 19). */
    private static String formatted(long ms) {
        double s = ms / 1000.0;
        return s < 10 ? String.format(Locale.ROOT, "%.2f", s) : String.format(Locale.ROOT, "%.0f", s);
    }

    @Test
    void delaysPrintAsFormatDidForEveryMillisecondUpToAMinuteAndBeyond() {
        for (long ms = -12_000; ms <= 60_000; ms++) {
            assertThat(MailLog.seconds(Duration.ofMillis(ms))).as("%d ms", ms).isEqualTo(formatted(ms));
        }
        for (long ms : new long[] {86_399_499, 86_399_500, 432_000_000_000L}) {
            assertThat(MailLog.seconds(Duration.ofMillis(ms))).as("%d ms", ms).isEqualTo(formatted(ms));
        }
        assertThat(MailLog.seconds(Duration.ofMillis(5))).isEqualTo("0.01");
        assertThat(MailLog.seconds(Duration.ofMillis(9_995))).isEqualTo("10.00");
    }
}
