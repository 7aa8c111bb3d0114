package org.mailferry.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Every byte value at every place of a word of plain text, and words of plain text only. */
class WordsTest {

    @Test
    void findsEveryByteBelowFourteenOrAboveAHundredTwentySevenAndEveryLf() {
        for (int filler : new int[] {' ', 'a', '~', 0x0E}) {
            byte[] b = new byte[10];
            for (int at = 0; at < 8; at++) {
                for (int v = 0; v < 256; v++) {
                    Arrays.fill(b, (byte) filler);
                    b[1 + at] = (byte) v;
                    assertThat(Words.special(b, 1)).as("byte %d at %d among %d", v, at, filler)
                            .isEqualTo(v < 14 || v > 127);
                    assertThat(Words.lf(b, 1) != 0).as("byte %d at %d among %d", v, at, filler).isEqualTo(v == '\n');
                }
            }
        }
        byte[] crlfs = "\r\n\r\n\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(Words.special(crlfs, 0)).isTrue();
        assertThat(Words.lf(crlfs, 0)).isNotZero();
    }
}
