package org.mailferry.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@link DataWriter} that scans for line ends only against the byte-at-a-time one it replaced
 * ({@link ByteDataWriter}): the same bytes on the wire and the same count of inserted breaks, for
 * random bodies (dots, CR, LF, long lines) read in random pieces, with line limits from 1 up.
 */
class DataWriterEquivalenceTest {
    private static final String[] PIECES = {"a", "hello world ", "x".repeat(700), "y".repeat(1500), ".", "..", "\r",
        "\n", "\r\n", "\r\n.", "\r.", "\n.", " "};

    /** A body that arrives in pieces of at most the given sizes, cycled. */
    private static InputStream pieces(byte[] body, int... sizes) {
        return new ByteArrayInputStream(body) {
            private int next;

            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, sizes[next++ % sizes.length]));
            }
        };
    }

    private static void assertSame(byte[] body, int maxLine, int... sizes) throws IOException {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        long expectedBreaks = new ByteDataWriter(maxLine).write(pieces(body, sizes), expected);
        ByteArrayOutputStream actual = new ByteArrayOutputStream();
        long breaks = new DataWriter(maxLine).write(pieces(body, sizes), actual);
        String what = String.format("body %s, line limit %d, pieces %s", escaped(body), maxLine,
                java.util.Arrays.toString(sizes));
        assertThat(actual.toString(StandardCharsets.ISO_8859_1)).as(what)
                .isEqualTo(expected.toString(StandardCharsets.ISO_8859_1));
        assertThat(breaks).as(what).isEqualTo(expectedBreaks);
    }

    private static String escaped(byte[] body) {
        String s = new String(body, StandardCharsets.ISO_8859_1);
        if (s.length() > 300) {
            s = s.substring(0, 300) + "...";
        }
        return s.replace("\r", "\\r").replace("\n", "\\n");
    }

    @Test
    @Timeout(120) // a scan that stops advancing fails here instead of hanging the build
    void randomBodiesInRandomPieces() throws IOException {
        Random random = new Random(19);
        for (int round = 0; round < 3000; round++) {
            StringBuilder text = new StringBuilder();
            for (int p = random.nextInt(50); p > 0; p--) {
                text.append(PIECES[random.nextInt(PIECES.length)]);
            }
            byte[] body = text.toString().getBytes(StandardCharsets.ISO_8859_1);
            int maxLine = switch (random.nextInt(4)) {
                case 0 -> DataReader.MAX_LINE_OCTETS;
                case 1 -> 0;
                default -> 1 + random.nextInt(30);
            };
            int[] sizes = new int[1 + random.nextInt(4)];
            for (int s = 0; s < sizes.length; s++) {
                sizes[s] = random.nextInt(3) == 0 ? 1 : 1 + random.nextInt(body.length + 1);
            }
            assertSame(body, maxLine, sizes);
        }
    }

    static Stream<Arguments> edges() {
        return Stream.of(
                Arguments.of("empty", "", 998, new int[] {100}),
                Arguments.of("dot lines", ".\r\n..\r\n.x\r\n", 998, new int[] {1}),
                Arguments.of("dot after CR at a line start", "a\r\n\r.b\r\n", 998, new int[] {100}),
                Arguments.of("dot at the start of a read", "ab\r\n.c\r\n", 998, new int[] {4, 100}),
                Arguments.of("line exactly at the limit", "x".repeat(998) + "\r\n", 998, new int[] {100000}),
                Arguments.of("line one over the limit", "x".repeat(999) + "\r\n", 998, new int[] {100000}),
                Arguments.of("long line across reads", "x".repeat(5000) + "\r\nend\r\n", 998, new int[] {333}),
                Arguments.of("long line with CRs across reads", ("x".repeat(300) + "\r").repeat(10) + "\n", 998,
                        new int[] {77, 1000}),
                Arguments.of("stuffed dot on a full line", "." + "x".repeat(997) + "\r\n", 998, new int[] {100}),
                Arguments.of("limit of one", ".ab\r\ncd\r\n", 1, new int[] {2}),
                Arguments.of("no final CRLF", "a\r\nb", 998, new int[] {100}),
                Arguments.of("final CRLF split", "a\r\nb\r\n", 998, new int[] {5, 1}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("edges")
    void edgeCases(String name, String body, int maxLine, int[] sizes) throws IOException {
        assertSame(body.getBytes(StandardCharsets.ISO_8859_1), maxLine, sizes);
    }
}
