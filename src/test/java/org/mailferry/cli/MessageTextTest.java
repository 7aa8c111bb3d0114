package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The message as streamed ({@link MessageText#stream}, {@link BodyLines}) is byte for byte what the
 * line-by-line reading gave when it held the whole message (the reference below): same CRLF
 * lines, same end at a lone dot, same header fields; and the body is read only as it is consumed.
 */
class MessageTextTest {

    /** The whole-message reading the streaming replaced: lines, header fields, body lines. */
    private static byte[] reference(byte[] input, boolean ignoreDots) throws IOException {
        InputStream in = new ByteArrayInputStream(input);
        List<String> header = new ArrayList<>();
        List<String> body = new ArrayList<>();
        boolean inHeader = true;
        boolean first = true;
        String line;
        while ((line = line(in)) != null) {
            if (!ignoreDots && line.equals(".")) {
                break;
            }
            if (first && line.startsWith("From ")) {
                first = false;
                continue;
            }
            first = false;
            if (inHeader) {
                if (line.isEmpty()) {
                    inHeader = false;
                    continue;
                }
                if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && !header.isEmpty()) {
                    header.add(line);
                    continue;
                }
                int colon = line.indexOf(':');
                boolean field = colon > 0 && line.substring(0, colon).chars().allMatch(c -> c > ' ' && c < 0x7f);
                if (field) {
                    header.add(line);
                    continue;
                }
                inHeader = false;
            }
            body.add(line);
        }
        StringBuilder sb = new StringBuilder();
        header.forEach(l -> sb.append(l).append("\r\n"));
        sb.append("\r\n");
        body.forEach(l -> sb.append(l).append("\r\n"));
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            b.write(c);
        }
        if (c == -1 && b.size() == 0) {
            return null;
        }
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private static byte[] streamed(byte[] input, boolean ignoreDots) throws IOException {
        return MessageText.read(new ByteArrayInputStream(input), ignoreDots).stream().readAllBytes();
    }

    @Test
    void streamsWhatTheWholeMessageReadingGave() throws IOException {
        List<String> inputs = List.of("", "x", "Subject: a\n\nbody\n", "Subject: a\r\n\r\nbody\r\n.\r\nafter\n",
                "From me Mon\nSubject: a\n b\n\n.\n", ".\n", ".", ".\r", ".\r\r\n", "..\n.x\n", "a\rb\n\r\n\r",
                "Subject: x\nnot a header\n.\nrest", "Subject: x\n\n.", "Subject: x\n\nend\r", "\n\n\n",
                "Subject: x", " folded first\nSubject: y\n\nz\n", "Subject: x\n\n.\r\n", "Subject: x\n\n.\rx\n");
        for (String s : inputs) {
            byte[] in = s.getBytes(StandardCharsets.ISO_8859_1);
            for (boolean ignoreDots : new boolean[] {false, true}) {
                assertThat(new String(streamed(in, ignoreDots), StandardCharsets.ISO_8859_1))
                        .as("%s (-i %s)", s.replace("\r", "\\r").replace("\n", "\\n"), ignoreDots)
                        .isEqualTo(new String(reference(in, ignoreDots), StandardCharsets.ISO_8859_1));
            }
        }
        Random random = new Random(14);
        byte[] alphabet = "ab.:\r\n \tFrom".getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < 20_000; i++) {
            byte[] in = new byte[random.nextInt(40)];
            for (int j = 0; j < in.length; j++) {
                in[j] = alphabet[random.nextInt(alphabet.length)];
            }
            boolean ignoreDots = random.nextBoolean();
            assertThat(streamed(in, ignoreDots)).as(new String(in, StandardCharsets.ISO_8859_1))
                    .isEqualTo(reference(in, ignoreDots));
        }
    }

    @Test
    void theBodyIsReadOnlyAsTheStreamIsConsumed() throws IOException {
        byte[] big = ("Subject: big\n\n" + "line of the body\n".repeat(100_000)).getBytes(StandardCharsets.US_ASCII);
        ByteArrayInputStream in = new ByteArrayInputStream(big);
        MessageText m = MessageText.read(in, true);
        assertThat(in.available()).as("after the header, the body is still unread").isGreaterThan(big.length - 100);
        InputStream s = m.stream();
        byte[] chunk = new byte[8192];
        int first = s.read(chunk);
        first += s.read(chunk, first, chunk.length - first);
        assertThat(in.available()).as("one read takes what is at hand, not the whole").isGreaterThan(big.length / 2);
        long total = first + s.transferTo(java.io.OutputStream.nullOutputStream());
        assertThat(total).isEqualTo(reference(big, true).length);
    }

    @Test
    void aHeaderBeyondItsBoundGoesOnAsBody() throws IOException {
        String fields = "X-Long: " + "y".repeat(MessageText.MAX_HEADER_BYTES) + "\nTo: late@example.com\n\nbody\n";
        MessageText m = MessageText.read(new ByteArrayInputStream(fields.getBytes(StandardCharsets.US_ASCII)), true);
        assertThat(m.has("X-Long")).isFalse();
        assertThat(m.has("To")).isFalse();
        assertThat(new String(m.toBytes(), StandardCharsets.US_ASCII)).startsWith("\r\nX-Long: yyy")
                .endsWith("To: late@example.com\r\n\r\nbody\r\n");
    }
}
