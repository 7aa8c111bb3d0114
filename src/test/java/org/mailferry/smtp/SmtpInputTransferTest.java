package org.mailferry.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The whole-transfer bound of {@link SmtpInput} (smtpd.data_timeout, smtpd.min_data_rate) on an injected clock. */
class SmtpInputTransferTest {
    private static final long SECOND = 1_000_000_000L;

    /** Gives one byte per read and advances the clock by {@code nanosPerRead} each time. */
    private static InputStream trickle(byte[] data, AtomicLong clock, long nanosPerRead) {
        return new InputStream() {
            int i;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (i >= data.length) {
                    return -1;
                }
                clock.addAndGet(nanosPerRead);
                b[off] = data[i++];
                return 1;
            }
        };
    }

    private static final byte[] MESSAGE = ("Subject: x\r\n\r\n" + "y".repeat(200) + "\r\n.\r\n").getBytes();

    @Test
    void belowTheMinimumRateAfterTheGraceIsCutOff() {
        AtomicLong clock = new AtomicLong();
        SmtpInput in = new SmtpInput(trickle(MESSAGE, clock, SECOND / 5), clock::get); // 5 bytes/s
        in.limitTransfer(new SmtpInput.TransferLimit(0, 100, 3 * SECOND));
        assertThatThrownBy(() -> new DataReader(1_000_000, 998).read(in, new ByteArrayOutputStream()))
                .isInstanceOf(SmtpInput.TransferTooSlowException.class).hasMessageContaining("below 100 bytes/s");
        assertThat(clock.get()).isLessThanOrEqualTo(3 * SECOND + SECOND / 5); // caught at the first byte after the grace
    }

    @Test
    void pastTheDeadlineIsCutOffEvenAtAGoodRate() {
        AtomicLong clock = new AtomicLong();
        SmtpInput in = new SmtpInput(trickle(MESSAGE, clock, SECOND / 100), clock::get); // 100 bytes/s
        in.limitTransfer(new SmtpInput.TransferLimit(SECOND, 10, 0));
        assertThatThrownBy(() -> new DataReader(1_000_000, 998).read(in, new ByteArrayOutputStream()))
                .isInstanceOf(SmtpInput.TransferTooSlowException.class).hasMessageContaining("within 1000 ms");
    }

    @Test
    void aTransferWithinBothBoundsEndsNormally() throws Exception {
        AtomicLong clock = new AtomicLong();
        SmtpInput in = new SmtpInput(trickle(MESSAGE, clock, SECOND / 1000), clock::get); // 1000 bytes/s
        in.limitTransfer(new SmtpInput.TransferLimit(10 * SECOND, 500, 0));
        assertThat(new DataReader(1_000_000, 998).read(in, new ByteArrayOutputStream()).ended()).isTrue();
        in.endTransfer();
    }

    @Test
    void noLimitAfterTheTransferEnds() throws Exception {
        AtomicLong clock = new AtomicLong();
        SmtpInput in = new SmtpInput(trickle("NOOP\r\n".getBytes(), clock, 100 * SECOND), clock::get);
        in.limitTransfer(new SmtpInput.TransferLimit(SECOND, 1000, 0));
        in.endTransfer();
        assertThat(new String(in.readLine(100))).isEqualTo("NOOP");
    }
}
