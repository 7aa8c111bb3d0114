package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.FaultySmarthost;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.Submitter;

/**
 * A smarthost that answers correctly but one byte at a time (issue 20, "A smarthost that answers
 * slowly"): every line arrives inside relay.command_timeout, yet a whole reply must too, and a
 * whole transaction must arrive inside relay.transaction_timeout. Too slow is a site failure: the
 * message is deferred with the limit in its reason and the site is marked down until a probe
 * succeeds. A smarthost at normal speed is not affected by the same small limits.
 */
class SlowSmarthostTest {
    private static final String BODY = "Subject: slow\r\n\r\nbody\r\n";

    @TempDir
    Path spool;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
    }

    private FaultySmarthost smarthost() throws Exception {
        FaultySmarthost s = new FaultySmarthost();
        closing.add(s);
        return s;
    }

    private RelayFixture relay(int port, String commandTimeout, String transactionTimeout) throws Exception {
        RelayFixture f = new RelayFixture(spool).smarthost(port)
                .set("relay.command_timeout", commandTimeout)
                .set("relay.transaction_timeout", transactionTimeout)
                .set("relay.connect_timeout", "3s")
                .set("queue.retry_min", "1h")
                .set("queue.retry_max", "1h")
                .start();
        closing.add(f);
        return f;
    }

    private static String site(FaultySmarthost sh) {
        return "127.0.0.1[127.0.0.1]:" + sh.port();
    }

    @Test
    void aReplyWhoseLinesEachArriveInTimeButNotAllOfItIsASiteFailure() throws Exception {
        // 20 ms a byte: the greeting (23 bytes) takes 0.46 s, each EHLO line under 0.4 s, the whole
        // EHLO reply (66 bytes) 1.3 s: over the 1 s relay.command_timeout only as a whole
        FaultySmarthost sh = smarthost().slowReplies(20);
        RelayFixture f = relay(sh.port(), "1s", "20m");
        long start = System.nanoTime();
        String id = Submitter.queueId(Submitter.send(f.address(), "a@client.test", List.of("x@dest.test"), BODY));

        DeliveryEvent.Deferred d = f.await(DeliveryEvent.Deferred.class, id, 15, TimeUnit.SECONDS);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(d.dsn()).isEqualTo("4.4.2");
        assertThat(d.reason()).contains("reply from " + site(sh) + " not completed within 1000 ms")
                .contains("too slow");
        assertThat(ms).as("deferred within greeting + one reply deadline, not after a slow delivery").isLessThan(3000);
        assertThat(sh.messages()).isEmpty();
        assertThat(f.relay().runner().sites().down()).singleElement()
                .satisfies(s -> assertThat(s.site()).isEqualTo(site(sh)));

        sh.slowReplies(0); // the smarthost is fast again: the probe brings the site back
        SmarthostFaultTest.retryNow(f);
        f.await(DeliveryEvent.Delivered.class, id, 15, TimeUnit.SECONDS);
        assertThat(f.relay().runner().sites().down()).isEmpty();
        System.out.printf("slow replies (20 ms a byte, command_timeout 1 s): deferred after %d ms%n", ms);
    }

    @Test
    void aTransactionOverItsDeadlineIsASiteFailure() throws Exception {
        // 10 ms a byte: each reply well inside 2 s; MAIL, RCPT, DATA and the final reply (64 bytes)
        // take 0.64 s, over a 400 ms relay.transaction_timeout
        FaultySmarthost sh = smarthost().slowReplies(10);
        RelayFixture f = relay(sh.port(), "2s", "400ms");
        long start = System.nanoTime();
        String id = Submitter.queueId(Submitter.send(f.address(), "a@client.test", List.of("x@dest.test"), BODY));

        DeliveryEvent.Deferred d = f.await(DeliveryEvent.Deferred.class, id, 15, TimeUnit.SECONDS);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(d.dsn()).isEqualTo("4.4.2");
        assertThat(d.reason()).contains("conversation with " + site(sh))
                .contains("transaction (MAIL FROM to the reply after the final dot) with " + site(sh)
                        + " not completed within 400 ms");
        assertThat(ms).as("greeting + EHLO (~0.9 s) + the 0.4 s transaction deadline").isLessThan(4000);
        assertThat(f.relay().runner().sites().down()).singleElement()
                .satisfies(s -> assertThat(s.site()).isEqualTo(site(sh)));
        System.out.printf("slow transaction (10 ms a byte, transaction_timeout 400 ms): deferred after %d ms%n", ms);
    }

    @Test
    void aSmarthostAtNormalSpeedIsNotAffectedBySmallDeadlines() throws Exception {
        FaultySmarthost sh = smarthost();
        RelayFixture f = relay(sh.port(), "1s", "400ms");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(Submitter.queueId(Submitter.send(f.address(), "a@client.test", List.of("x@dest.test"), BODY)));
        }
        for (String id : ids) {
            f.await(DeliveryEvent.Delivered.class, id, 15, TimeUnit.SECONDS);
        }
        assertThat(sh.messages()).hasSize(5);
        assertThat(f.eventsOf(DeliveryEvent.Deferred.class)).isEmpty();
        assertThat(f.relay().runner().sites().down()).isEmpty();
    }
}
