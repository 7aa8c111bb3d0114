package org.mailferry.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ProtocolException;

/**
 * Coverage-guided fuzzing (Jazzer) of what reads untrusted SMTP bytes. Without JAZZER_FUZZ=1 the
 * tests replay the committed inputs under src/test/resources (regression mode, part of the normal
 * build); test-scripts/fuzz.sh runs each for longer. Each finding becomes a seed file there.
 */
class SmtpParsingFuzzTest {

    /** MAIL FROM / RCPT TO arguments: a value or a SyntaxException, nothing else. */
    @FuzzTest(maxDuration = "60s")
    void pathArgument(FuzzedDataProvider data) {
        String keyword = data.consumeBoolean() ? "FROM" : "TO";
        String arg = data.consumeRemainingAsString();
        try {
            PathArgument p = PathArgument.parse(arg, keyword);
            assertThat(p.address()).isNotNull();
            for (String k : p.parameters().keySet()) {
                assertThat(k).isUpperCase();
            }
        } catch (PathArgument.SyntaxException expected) {
            // the message is echoed in a 501 reply: it must stay one reply line on the wire
            String message = String.valueOf(expected.getMessage());
            String wire = new String(Reply.of(501, EnhancedStatus.BAD_PARAMETERS, message).wire(),
                    java.nio.charset.StandardCharsets.UTF_8);
            assertThat(wire.indexOf('\r')).isEqualTo(wire.length() - 2);
            assertThat(wire.indexOf('\n')).isEqualTo(wire.length() - 1);
        }
    }

    /**
     * The DATA reader ends exactly at the first CRLF.CRLF (or a "." line at the very start) and
     * nowhere else: no bare CR/LF look-alike ends a message (SMTP smuggling), and it never writes
     * more than the size limit.
     */
    @FuzzTest(maxDuration = "60s")
    void dataReader(FuzzedDataProvider data) throws IOException {
        int max = data.consumeInt(1, 4096);
        int maxLine = data.consumeInt(1, 1000);
        byte[] input = data.consumeRemainingAsBytes();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        DataReader.Result r = new DataReader(max, maxLine).read(new SmtpInput(new ByteArrayInputStream(input)), sink);
        assertThat(sink.size()).isLessThanOrEqualTo(max);
        assertThat(r.bytes()).isLessThanOrEqualTo(max);
        boolean terminated = startsWith(input, ".\r\n") || indexOf(input, "\r\n.\r\n") >= 0;
        assertThat(r.ended()).as("ends iff CRLF.CRLF is present").isEqualTo(terminated);
    }

    /** Smarthost replies: a Reply or an IOException (ProtocolException for garbage), nothing else. */
    @FuzzTest(maxDuration = "60s")
    void replyReader(FuzzedDataProvider data) {
        byte[] input = data.consumeRemainingAsBytes();
        try {
            Reply r = ReplyReader.read(new SmtpInput(new ByteArrayInputStream(input)), true);
            assertThat(r.code()).isBetween(200, 599);
        } catch (ProtocolException | java.io.EOFException expected) {
            // garbage or a truncated reply: the client classifies it as a temporary failure
        } catch (IOException e) {
            throw new AssertionError("unexpected I/O failure on in-memory input", e);
        }
    }

    static boolean startsWith(byte[] b, String prefix) {
        if (b.length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (b[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    static int indexOf(byte[] b, String s) {
        outer:
        for (int i = 0; i + s.length() <= b.length; i++) {
            for (int j = 0; j < s.length(); j++) {
                if (b[i + j] != s.charAt(j)) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
