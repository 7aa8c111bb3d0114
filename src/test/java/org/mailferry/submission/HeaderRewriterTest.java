package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The header-rewriting step against Postfix's own: headers/postfix-cleanup.in was sent with swaks
 * to Debian's Postfix 3.7 (test-scripts/postfix-cleanup.sh: myorigin = origin.test, client
 * 127.0.0.1, so local_header_rewrite_clients' default applies) and headers/postfix-cleanup.out is
 * what its cleanup wrote (its Received, Resent-Message-Id and Resent-Date left out: Mailferry
 * adds its own Received and no Resent-* fields). HeaderComparisonTest repeats this live.
 */
class HeaderRewriterTest {

    static String rewrite(String message, Set<String> drop, String origin) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        HeaderRewriter r = new HeaderRewriter(out, drop, origin);
        byte[] in = message.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < in.length; i += 7) { // in small pieces: fields cross writes
            r.write(in, i, Math.min(7, in.length - i));
        }
        r.finish();
        assertThat(r.written()).isEqualTo(out.size());
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static String crlf(String lf) {
        return lf.replace("\n", "\r\n");
    }

    @Test
    void qualifiesAndDropsAsPostfixCleanupDid() throws Exception {
        Path dir = Path.of("src/test/resources/headers");
        String in = crlf(Files.readString(dir.resolve("postfix-cleanup.in")));
        String postfix = crlf(Files.readString(dir.resolve("postfix-cleanup.out")));
        assertThat(rewrite(in, HeaderRules.DROP_ONLY.drop(), "origin.test")).isEqualTo(postfix);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            From: root (Cron Daemon)                 | From: root@origin.test (Cron Daemon)
            To: root                                 | To: root@origin.test
            to:  Jane <jane>                         | to: Jane <jane@origin.test>
            From: "Cron Daemon" <root>               | From: "Cron Daemon" <root@origin.test>
            To: jane@example.com                     | To: jane@example.com
            To:   jane@example.com  (spaces kept)    | To:   jane@example.com  (spaces kept)
            To: undisclosed-recipients:;             | To: undisclosed-recipients:;
            Sender: <>                               | Sender: <>
            Subject: root                            | Subject: root
            X-Original-To: root                      | X-Original-To: root
            """)
    void oneField(String field, String expected) throws Exception {
        assertThat(rewrite(field + "\r\n\r\nbody\r\n", Set.of(), "origin.test"))
                .isEqualTo(expected + "\r\n\r\nbody\r\n");
    }

    @Test
    void onlyTheMessagesOwnHeaderIsTouched() throws Exception {
        String m = "To: root\r\nBcc: x\r\n\r\nTo: root\r\nBcc: y\r\n--b\r\nFrom: root\r\n";
        assertThat(rewrite(m, HeaderRules.DROP_ONLY.drop(), "origin.test"))
                .isEqualTo("To: root@origin.test\r\n\r\nTo: root\r\nBcc: y\r\n--b\r\nFrom: root\r\n");
    }

    @Test
    void withoutAnOriginDomainOnlyDropsFoldedFieldsWhole() throws Exception {
        String m = "Bcc: a,\r\n b,\r\n\tc\r\nTo: root\r\nContent-Length: 3\r\nSubject: s\r\n\r\nhi\r\n";
        assertThat(rewrite(m, HeaderRules.DROP_ONLY.drop(), null)).isEqualTo("To: root\r\nSubject: s\r\n\r\nhi\r\n");
        assertThat(rewrite(m, Set.of(), null)).isEqualTo(m);
    }

    @Test
    void aHeaderWithoutBodyOrFinalLineEndIsKept() throws Exception {
        assertThat(rewrite("To: root\r\nSubject: s", Set.of("bcc"), "origin.test"))
                .isEqualTo("To: root@origin.test\r\nSubject: s");
        assertThat(rewrite("Bcc: root\r\n", Set.of("bcc"), "origin.test")).isEmpty();
    }

    @Test
    void aLineThatIsNoFieldEndsTheHeader() throws Exception {
        assertThat(rewrite("To: root\r\nnot a field\r\nBcc: x\r\n", Set.of("bcc"), "origin.test"))
                .isEqualTo("To: root@origin.test\r\nnot a field\r\nBcc: x\r\n");
    }

    @Test
    void aHugeHeaderPassesUnchangedBeyondTheBound() throws Exception {
        String big = "X-Big: " + "a".repeat(HeaderRewriter.MAX_HEADER_BYTES) + "\r\n";
        String m = big + "To: root\r\nBcc: x\r\n\r\nbody\r\n";
        assertThat(rewrite(m, Set.of("bcc"), "origin.test")).isEqualTo(m);
    }

    @Test
    void blockWritesDoWhatByteWritesDo() throws Exception {
        String cleanup = crlf(Files.readString(Path.of("src/test/resources/headers/postfix-cleanup.in")));
        String[] pieces = {"To: root\r\n", "Bcc: x\r\n", " folded\r\n", "Subject: s\r\n", "\r\n", "\n", "body ",
            "From: Jane <jane>\r\n", "\r", "x".repeat(3000)};
        Random random = new Random(19);
        for (int round = 0; round < 500; round++) {
            StringBuilder m = new StringBuilder(round == 0 ? cleanup : "");
            for (int p = random.nextInt(30); p > 0; p--) {
                m.append(pieces[random.nextInt(pieces.length)]);
            }
            byte[] in = m.toString().getBytes(StandardCharsets.ISO_8859_1);
            ByteArrayOutputStream byByte = new ByteArrayOutputStream();
            HeaderRewriter one = new HeaderRewriter(byByte, HeaderRules.DROP_ONLY.drop(), "origin.test");
            for (byte b : in) {
                one.write(b);
            }
            one.finish();
            ByteArrayOutputStream byBlock = new ByteArrayOutputStream();
            HeaderRewriter blocks = new HeaderRewriter(byBlock, HeaderRules.DROP_ONLY.drop(), "origin.test");
            for (int i = 0; i < in.length; ) {
                int n = Math.min(in.length - i, 1 + random.nextInt(random.nextBoolean() ? 4 : 5000));
                blocks.write(in, i, n);
                i += n;
            }
            blocks.finish();
            assertThat(byBlock.toString(StandardCharsets.ISO_8859_1)).as(m.toString())
                    .isEqualTo(byByte.toString(StandardCharsets.ISO_8859_1));
            assertThat(blocks.written()).isEqualTo(one.written());
        }
    }
}
