package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.Closer;
import org.mailferry.testing.FaultySmarthost;
import org.mailferry.testing.FaultySmarthost.Action;
import org.mailferry.testing.FaultySmarthost.Stage;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.Submitter;

/**
 * Every smarthost fault of docs/faults.md: the relay defers (or bounces) as the classifier says,
 * keeps the message, and delivers it on the next run; a duplicate only where the reply after the
 * final dot was lost (RFC 1047). Retries are driven with {@link QueueRunner#flush()}.
 */
class SmarthostFaultTest {
    /** On the wire: the second line is dot-stuffed, its content is ".dot line". */
    private static final String BODY = "Subject: fault\r\n\r\nline one\r\n..dot line\r\n";

    @TempDir
    Path spool;
    @AutoClose
    private final Closer closing = new Closer();

    private RelayFixture relay(int smarthostPort) throws Exception {
        RelayFixture f = new RelayFixture(spool).smarthost(smarthostPort)
                .set("relay.command_timeout", "1s")
                .set("relay.connect_timeout", "2s")
                .set("queue.retry_min", "1h")
                .set("queue.retry_max", "1h")
                .start();
        closing.add(f);
        return f;
    }

    private FaultySmarthost smarthost(int receiveBuffer) throws Exception {
        FaultySmarthost s = new FaultySmarthost(receiveBuffer);
        closing.add(s);
        return s;
    }

    static <T extends DeliveryEvent> List<T> awaitCount(RelayFixture f, Class<T> type, String id, int n)
            throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < end) {
            List<T> got = f.eventsOf(type).stream().filter(e -> e.id().value().equals(id)).toList();
            if (got.size() >= n) {
                return got;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("fewer than " + n + " " + type.getSimpleName() + " for " + id + ": " + f.events);
    }

    /** Waits until the deferred message is back in the schedule, then makes it due now. */
    static void retryNow(RelayFixture f) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (f.relay().runner().scheduledCount() == 0 && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        f.relay().runner().flush();
    }

    private static long queued(Path spool) throws Exception {
        try (Stream<Path> s = Files.list(spool.resolve("queue"))) {
            return s.filter(p -> p.toString().endsWith(".env")).count();
        }
    }

    /** The messages the client submitted, without DSNs (null sender) the relay sent itself. */
    private static List<FaultySmarthost.Message> original(FaultySmarthost sh) {
        return sh.messages().stream().filter(m -> !m.sender().isEmpty()).toList();
    }

    static Stream<Arguments> faults() {
        List<Arguments> out = new ArrayList<>();
        for (Stage st : Stage.values()) {
            for (Action a : new Action[] {Action.DROP, Action.STALL, Action.GARBAGE}) {
                out.add(Arguments.of(st, a, true));
            }
            out.add(Arguments.of(st, Action.DROP, false));
        }
        out.add(Arguments.of(Stage.GREETING, Action.TRICKLE, true));
        out.add(Arguments.of(Stage.MAIL, Action.TRICKLE, false));
        out.add(Arguments.of(Stage.DOT, Action.TRICKLE, true));
        return out.stream();
    }

    @ParameterizedTest(name = "{1} at {0}, pipelining={2}")
    @MethodSource("faults")
    void faultAtEachStageDefersThenDelivers(Stage stage, Action action, boolean pipelining) throws Exception {
        FaultySmarthost sh = smarthost(0).pipelining(pipelining).fault(stage, action, 1);
        RelayFixture f = relay(sh.port());
        String id = Submitter.queueId(Submitter.send(f.address(), "a@client.test", List.of("x@dest.test"), BODY));

        DeliveryEvent.Deferred d = f.await(DeliveryEvent.Deferred.class, id, 15, TimeUnit.SECONDS);
        assertThat(d.dsn()).startsWith("4.");
        boolean timedOut = action == Action.STALL || action == Action.TRICKLE;
        if (timedOut) {
            assertThat(d.dsn()).isEqualTo("4.4.2");
        }
        // a session not opened (any fault at the greeting or EHLO) or one that timed out is the site's
        // failure, the probe on retry brings it back; a drop or garbage inside a transaction is not
        boolean opening = stage == Stage.GREETING || stage == Stage.EHLO;
        assertThat(f.relay().runner().sites().down()).as("site down").hasSize(timedOut || opening ? 1 : 0);
        assertThat(queued(spool)).as("kept in the queue").isEqualTo(1);
        int before = sh.messages().size();
        assertThat(before).as("only a lost reply after the final dot leaves a copy behind")
                .isEqualTo(stage == Stage.DOT ? 1 : 0);

        retryNow(f);
        f.await(DeliveryEvent.Delivered.class, id, 15, TimeUnit.SECONDS);
        f.await(DeliveryEvent.Removed.class, id, 5, TimeUnit.SECONDS);
        assertThat(sh.messages()).hasSize(before + 1);
        assertThat(sh.messages().getLast().text()).contains("line one\r\n.dot line\r\n");
        assertThat(queued(spool)).isZero();
        assertThat(f.relay().runner().sites().down()).isEmpty();
    }

    @Test
    void refusedConnectionDefersAndKeeps() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RelayFixture f = relay(port);
        String id = Submitter.queueId(Submitter.send(f.address(), "a@client.test", List.of("x@dest.test"), BODY));
        DeliveryEvent.Deferred d = f.await(DeliveryEvent.Deferred.class, id, 10, TimeUnit.SECONDS);
        assertThat(d.dsn()).isEqualTo("4.4.1");
        assertThat(d.reason()).contains("connect to");
        assertThat(queued(spool)).isEqualTo(1);
    }

    @Test
    void greeting421DefersThenDelivers() throws Exception {
        FaultySmarthost sh = smarthost(0).greeting("421 4.3.2 faulty.test busy, come back later");
        RelayFixture f = relay(sh.port());
        String id = Submitter.queueId(Submitter.send(f.address(), "a@client.test", List.of("x@dest.test"), BODY));
        DeliveryEvent.Deferred d = f.await(DeliveryEvent.Deferred.class, id, 10, TimeUnit.SECONDS);
        assertThat(d.dsn()).isEqualTo("4.3.2");
        assertThat(sh.messages()).isEmpty();
        sh.greeting("220 faulty.test ESMTP");
        retryNow(f);
        f.await(DeliveryEvent.Delivered.class, id, 10, TimeUnit.SECONDS);
        assertThat(sh.messages()).hasSize(1);
    }

    @Test
    void greeting554IsTheSitesProblemAndDefers() throws Exception {
        FaultySmarthost sh = smarthost(0).greeting("554 5.3.2 not accepting mail");
        RelayFixture f = relay(sh.port());
        String id = Submitter.queueId(Submitter.send(f.address(), "a@client.test", List.of("x@dest.test"), BODY));
        DeliveryEvent.Deferred d = f.await(DeliveryEvent.Deferred.class, id, 10, TimeUnit.SECONDS);
        assertThat(d.dsn()).startsWith("4.");
        assertThat(f.eventsOf(DeliveryEvent.Bounced.class)).isEmpty();
    }

    @Test
    void repliesSplitIntoTinyPacketsAreReadWhole() throws Exception {
        FaultySmarthost sh = smarthost(0).split(true);
        RelayFixture f = relay(sh.port());
        String id = Submitter.queueId(Submitter.send(f.address(), "a@client.test",
                List.of("x@dest.test", "y@dest.test"), BODY));
        awaitCount(f, DeliveryEvent.Delivered.class, id, 2);
        assertThat(sh.messages()).hasSize(1);
        assertThat(sh.messages().get(0).recipients()).containsExactly("x@dest.test", "y@dest.test");
    }

    @ParameterizedTest(name = "pipelining={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void perRecipientRepliesDeliverDeferAndBounceEachRecipient(boolean pipelining) throws Exception {
        FaultySmarthost sh = smarthost(0).pipelining(pipelining)
                .rcptReply("later@dest.test", "450 4.2.1 mailbox busy")
                .rcptReply("never@dest.test", "550 5.1.1 no such user");
        RelayFixture f = relay(sh.port());
        String id = Submitter.queueId(Submitter.send(f.address(), "a@client.test",
                List.of("ok@dest.test", "later@dest.test", "never@dest.test"), BODY));
        f.await(DeliveryEvent.Deferred.class, id, 10, TimeUnit.SECONDS);
        assertThat(f.await(DeliveryEvent.Delivered.class, id, 10, TimeUnit.SECONDS).recipient().value())
                .isEqualTo("ok@dest.test");
        DeliveryEvent.Bounced b = f.await(DeliveryEvent.Bounced.class, id, 10, TimeUnit.SECONDS);
        assertThat(b.recipient().value()).isEqualTo("never@dest.test");
        assertThat(b.dsn()).isEqualTo("5.1.1");
        assertThat(original(sh)).hasSize(1);
        assertThat(original(sh).get(0).recipients()).containsExactly("ok@dest.test");

        sh.clearRcptReplies();
        retryNow(f);
        f.await(DeliveryEvent.Removed.class, id, 10, TimeUnit.SECONDS);
        assertThat(original(sh)).hasSize(2);
        assertThat(original(sh).get(1).recipients()).as("only the deferred recipient is tried again")
                .containsExactly("later@dest.test");
    }

    @Test
    void allRecipientsTemporarilyRefusedSendsNoDataAndDefers() throws Exception {
        FaultySmarthost sh = smarthost(0).rcptReply("x@dest.test", "452 4.2.2 over quota")
                .rcptReply("y@dest.test", "421 4.3.2 shutting down");
        RelayFixture f = relay(sh.port());
        String id = Submitter.queueId(Submitter.send(f.address(), "a@client.test",
                List.of("x@dest.test", "y@dest.test"), BODY));
        awaitCount(f, DeliveryEvent.Deferred.class, id, 2);
        assertThat(sh.messages()).isEmpty();
        assertThat(queued(spool)).isEqualTo(1);
    }

    @Test
    void smarthostThatStopsReadingInsideDataTimesOut() throws Exception {
        FaultySmarthost sh = smarthost(65536).fault(Stage.BODY, Action.STALL, 1);
        RelayFixture f = relay(sh.port());
        StringBuilder big = new StringBuilder("Subject: big\r\n\r\n");
        String line = "x".repeat(76) + "\r\n";
        while (big.length() < 8_000_000) {
            big.append(line);
        }
        String id = Submitter.queueId(Submitter.send(f.address(), "a@client.test", List.of("x@dest.test"),
                big.toString()));
        DeliveryEvent.Deferred d = f.await(DeliveryEvent.Deferred.class, id, 15, TimeUnit.SECONDS);
        assertThat(d.dsn()).isEqualTo("4.4.2");
        retryNow(f);
        f.await(DeliveryEvent.Delivered.class, id, 30, TimeUnit.SECONDS);
        assertThat(sh.messages()).hasSize(1);
        assertThat(sh.messages().get(0).data().length).isGreaterThan(8_000_000);
    }
}
