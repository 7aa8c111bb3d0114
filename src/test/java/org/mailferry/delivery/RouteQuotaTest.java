package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.cli.QueueListing;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.MutableClock;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.Submit;
import org.mailferry.testing.TestSmarthost;

/**
 * Route quotas in the running relay, on the test's clock: messages over the rate wait (throttled,
 * shown in mailq, never attempted or bounced), and a provider's quota reply pauses the route.
 */
class RouteQuotaTest {
    @TempDir
    Path spool;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T10:00:00Z"));
    private TestSmarthost smarthost;
    private RelayFixture relay;

    @BeforeEach
    void start() {
        smarthost = new TestSmarthost();
        relay = new RelayFixture(spool).smarthost(smarthost.port()).clock(clock).set("queue.retry_min", "10m");
    }

    @AfterEach
    void stop() {
        relay.close();
        smarthost.close();
    }

    private void advance(Duration d) {
        clock.advance(d);
        relay.relay().runner().wake();
    }

    private String mailq() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        QueueListing.print(relay.relay().spool(), new PrintStream(out, true, StandardCharsets.UTF_8), ZoneOffset.UTC);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The queue listing once it contains {@code text} (after up to 10 s). */
    private String awaitMailq(String text) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String q = mailq();
        while (!q.contains(text) && System.nanoTime() < end) {
            Thread.sleep(20);
            q = mailq();
        }
        return q;
    }

    private void awaitReceived(int n) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (smarthost.all().size() < n && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertThat(smarthost.all()).hasSize(n);
    }

    @Test
    void messagesOverTheRateWaitThrottledAndGoOneSlotAtATime() throws Exception {
        relay.set("relay.message_rate", "2/1m").start();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ids.add(Submit.message(relay.address(), "app@example.com", "user@example.net", "<rate-" + i + "@example.com>"));
        }
        relay.await(DeliveryEvent.Delivered.class, ids.get(0), 10, TimeUnit.SECONDS);
        String q = awaitMailq("throttled until 10:01:30 UTC");
        assertThat(q).contains("(throttled until 10:00:30 UTC: message rate 2/1m of route default)",
                "(throttled until 10:01:00 UTC: message rate 2/1m of route default)",
                "(throttled until 10:01:30 UTC: message rate 2/1m of route default)");
        Thread.sleep(300); // a relay without limits would have sent them all by now
        assertThat(smarthost.all()).hasSize(1);
        assertThat(relay.relay().runner().throttledCount()).isEqualTo(3);
        relay.relay().runner().flush(); // an operator's flush does not give a burst either
        Thread.sleep(300);
        assertThat(smarthost.all()).hasSize(1);
        advance(Duration.ofMillis(30_300)); // 30 s and 1% (Quotas.spacing)
        awaitReceived(2);
        advance(Duration.ofSeconds(30));
        Thread.sleep(300);
        assertThat(smarthost.all()).hasSize(2);
        advance(Duration.ofMillis(300));
        awaitReceived(3);
        advance(Duration.ofMillis(30_300));
        awaitReceived(4);
        assertThat(relay.eventsOf(DeliveryEvent.Deferred.class)).isEmpty();
        assertThat(relay.eventsOf(DeliveryEvent.Bounced.class)).isEmpty();
        assertThat(Files.readString(spool.resolve("quotas"))).startsWith("# mailferry").contains("route default ");
    }

    @Test
    void dailyQuotaReplyPausesTheRouteUntilTheResetAndNeverBounces() throws Exception {
        smarthost.refuseData(550, "5.4.5 Daily user sending limit exceeded. For more information on Gmail "
                + "sending limits go to https://support.google.com/a/answer/166852", 1);
        relay.set("relay.quota_reset_time", "07:00").start();
        String first = Submit.message(relay.address(), "app@example.com", "user@example.net", "<daily-1@example.com>");
        DeliveryEvent.Deferred d = relay.await(DeliveryEvent.Deferred.class, first, 10, TimeUnit.SECONDS);
        assertThat(d.dsn()).isEqualTo("4.4.5");
        String second = Submit.message(relay.address(), "app@example.com", "user@example.net", "<daily-2@example.com>");
        assertThat(awaitMailq("throttled until 07:00:00 UTC: route default paused")).contains("throttled until 07:00:00 UTC: route default paused: daily sending limit: 550 "
                + "5.4.5 Daily user sending limit exceeded.");
        assertThat(relay.relay().runner().pausedRoutes()).isEqualTo(1);
        assertThat(smarthost.all()).isEmpty();
        advance(Duration.ofHours(20)); // 06:00 the next day: still paused
        Thread.sleep(300);
        assertThat(smarthost.all()).isEmpty();
        advance(Duration.ofHours(1));
        relay.await(DeliveryEvent.Delivered.class, first, 10, TimeUnit.SECONDS);
        relay.await(DeliveryEvent.Delivered.class, second, 10, TimeUnit.SECONDS);
        assertThat(relay.eventsOf(DeliveryEvent.Bounced.class)).isEmpty();
    }

    @Test
    void aPauseSurvivesARestart() throws Exception {
        smarthost.refuseData(421, "4.7.0 Temporary System Problem. Try again later (rate limit exceeded)", 1);
        relay.start();
        String id = Submit.message(relay.address(), "app@example.com", "user@example.net", "<restart@example.com>");
        relay.await(DeliveryEvent.Deferred.class, id, 10, TimeUnit.SECONDS);
        relay.stop();
        relay.start();
        String next = Submit.message(relay.address(), "app@example.com", "user@example.net", "<restart-2@example.com>");
        assertThat(awaitMailq("throttled until 10:01:00 UTC")).contains("throttled until 10:01:00 UTC: route default paused: rate limit: 421 4.7.0 "
                + "Temporary System Problem. Try again later (rate limit exceeded)");
        assertThat(smarthost.all()).as("paused until 10:01:00 across the restart").isEmpty();
        advance(Duration.ofMinutes(1));
        relay.await(DeliveryEvent.Delivered.class, next, 10, TimeUnit.SECONDS);
        advance(Duration.ofMinutes(10));
        relay.await(DeliveryEvent.Delivered.class, id, 10, TimeUnit.SECONDS);
    }
}
