package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.testing.MutableClock;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.Submit;
import org.mailferry.testing.TestSmarthost;

/**
 * The relay's scheduler runs on its clock: moving the test's clock (no flush, no sleeping through
 * the backoff) brings retries, delay warnings and expiry.
 */
class ClockDrivenRetryTest {
    @TempDir
    Path spool;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private TestSmarthost smarthost;
    private RelayFixture relay;

    @BeforeEach
    void start() {
        smarthost = new TestSmarthost();
        relay = new RelayFixture(spool).smarthost(smarthost.port()).clock(clock)
                .set("queue.retry_min", "10m").set("queue.retry_max", "1h");
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

    @Test
    void aDeferredMessageIsTriedAgainWhenTheClockReachesItsRetry() throws Exception {
        smarthost.refuseRecipient("user@example.net", 450, "4.2.1 Mailbox busy");
        relay.start();
        String id = Submit.message(relay.address(), "app@example.com", "user@example.net", "<clock@example.com>");
        DeliveryEvent.Deferred d = relay.await(DeliveryEvent.Deferred.class, id, 10, TimeUnit.SECONDS);
        assertThat(Duration.between(clock.instant(), d.nextAttempt())).isBetween(Duration.ofMinutes(8),
                Duration.ofMinutes(10));
        smarthost.acceptRecipient("user@example.net");
        advance(Duration.ofMinutes(7));
        Thread.sleep(300); // a wrong scheduler would try now; this one must not
        assertThat(relay.eventsOf(DeliveryEvent.Delivered.class)).isEmpty();
        advance(Duration.ofMinutes(3));
        relay.await(DeliveryEvent.Delivered.class, id, 10, TimeUnit.SECONDS);
        assertThat(smarthost.all()).hasSize(1);
    }

    @Test
    void delayWarningAndExpiryComeFromTheClock() throws Exception {
        smarthost.refuseRecipient("user@example.net", 450, "4.2.1 Mailbox busy");
        relay.set("queue.delay_warning", "2h").set("queue.lifetime", "1d").start();
        String id = Submit.message(relay.address(), "app@example.com", "user@example.net", "<late@example.com>");
        relay.await(DeliveryEvent.Deferred.class, id, 10, TimeUnit.SECONDS);
        for (int hour = 0; hour < 3; hour++) {
            advance(Duration.ofHours(1));
        }
        relay.await(DeliveryEvent.Delayed.class, id, 10, TimeUnit.SECONDS);
        for (int hour = 3; hour < 25 && relay.eventsOf(DeliveryEvent.Bounced.class).isEmpty(); hour++) {
            int before = relay.eventsOf(DeliveryEvent.Deferred.class).size();
            advance(Duration.ofHours(1));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (relay.eventsOf(DeliveryEvent.Deferred.class).size() == before
                    && relay.eventsOf(DeliveryEvent.Bounced.class).isEmpty() && System.nanoTime() < end) {
                Thread.sleep(5);
            }
        }
        DeliveryEvent.Bounced expired = relay.await(DeliveryEvent.Bounced.class, id, 10, TimeUnit.SECONDS);
        assertThat(expired.dsn()).isEqualTo("4.4.7");
        assertThat(expired.expired()).isTrue();
    }
}
