package org.mailferry.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DataReaderTest {

    record Case(String name, String wire, String body, String rest, boolean bare, boolean ended) {
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                new Case("plain", "Subject: x\r\n\r\nhello\r\n.\r\n", "Subject: x\r\n\r\nhello\r\n", "", false, true),
                new Case("empty message", ".\r\n", "", "", false, true),
                new Case("dot unstuffing", "a\r\n..b\r\n...\r\n.\r\n", "a\r\n.b\r\n..\r\n", "", false, true),
                new Case("what follows stays unread", "a\r\n.\r\nQUIT\r\n", "a\r\n", "QUIT\r\n", false, true),
                new Case("bare LF dot bare LF does not end", "a\n.\nb\r\n.\r\n", "a\n.\nb\r\n", "", true, true),
                new Case("bare CR dot bare CR does not end", "a\r.\rb\r\n.\r\n", "a\r.\rb\r\n", "", true, true),
                new Case("CRLF dot LF does not end", "a\r\n.\nMAIL FROM:<x@y>\r\n.\r\n", "a\r\n\nMAIL FROM:<x@y>\r\n",
                        "", true, true),
                new Case("LF dot CRLF does not end", "a\n.\r\nRCPT\r\n.\r\n", "a\n.\r\nRCPT\r\n", "", true, true),
                new Case("CRLF dot CR does not end", "a\r\n.\rb\r\n.\r\n", "a\r\n\rb\r\n", "", true, true),
                new Case("dot CR LF at start ends", "x\r\n.\r\n", "x\r\n", "", false, true),
                new Case("end of stream before the end", "a\r\nb\r\n", "a\r\nb\r\n", "", false, false))
                .map(c -> Arguments.of(c.name, c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void readsUntilCrlfDotCrlfOnly(String name, Case c) throws IOException {
        SmtpInput in = new SmtpInput(new ByteArrayInputStream(c.wire.getBytes(StandardCharsets.ISO_8859_1)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataReader.Result r = new DataReader(1 << 20, DataReader.MAX_LINE_OCTETS).read(in, out);
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo(c.body);
        assertThat(r.bareLineEnding()).as("bare line ending").isEqualTo(c.bare);
        assertThat(r.ended()).isEqualTo(c.ended);
        StringBuilder rest = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            rest.append((char) b);
        }
        assertThat(rest.toString()).isEqualTo(c.rest);
    }

    @ParameterizedTest(name = "limit {0}")
    @MethodSource("limits")
    void recordsSizeNulEightBitAndLongLines(String what, String wire, long max, boolean oversize, boolean nul,
                                            boolean eightBit, boolean longLine) throws IOException {
        SmtpInput in = new SmtpInput(new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataReader.Result r = new DataReader(max, 998).read(in, out);
        assertThat(r.ended()).isTrue();
        assertThat(r.oversize()).isEqualTo(oversize);
        assertThat(r.nul()).isEqualTo(nul);
        assertThat(r.eightBit()).isEqualTo(eightBit);
        assertThat(r.longLine()).isEqualTo(longLine);
        assertThat(out.size()).isLessThanOrEqualTo((int) max);
        assertThat(in.read()).as("stream consumed to the end of data").isEqualTo('Q');
    }

    static Stream<Arguments> limits() {
        return Stream.of(
                Arguments.of("fits", "abc\r\n.\r\nQ", 5, false, false, false, false),
                Arguments.of("too big", "abcdef\r\n.\r\nQ", 5, true, false, false, false),
                Arguments.of("NUL", "a\0b\r\n.\r\nQ", 100, false, true, false, false),
                Arguments.of("8-bit", "caf\u00e9\r\n.\r\nQ", 100, false, false, true, false),
                Arguments.of("998 is fine", "x".repeat(998) + "\r\n.\r\nQ", 2000, false, false, false, false),
                Arguments.of("999 is long", "x".repeat(999) + "\r\n.\r\nQ", 2000, false, false, false, true));
    }
}
