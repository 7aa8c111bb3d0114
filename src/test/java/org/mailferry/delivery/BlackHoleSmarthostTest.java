package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.message.QueueId;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.Closer;
import org.mailferry.testing.FaultySmarthost;
import org.mailferry.testing.FaultySmarthost.Action;
import org.mailferry.testing.FaultySmarthost.Stage;
import org.mailferry.testing.FilledSpool;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.Submitter;

/**
 * A smarthost that accepts TCP and never greets, with a backlog of 2,000 due messages: the first
 * sessions time out, the site is marked down, every other message is deferred at once with the
 * site's reason (no connection each); one probe per backoff step tests the site; when it greets
 * again, the whole backlog is delivered. New mail is accepted throughout.
 */
class BlackHoleSmarthostTest {
    private static final int BACKLOG = 2000;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** The greeting is waited for min(connect, command timeout): 3 s here, to keep the test short. */
    private static final Duration GREETING_WAIT = Duration.ofSeconds(3);

    @TempDir
    Path spool;
    @AutoClose
    private final Closer closing = new Closer();

    private static Set<QueueId> ids(RelayFixture f, Class<? extends DeliveryEvent> type,
                                    Predicate<DeliveryEvent> which) {
        return f.events.stream().filter(type::isInstance).filter(which).map(DeliveryEvent::id)
                .collect(Collectors.toSet());
    }

    private static long waitFor(RelayFixture f, Class<? extends DeliveryEvent> type, Set<QueueId> all,
                                Duration limit) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + limit.toNanos();
        while (!ids(f, type, e -> true).containsAll(all)) {
            if (System.nanoTime() > end) {
                Set<QueueId> seen = ids(f, type, e -> true);
                throw new AssertionError(type.getSimpleName() + " for " + seen.stream().filter(all::contains).count()
                        + " of " + all.size() + " within " + limit);
            }
            Thread.sleep(10);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    @Test
    void aBlackHoleCostsOneTimeoutNotOnePerMessageAndTheBacklogDrainsWhenItIsBack() throws Exception {
        FaultySmarthost sh = new FaultySmarthost();
        closing.add(sh);
        sh.fault(Stage.GREETING, Action.STALL, Integer.MAX_VALUE); // accepts TCP, never says 220
        Set<QueueId> backlog = Set.copyOf(FilledSpool.fill(spool, BACKLOG, Instant.now().minusSeconds(1)));
        RelayFixture f = new RelayFixture(spool).smarthost(sh.port())
                .set("relay.connect_timeout", CONNECT_TIMEOUT.toSeconds() + "s")
                .set("relay.command_timeout", GREETING_WAIT.toSeconds() + "s")
                .set("relay.site_backoff_min", "1s")
                .set("relay.site_backoff_max", "2s")
                .set("queue.retry_min", "1h")
                .set("queue.retry_max", "1h");
        closing.add(f);
        f.start();
        Instant started = Instant.now(); // the relay runs: the backlog is due

        waitFor(f, DeliveryEvent.Deferred.class, backlog, Duration.ofSeconds(60));
        String site = "127.0.0.1[127.0.0.1]:" + sh.port();
        List<DeliveryEvent.Deferred> deferred = f.eventsOf(DeliveryEvent.Deferred.class);
        // Each message's first deferral, by the relay's clock. A message that happened to be taken as
        // a probe while the backlog was being deferred pays that probe's timeout: at most one each.
        Map<QueueId, Instant> first = deferred.stream().collect(Collectors.toMap(DeliveryEvent::id,
                DeliveryEvent.Deferred::time, (a, b) -> a.isBefore(b) ? a : b));
        Instant budget = started.plus(CONNECT_TIMEOUT.multipliedBy(2));
        long late = backlog.stream().filter(id -> first.get(id).isAfter(budget)).count();
        long allDeferredMs = Duration.between(started, first.values().stream().filter(t -> !t.isAfter(budget))
                .max(Instant::compareTo).orElseThrow()).toMillis();
        assertThat(deferred).allSatisfy(d -> {
            assertThat(d.reason()).contains("connect to " + site + ": timeout");
            assertThat(d.dsn()).isEqualTo("4.4.2");
        });
        long suspended = deferred.stream().filter(d -> d.reason().startsWith(Sites.SUSPENDED)).count();
        int concurrency = f.config().relay().concurrency();
        assertThat(suspended).as("deferred without a connection of their own")
                .isGreaterThanOrEqualTo(BACKLOG - concurrency);
        int probesSoFar = f.relay().runner().sites().probes();
        assertThat(sh.sessions()).as("one session per worker, then one per probe, not one per message")
                .isLessThanOrEqualTo(concurrency + probesSoFar);
        assertThat(late).as("deferred later than 2 x relay.connect_timeout (only a probe's own message may be)")
                .isLessThanOrEqualTo(probesSoFar);

        // new mail is accepted while the site is down, and handled at once (deferred with the site's reason)
        String fresh = Submitter.queueId(Submitter.send(f.address(), "a@client.test", List.of("x@dest.test"),
                "Subject: fresh\r\n\r\nnew\r\n"));
        DeliveryEvent.Deferred freshDeferred = f.await(DeliveryEvent.Deferred.class, fresh, 10, TimeUnit.SECONDS);
        assertThat(freshDeferred.reason()).contains(site);

        // one probe per backoff step while the site stays a black hole
        Thread.sleep(5000);
        int probes = f.relay().runner().sites().probes();
        assertThat(probes).as("probes in ~%d ms with a 1-2 s backoff and a 3 s timeout each", allDeferredMs + 5000)
                .isBetween(1, 10);
        assertThat(sh.sessions()).isLessThanOrEqualTo(concurrency + probes);

        sh.fault(Stage.GREETING, Action.STALL, 0); // the smarthost is back
        Set<QueueId> everything = new java.util.HashSet<>(backlog);
        everything.add(new QueueId(fresh));
        long drainMs = waitFor(f, DeliveryEvent.Delivered.class, everything, Duration.ofSeconds(90));
        assertThat(sh.messages()).hasSize(BACKLOG + 1);
        int probesTotal = f.relay().runner().sites().probes();
        assertThat(probesTotal).isLessThanOrEqualTo(probes + 2);
        assertThat(f.relay().runner().sites().down()).isEmpty();
        System.out.printf("black hole: %d deferred in %d ms, %d probes, %d sessions in all; back: %d delivered in "
                + "%d ms%n", BACKLOG, allDeferredMs, probesTotal, sh.sessions(), BACKLOG + 1, drainMs);
    }

    @Test
    void aServerThatNeverGreetsCostsTheConnectTimeoutNotTheCommandTimeout() throws Exception {
        FaultySmarthost sh = new FaultySmarthost();
        closing.add(sh);
        sh.fault(Stage.GREETING, Action.STALL, 1);
        RelayFixture f = new RelayFixture(spool).smarthost(sh.port()).set("relay.connect_timeout", "1s")
                .set("relay.command_timeout", "300s").set("queue.retry_min", "1h").set("queue.retry_max", "1h");
        closing.add(f);
        f.start();
        String id = Submitter.queueId(Submitter.send(f.address(), "a@client.test", List.of("x@dest.test"),
                "Subject: silent\r\n\r\nhello\r\n"));
        long t = System.nanoTime();
        DeliveryEvent.Deferred d = f.await(DeliveryEvent.Deferred.class, id, 20, TimeUnit.SECONDS);
        assertThat(d.dsn()).isEqualTo("4.4.2");
        assertThat(d.reason()).endsWith(": timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - t)).as("not the 300 s command timeout")
                .isLessThan(Duration.ofSeconds(20));
    }
}
