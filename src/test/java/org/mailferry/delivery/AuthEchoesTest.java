package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mailferry.smtp.Reply;

/** What a smarthost may echo of our AUTH exchange, and what is left of it after scrubbing. */
class AuthEchoesTest {
    private static final String PASSWORD = "hunter2-but-longer";
    private static final String BLOB = b64("\0app@example.com\0" + PASSWORD);

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A channel whose server answers each line with {@code reply.apply(line)}. */
    private static SmtpAuth.Channel echoing(java.util.function.UnaryOperator<String> reply) {
        AuthEchoes echoes = new AuthEchoes(PASSWORD);
        return echoes.wrap(line -> new Reply(535, null, List.of(reply.apply(line))));
    }

    @Test
    void echoesOfTheLineTheBlobAndThePasswordAreScrubbed() throws Exception {
        String[][] table = {
                // what the server says (LINE = the line we sent)       what is left
                {"5.7.8 failed: LINE", "5.7.8 failed: [scrubbed]"},
                {"5.7.8 bad response " + BLOB, "5.7.8 bad response [scrubbed]"},
                {"5.7.8 bad response '" + BLOB.substring(4, 20) + "...'", "5.7.8 bad response '[scrubbed]...'"},
                {"5.7.8 password " + PASSWORD + " wrong", "5.7.8 password [scrubbed] wrong"},
                {"5.7.8 user \0app@example.com\0" + PASSWORD, "5.7.8 user [scrubbed]"},
                {"5.7.8 Error: authentication failed: UGFzc3dvcmQ6", "5.7.8 Error: authentication failed: UGFzc3dvcmQ6"},
        };
        for (String[] row : table) {
            Reply r = echoing(line -> row[0].replace("LINE", line)).exchange("AUTH PLAIN " + BLOB);
            assertThat(r.lines().get(0)).as(row[0]).isEqualTo(row[1]);
        }
    }

    @Test
    void loginStepsAndErrorTextsAreScrubbedToo() throws Exception {
        AuthEchoes echoes = new AuthEchoes(PASSWORD);
        SmtpAuth.Channel ch = echoes.wrap(line -> {
            if (line.equals(b64(PASSWORD))) {
                throw new ProtocolException("malformed reply line: 5x5 " + line);
            }
            return new Reply(334, null, List.of("UGFzc3dvcmQ6"));
        });
        ch.exchange("AUTH LOGIN");
        ch.exchange(b64("app@example.com"));
        assertThatThrownBy(() -> ch.exchange(b64(PASSWORD))).isInstanceOf(ProtocolException.class)
                .hasMessage("malformed reply line: 5x5 [scrubbed]");
    }
}
