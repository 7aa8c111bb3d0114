package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.Closer;
import org.mailferry.testing.FaultySmarthost;
import org.mailferry.testing.FaultySmarthost.Action;
import org.mailferry.testing.FaultySmarthost.Stage;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.Submitter;

/**
 * A smarthost that answers correctly but one byte at a time (issue 20, "A smarthost that answers
 * slowly"): every line used to arrive inside relay.command_timeout, so each message cost a worker
 * the whole slow session. Now a reply must end within relay.reply_transfer_timeout of its first
 * bytes and within relay.command_timeout of its command, and a transaction within
 * relay.transaction_timeout, body included. Too slow is a site failure: the message is deferred with
 * the limit in its reason, the site is down, and the rest of the backlog is deferred without a
 * session each until a probe succeeds. The test's limits are the defaults scaled down (10 ms a byte
 * and 100 ms here are 1 byte a second and 10 s at the defaults).
 */
class SlowSmarthostTest {
    private static final String BODY = "Subject: slow\r\n\r\nbody\r\n";
    private static final String TOO_SLOW = "(too slow: the site counts as failing)";

    @TempDir
    Path spool;
    @AutoClose
    private final Closer closing = new Closer();

    private FaultySmarthost smarthost(int receiveBuffer) throws Exception {
        FaultySmarthost s = new FaultySmarthost(receiveBuffer);
        closing.add(s);
        return s;
    }

    /** A relay with the given limits; null leaves a key at its default. */
    private RelayFixture relay(Path dir, int port, String command, String replyTransfer, String transaction,
                               int concurrency) throws Exception {
        java.nio.file.Files.createDirectories(dir);
        RelayFixture f = new RelayFixture(dir).smarthost(port)
                .set("relay.connect_timeout", "3s")
                .set("relay.concurrency", Integer.toString(concurrency))
                .set("queue.retry_min", "1h")
                .set("queue.retry_max", "1h");
        if (command != null) {
            f.set("relay.command_timeout", command);
        }
        if (replyTransfer != null) {
            f.set("relay.reply_transfer_timeout", replyTransfer);
        }
        if (transaction != null) {
            f.set("relay.transaction_timeout", transaction);
        }
        f.start();
        closing.add(f);
        return f;
    }

    private static String site(FaultySmarthost sh) {
        return "127.0.0.1[127.0.0.1]:" + sh.port();
    }

    private static String submit(RelayFixture f, String body) throws Exception {
        return Submitter.queueId(Submitter.send(f.address(), "a@client.test", List.of("x@dest.test"), body));
    }

    private static void assertDown(RelayFixture f, FaultySmarthost sh) {
        assertThat(f.relay().runner().sites().down()).singleElement()
                .satisfies(s -> assertThat(s.site()).isEqualTo(site(sh)));
    }

    @Test
    void aReplyWhoseLinesEachArriveInTimeButNotAllOfItIsASiteFailure() throws Exception {
        // 20 ms a byte: the greeting (23 bytes) takes 0.46 s, each EHLO line under 0.4 s, the whole
        // EHLO reply (66 bytes) 1.3 s: over the 1 s relay.command_timeout only as a whole
        FaultySmarthost sh = smarthost(0).slowReplies(20);
        RelayFixture f = relay(spool, sh.port(), "1s", null, null, 4);
        long start = System.nanoTime();
        String id = submit(f, BODY);

        DeliveryEvent.Deferred d = f.await(DeliveryEvent.Deferred.class, id, 15, TimeUnit.SECONDS);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(d.dsn()).isEqualTo("4.4.2");
        assertThat(d.reason()).contains("reply from " + site(sh) + " not completed within 1000 ms " + TOO_SLOW);
        assertThat(ms).as("deferred within greeting + one reply deadline, not after a slow delivery").isLessThan(3000);
        assertThat(sh.messages()).isEmpty();
        assertDown(f, sh);
        System.out.printf("slow replies (20 ms a byte, command_timeout 1 s): deferred after %d ms%n", ms);

        sh.slowReplies(0); // the smarthost is fast again: the probe brings the site back
        SmarthostFaultTest.retryNow(f);
        f.await(DeliveryEvent.Delivered.class, id, 15, TimeUnit.SECONDS);
        assertThat(f.relay().runner().sites().down()).isEmpty();
    }

    @Test
    void aTransactionOverItsDeadlineIsASiteFailure() throws Exception {
        // 10 ms a byte: each reply well inside 2 s; MAIL, RCPT, DATA and the final reply (64 bytes)
        // take 0.64 s, over a 400 ms relay.transaction_timeout
        FaultySmarthost sh = smarthost(0).slowReplies(10);
        RelayFixture f = relay(spool, sh.port(), "2s", null, "400ms", 4);
        long start = System.nanoTime();
        String id = submit(f, BODY);

        DeliveryEvent.Deferred d = f.await(DeliveryEvent.Deferred.class, id, 15, TimeUnit.SECONDS);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(d.dsn()).isEqualTo("4.4.2");
        assertThat(d.reason()).isEqualTo("conversation with " + site(sh) + ": transaction (MAIL FROM to the reply "
                + "after the final dot) with " + site(sh) + " not completed within 400 ms " + TOO_SLOW);
        assertThat(ms).as("greeting + EHLO (~0.9 s) + the 0.4 s transaction deadline").isLessThan(4000);
        assertThat(sh.messages()).isEmpty();
        assertDown(f, sh);
        System.out.printf("slow transaction (10 ms a byte, transaction_timeout 400 ms): deferred after %d ms%n", ms);
    }

    @Test
    void aBodyTheSmarthostStopsReadingIsCutAtTheTransactionDeadlineNotEachWritesLimit() throws Exception {
        // each write may take relay.command_timeout (5 s); the transaction as a whole only 1 s
        FaultySmarthost sh = smarthost(65536).fault(Stage.BODY, Action.STALL, 1);
        RelayFixture f = relay(spool, sh.port(), "5s", null, "1s", 4);
        StringBuilder big = new StringBuilder("Subject: big\r\n\r\n");
        String line = "x".repeat(76) + "\r\n";
        while (big.length() < 8_000_000) {
            big.append(line);
        }
        String id = submit(f, big.toString());
        long queued = System.nanoTime();

        DeliveryEvent.Deferred d = f.await(DeliveryEvent.Deferred.class, id, 15, TimeUnit.SECONDS);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - queued);
        assertThat(d.reason()).contains("transaction (MAIL FROM to the reply after the final dot) with " + site(sh)
                + " not completed within 1000 ms " + TOO_SLOW);
        assertThat(ms).as("the 1 s transaction deadline, not the 5 s write limit").isLessThan(4000);
        assertDown(f, sh);
        System.out.printf("body not read (transaction_timeout 1 s, command_timeout 5 s): deferred after %d ms%n", ms);
    }

    /**
     * The case at the defaults, scaled by 1/100: 10 ms a byte for 1 byte a second, a 100 ms
     * relay.reply_transfer_timeout for its 10 s default, relay.command_timeout and
     * relay.transaction_timeout at their defaults. Before, with no limit reached, every message was
     * delivered at the smarthost's pace; now the first sessions fail at the greeting, the site is
     * down, and the rest of the backlog is deferred without connecting.
     */
    @Test
    void aBacklogBehindATricklingSmarthostIsDeferredWithoutASessionEach() throws Exception {
        int backlog = 10;
        int workers = 2;

        FaultySmarthost before = smarthost(0).slowReplies(10);
        RelayFixture slow = relay(spool.resolve("before"), before.port(), null, "300s", null, workers);
        long beforeMs = drain(slow, backlog, DeliveryEvent.Delivered.class);
        assertThat(before.messages()).hasSize(backlog);
        slow.stop();

        FaultySmarthost sh = smarthost(0).slowReplies(10);
        RelayFixture f = relay(spool.resolve("after"), sh.port(), null, "100ms", null, workers);
        long afterMs = drain(f, backlog, DeliveryEvent.Deferred.class);
        assertThat(sh.messages()).isEmpty();
        assertThat(sh.sessions()).as("one session per worker at most, then none: the site is down")
                .isLessThanOrEqualTo(workers);
        List<DeliveryEvent.Deferred> deferred = f.eventsOf(DeliveryEvent.Deferred.class);
        assertThat(deferred).hasSize(backlog).allSatisfy(d -> assertThat(d.dsn()).isEqualTo("4.4.2"));
        assertThat(deferred).filteredOn(d -> d.reason().startsWith(Sites.SUSPENDED))
                .hasSizeGreaterThanOrEqualTo(backlog - workers);
        assertThat(deferred).filteredOn(d -> !d.reason().startsWith(Sites.SUSPENDED))
                .allSatisfy(d -> assertThat(d.reason()).isEqualTo("connect to " + site(sh) + ": reply from "
                        + site(sh) + " once begun not completed within 100 ms " + TOO_SLOW));
        assertDown(f, sh);

        double beforePerMessage = (double) beforeMs * workers / backlog;
        double afterPerMessage = (double) afterMs * workers / backlog;
        assertThat(afterPerMessage).as("worker time per message").isLessThan(beforePerMessage / 4);
        System.out.printf("trickling smarthost, 10 ms a byte, %d messages, %d workers: before (no limit reached) "
                + "%d ms, %.0f ms of a worker per message; after (reply_transfer_timeout 100 ms) %d ms, %.0f ms per "
                + "message, %d session(s)%n", backlog, workers, beforeMs, beforePerMessage, afterMs, afterPerMessage,
                sh.sessions());
    }

    /** Submits {@code n} messages and waits for one {@code outcome} each; the milliseconds it took. */
    private static <T extends DeliveryEvent> long drain(RelayFixture f, int n, Class<T> outcome) throws Exception {
        long start = System.nanoTime();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(submit(f, BODY));
        }
        for (String id : ids) {
            f.await(outcome, id, 30, TimeUnit.SECONDS);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    @Test
    void aSmarthostAtNormalSpeedIsNotAffectedBySmallDeadlines() throws Exception {
        FaultySmarthost sh = smarthost(0);
        RelayFixture f = relay(spool, sh.port(), "1s", "100ms", "400ms", 4);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(submit(f, BODY));
        }
        for (String id : ids) {
            f.await(DeliveryEvent.Delivered.class, id, 15, TimeUnit.SECONDS);
        }
        assertThat(sh.messages()).hasSize(5);
        assertThat(f.eventsOf(DeliveryEvent.Deferred.class)).isEmpty();
        assertThat(f.relay().runner().sites().down()).isEmpty();
    }
}
