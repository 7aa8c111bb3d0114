package org.mailferry.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.mailferry.message.Address;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.message.Recipient;
import org.mailferry.queue.EnvelopeCodec;

/**
 * A spool filled with deferred messages before the relay starts (an outage's backlog), written as
 * the file spool lays them out, without fsync: a fixture, as bench/FillSpool.java.
 */
public final class FilledSpool {
    private FilledSpool() {
    }

    /** Writes {@code n} messages, each tried once and due at {@code due}; returns their ids. */
    public static List<QueueId> fill(Path spool, int n, Instant due) throws IOException {
        Path q = Files.createDirectories(spool.resolve("queue"));
        byte[] body = "Subject: backlog\r\n\r\nwaited for the smarthost\r\n".getBytes(StandardCharsets.US_ASCII);
        Instant arrival = due.minusSeconds(60);
        List<QueueId> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            QueueId id = QueueId.next(arrival.toEpochMilli());
            Recipient r = new Recipient(new Address("user" + i + "@example.net"), Recipient.State.PENDING,
                    "451 4.3.0 try again later", "", "");
            Envelope e = new Envelope(id, arrival, new Address("app@example.com"), List.of(r), "7BIT", false,
                    body.length, "", "", "[127.0.0.1]", 1, due, false, List.of());
            Files.write(q.resolve(id + ".body"), body);
            Files.write(q.resolve(id + ".env"), EnvelopeCodec.encode(e));
            ids.add(id);
        }
        return ids;
    }
}
