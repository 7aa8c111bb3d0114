package org.mailferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.message.Address;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.message.Recipient;

/** A finished envelope read while keep() rewrites it in place (truncated, then written) is read again. */
class FinishedFilesTest {
    @TempDir
    Path dir;

    private static Envelope envelope(QueueId id) {
        return new Envelope(id, Instant.parse("2026-12-05T12:00:00Z"), new Address("app@example.com"),
                List.of(new Recipient(new Address("user@example.net"), Recipient.State.DELIVERED, "250 2.0.0 ok", "",
                        "")), "7BIT", false, 100, "", "", "[127.0.0.1]", 1, Instant.parse("2026-12-05T12:00:00Z"),
                false, List.of());
    }

    @Test
    void anEnvelopeCaughtBetweenTruncateAndWriteIsReadAgain() throws Exception {
        Path done = Files.createDirectories(dir.resolve("done"));
        FinishedFiles files = new FinishedFiles(done, Disk.system());
        QueueId id = QueueId.next(System.currentTimeMillis());
        Files.write(files.envelope(id), new byte[0]); // keep() truncated it, its write comes 30 ms later
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(30);
                Files.write(files.envelope(id), EnvelopeCodec.encode(envelope(id)));
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(files.find(id)).isEqualTo(envelope(id));
        writer.join();

        // one that stays unreadable is reported, with the file's place, after the re-reads
        QueueId broken = QueueId.next(System.currentTimeMillis());
        Files.writeString(files.envelope(broken), "not an envelope\n");
        assertThatThrownBy(() -> files.find(broken)).isInstanceOf(IOException.class)
                .hasMessageContaining(broken + ": unreadable envelope in " + done);
        assertThat(files.find(QueueId.next(System.currentTimeMillis()))).isNull();
    }
}
