package org.mailferry.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The block-scanning {@link DataReader} against the byte-at-a-time one it replaced
 * ({@link ByteDataReader}): the same bytes in the sink, the same result and the same bytes left
 * unread, for random DATA sections (CR, LF, dots, NUL, 8-bit bytes, long lines, size limits) arriving
 * in random pieces down to one byte, and for the cases where a buffer boundary matters.
 */
class DataReaderEquivalenceTest {
    private static final String[] PIECES = {"a", "hello world ", "x".repeat(1200), ".", "..", "\r", "\n", "\r\n",
        "\r\n.", "\r\n.\r", "\r\n..", ".\r", "\0", "\u00e9", "\t", "MAIL FROM:<a@b>"};

    /** Where the wire arrives in pieces of the given sizes, cycled (SmtpInput reads at most that much). */
    private static InputStream pieces(byte[] wire, int... sizes) {
        return new InputStream() {
            private int pos;
            private int next;

            @Override
            public int read() {
                return pos < wire.length ? wire[pos++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= wire.length) {
                    return -1;
                }
                int n = Math.min(Math.min(len, sizes[next++ % sizes.length]), wire.length - pos);
                System.arraycopy(wire, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }

    private record Outcome(DataReader.Result result, String body, String rest) {
    }

    private static String rest(SmtpInput in) throws IOException {
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        byte[] b = new byte[4096];
        int n;
        while ((n = in.readSome(b, 0, b.length)) > 0) {
            rest.write(b, 0, n);
        }
        return rest.toString(StandardCharsets.ISO_8859_1);
    }

    private static void assertSame(byte[] wire, long maxBytes, int maxLine, int... sizes) throws IOException {
        SmtpInput oldIn = new SmtpInput(pieces(wire, sizes));
        ByteArrayOutputStream oldOut = new ByteArrayOutputStream();
        DataReader.Result oldResult = new ByteDataReader(maxBytes, maxLine).read(oldIn, oldOut);
        Outcome expected = new Outcome(oldResult, oldOut.toString(StandardCharsets.ISO_8859_1), rest(oldIn));
        SmtpInput newIn = new SmtpInput(pieces(wire, sizes));
        ByteArrayOutputStream newOut = new ByteArrayOutputStream();
        DataReader.Result newResult = new DataReader(maxBytes, maxLine).read(newIn, newOut);
        Outcome actual = new Outcome(newResult, newOut.toString(StandardCharsets.ISO_8859_1), rest(newIn));
        assertThat(actual).as("wire %s, limit %d, line %d, pieces %s", escaped(wire), maxBytes, maxLine,
                java.util.Arrays.toString(sizes)).isEqualTo(expected);
    }

    private static String escaped(byte[] wire) {
        String s = new String(wire, StandardCharsets.ISO_8859_1);
        if (s.length() > 300) {
            s = s.substring(0, 300) + "...";
        }
        return s.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0");
    }

    @Test
    @Timeout(120) // a scan that stops advancing fails here instead of hanging the build
    void randomDataSectionsInRandomPieces() throws IOException {
        Random random = new Random(19);
        for (int round = 0; round < 3000; round++) {
            StringBuilder text = new StringBuilder();
            int pieces = random.nextInt(60);
            for (int p = 0; p < pieces; p++) {
                text.append(PIECES[random.nextInt(PIECES.length)]);
            }
            if (random.nextInt(10) > 0) {
                text.append("\r\n.\r\n");
            }
            if (random.nextBoolean()) {
                text.append("QUIT\r\n");
            }
            byte[] wire = text.toString().getBytes(StandardCharsets.ISO_8859_1);
            long maxBytes = random.nextInt(4) == 0 ? random.nextInt(wire.length + 2) : 1 << 20;
            int maxLine = random.nextBoolean() ? DataReader.MAX_LINE_OCTETS : 1 + random.nextInt(40);
            int[] sizes = new int[1 + random.nextInt(5)];
            for (int s = 0; s < sizes.length; s++) {
                sizes[s] = random.nextInt(3) == 0 ? 1 : 1 + random.nextInt(wire.length + 1);
            }
            assertSame(wire, maxBytes, maxLine, sizes);
        }
    }

    static Stream<Arguments> edges() {
        String big = "y".repeat(40000);
        return Stream.of(
                Arguments.of("bare LF", "a\nb\n.\nc\r\n.\r\n", 1 << 20, new int[] {1}),
                Arguments.of("bare CR", "a\rb\r.\rc\r\n.\r\n", 1 << 20, new int[] {1}),
                Arguments.of("end split after CR LF dot", "ab\r\n.\r\nQUIT\r\n", 1 << 20, new int[] {5, 1, 100}),
                Arguments.of("end split after dot CR", "ab\r\n.\r\nQUIT\r\n", 1 << 20, new int[] {6, 100}),
                Arguments.of("CRLF split between reads", "ab\r\ncd\r\n.\r\n", 1 << 20, new int[] {3, 100}),
                Arguments.of("dot CR then bare, split", "ab\r\n.\rX\r\n.\r\n", 1 << 20, new int[] {6, 100}),
                Arguments.of("line longer than the buffer", big + "\r\n." + big + "\r\n.\r\n", 1 << 20,
                        new int[] {100000}),
                Arguments.of("long line, limit inside it", big + "\r\n.\r\n", 20000, new int[] {16384}),
                Arguments.of("limit cuts a CRLF", "abcd\r\nefgh\r\n.\r\nQ", 5, new int[] {100}),
                Arguments.of("limit right after a CRLF", "abcd\r\nefgh\r\n.\r\nQ", 6, new int[] {100}),
                Arguments.of("limit cuts a held CRLF", "abcd\r\nefgh\r\n.\r\nQ", 5, new int[] {5, 100}),
                Arguments.of("limit on a bare CR", "abcd\rxfgh\r\n.\r\nQ", 5, new int[] {5, 100}),
                Arguments.of("limit exceeded, end of stream", "abcdefgh\r\n", 3, new int[] {2}),
                Arguments.of("CR at end of stream", "abc\r", 100, new int[] {1}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("edges")
    void edgeCases(String name, String wire, long maxBytes, int[] sizes) throws IOException {
        assertSame(wire.getBytes(StandardCharsets.ISO_8859_1), maxBytes, DataReader.MAX_LINE_OCTETS, sizes);
    }

    @Test
    void passesTheMessageOnInBlocks() throws IOException {
        String line = "0123456789".repeat(7) + "\r\n";
        String body = line.repeat(1400) + ".." + line; // about 100 KiB, one stuffed line
        byte[] wire = (body + ".\r\n").getBytes(StandardCharsets.ISO_8859_1);
        int[] writes = new int[1];
        OutputStream counting = new OutputStream() {
            @Override
            public void write(int b) {
                writes[0] += 1000; // a byte-at-a-time write fails the bound below at once
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writes[0]++;
            }
        };
        DataReader.Result r = new DataReader(1 << 20, DataReader.MAX_LINE_OCTETS)
                .read(new SmtpInput(pieces(wire, 65536)), counting);
        assertThat(r.ended()).isTrue();
        assertThat(r.bytes()).isEqualTo(body.length() - 1);
        assertThat(writes[0]).as("writes for %d bytes", r.bytes()).isLessThanOrEqualTo(12);
    }
}
