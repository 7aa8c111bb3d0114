// Fills a spool with N deferred messages (4 KiB bodies, one recipient, next attempt in an hour),
// written directly without fsync: a fixture for bench/bigqueue.sh, not a way to queue mail.
// java -cp target/mailferry.jar bench/FillSpool.java SPOOL N [SENDERS]
// SENDERS: how many envelope senders, message i from app(i % SENDERS)@example.com (default 1: app@example.com)
import java.nio.file.*;
import java.time.Instant;
import java.util.List;
import org.mailferry.message.*;
import org.mailferry.queue.EnvelopeCodec;

public class FillSpool {
    public static void main(String[] a) throws Exception {
        Path q = Files.createDirectories(Path.of(a[0], "queue"));
        int n = Integer.parseInt(a[1]);
        int senders = a.length > 2 ? Integer.parseInt(a[2]) : 1;
        byte[] body = ("Subject: deferred\r\n\r\n" + "x".repeat(76) + "\r\n").repeat(50).getBytes();
        Instant now = Instant.now();
        for (int i = 0; i < n; i++) {
            QueueId id = QueueId.next(now.toEpochMilli());
            Recipient r = new Recipient(new Address("user" + i + "@example.net"), Recipient.State.PENDING,
                    "451 4.3.0 try again later", "", "");
            Envelope e = new Envelope(id, now, new Address(senders == 1 ? "app@example.com" : "app" + (i % senders) + "@example.com"), List.of(r), "7BIT", false,
                    body.length, "", "", "[127.0.0.1]", 1, now.plusSeconds(3600), false, List.of());
            Files.write(q.resolve(id + ".body"), body);
            Files.write(q.resolve(id + ".env"), EnvelopeCodec.encode(e));
        }
    }
}
