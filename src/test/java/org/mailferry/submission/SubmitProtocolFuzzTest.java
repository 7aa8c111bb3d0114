package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Coverage-guided fuzzing (Jazzer) of what any local user can send to the submit socket or leave
 * in the maildrop: a drop (SUBMIT, maildrop files) and the native client's SEND request. Any bytes
 * give a request within its bounds or a MalformedException (the daemon answers it), never another
 * exception. Regression mode replays the committed inputs; test-scripts/fuzz.sh fuzzes longer.
 */
class SubmitProtocolFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void drop(FuzzedDataProvider data) throws IOException {
        byte[] bytes = data.consumeRemainingAsBytes();
        try {
            Drop d = Drop.read(new ByteArrayInputStream(bytes), 1 << 16);
            assertThat(d.recipients()).isNotEmpty().hasSameSizeAs(d.recipientDsn());
            assertThat(d.body().length).isLessThanOrEqualTo(1 << 16);
            assertThat(new String(Drop.read(new ByteArrayInputStream(d.encode()), 1 << 16).encode(),
                    java.nio.charset.StandardCharsets.ISO_8859_1))
                    .as("what is read encodes back the same").isEqualTo(new String(d.encode(),
                            java.nio.charset.StandardCharsets.ISO_8859_1));
        } catch (Drop.MalformedException | Drop.TooBigException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @FuzzTest(maxDuration = "60s")
    void sendRequest(FuzzedDataProvider data) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(data.consumeRemainingAsBytes());
        try {
            SendRequest r = SendRequest.read(in);
            assertThat(r.args()).hasSizeLessThanOrEqualTo(SendRequest.MAX_ARGS);
            BoundedInput m = SendRequest.message(in);
            byte[] message = m.readAllBytes();
            m.complete();
            assertThat(message.length).isLessThanOrEqualTo(SendRequest.MAX_MESSAGE_BYTES);
        } catch (Drop.MalformedException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }
}
