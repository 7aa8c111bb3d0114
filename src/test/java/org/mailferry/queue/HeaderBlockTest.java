package org.mailferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The header block and its fields, read with index scanning and in blocks (issue 19), against the
 * byte-at-a-time reading and the regex splitting they replaced (kept here as the reference).
 */
class HeaderBlockTest {

    /** The reading this replaced: one byte per call, up to LF LF or LF CR LF or the bound. */
    private static byte[] readByteAtATime(InputStream body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        int prev1 = -1;
        int prev2 = -1;
        int b;
        while (out.size() < HeaderBlock.MAX_BYTES && (b = body.read()) >= 0) {
            out.write(b);
            if (b == '\n' && (prev1 == '\n' || (prev1 == '\r' && prev2 == '\n'))) {
                break;
            }
            prev2 = prev1;
            prev1 = b;
        }
        return out.toByteArray();
    }

    /** The field lookup this replaced: decode, split on lines, lower-case, unfold. */
    private static String fieldBySplitting(byte[] headers, String name) {
        String[] lines = new String(headers, StandardCharsets.UTF_8).split("\r?\n", -1);
        String wanted = name.toLowerCase(Locale.ROOT) + ":";
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].toLowerCase(Locale.ROOT).startsWith(wanted)) {
                StringBuilder v = new StringBuilder(lines[i].substring(wanted.length()));
                while (i + 1 < lines.length && !lines[i + 1].isEmpty()
                        && (lines[i + 1].charAt(0) == ' ' || lines[i + 1].charAt(0) == '\t')) {
                    v.append(' ').append(lines[++i].strip());
                }
                return v.toString().strip();
            }
        }
        return null;
    }

    /** A stream that returns at most {@code piece} bytes per read. */
    private static InputStream inPieces(byte[] b, int piece) {
        return new ByteArrayInputStream(b) {
            @Override
            public synchronized int read(byte[] dst, int off, int len) {
                return super.read(dst, off, Math.min(len, piece));
            }
        };
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', nullValues = "NULL", textBlock = """
            plain                 | "Message-ID: <a@b>\\r\\nSubject: x\\r\\n\\r\\n"          | Message-ID | <a@b>
            any case              | "message-id: <a@b>\\r\\n\\r\\n"                           | Message-ID | <a@b>
            name asked in lower   | "MESSAGE-ID:<a@b>\\r\\n\\r\\n"                            | message-id | <a@b>
            trimmed               | "Subject:   spaced out  \\r\\n\\r\\n"                     | Subject    | spaced out
            folded                | "Subject: one\\r\\n two\\r\\n\\tthree\\r\\nTo: x\\r\\n"  | Subject    | one two three
            first of two          | "Subject: a\\r\\nSubject: b\\r\\n\\r\\n"                  | Subject    | a
            LF only               | "To: x\\nSubject: lf\\n\\n"                               | Subject    | lf
            missing               | "To: x\\r\\n\\r\\n"                                       | Subject    | NULL
            prefix is not a name  | "Subject-Line: no\\r\\nSubject: yes\\r\\n"                | Subject    | yes
            space before colon    | "Subject : no\\r\\n\\r\\n"                                | Subject    | NULL
            empty value           | "Subject:\\r\\n\\r\\n"                                    | Subject    | ""
            last line, no LF      | "To: x\\r\\nSubject: end"                                 | Subject    | end
            UTF-8 value           | "Subject: caf\u00e9\\r\\n\\r\\n"                          | Subject    | caf\u00e9
            continuation only     | " Subject: no\\r\\n\\r\\n"                                | Subject    | NULL
            """)
    void findsAFieldUnfoldedAndTrimmed(String what, String headers, String name, String expected) {
        byte[] b = headers.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(HeaderBlock.field(b, name)).isEqualTo(expected == null ? null : expected.replace("\"", ""));
        assertThat(HeaderBlock.field(b, name)).as("as the regex version did").isEqualTo(fieldBySplitting(b, name));
    }

    @Test
    void readsAndFindsAsTheByteAtATimeVersionsDid() throws IOException {
        String[] pieces = {"Subject: s", "Message-ID: <m@x>", "To: a", "\r\n", "\n", "\r", " folded", "\t", "x",
            "message-id:<n@y>", "\u00e9"};
        Random random = new Random(19);
        for (int round = 0; round < 3000; round++) {
            StringBuilder text = new StringBuilder();
            int n = random.nextInt(40);
            for (int p = 0; p < n; p++) {
                text.append(pieces[random.nextInt(pieces.length)]);
            }
            byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
            byte[] expected = readByteAtATime(new ByteArrayInputStream(body));
            assertThat(HeaderBlock.read(body, body.length)).as(text.toString()).isEqualTo(expected);
            assertThat(HeaderBlock.read(inPieces(body, 1 + random.nextInt(8)))).as(text.toString())
                    .isEqualTo(expected);
            for (String name : new String[] {"Message-ID", "Subject", "To"}) {
                assertThat(HeaderBlock.field(expected, name)).as(text.toString())
                        .isEqualTo(fieldBySplitting(expected, name));
            }
        }
    }

    @Test
    void aHeaderBlockWithoutEndIsCutAtTheBound() throws IOException {
        byte[] body = "X-Long: ".concat("y".repeat(HeaderBlock.MAX_BYTES)).getBytes(StandardCharsets.US_ASCII);
        assertThat(HeaderBlock.read(new ByteArrayInputStream(body))).hasSize(HeaderBlock.MAX_BYTES)
                .isEqualTo(readByteAtATime(new ByteArrayInputStream(body)));
        assertThat(HeaderBlock.read(body, body.length)).hasSize(HeaderBlock.MAX_BYTES);
        byte[] endsAtTheBound = ("X: " + "y".repeat(HeaderBlock.MAX_BYTES - 7) + "\r\n\r\nbody")
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(HeaderBlock.read(inPieces(endsAtTheBound, 5000)))
                .isEqualTo(readByteAtATime(new ByteArrayInputStream(endsAtTheBound))).hasSize(HeaderBlock.MAX_BYTES);
    }
}
