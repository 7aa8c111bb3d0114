package org.mailferry.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.mailferry.message.Address;
import org.mailferry.message.QueueId;

/** Event ids: the same for a transition remade after a crash, different for different transitions. */
class EventIdTest {
    private static final QueueId ID = new QueueId("2N91Z782PNBA");
    private static final Address SENDER = new Address("app@example.com");
    private static final Address USER = new Address("user@example.net");
    private static final Instant T = Instant.parse("2026-11-25T20:41:56Z");

    private static DeliveryEvent.Facts facts(int attempt) {
        return new DeliveryEvent.Facts(ID, SENDER, "<m@example.com>", 812, attempt);
    }

    @Test
    void aRemadeTransitionHasTheSameId() {
        DeliveryEvent first = new DeliveryEvent.Delivered(facts(1), T, USER, "a[192.0.2.1]:25", Duration.ZERO,
                "2.0.0", "250 2.0.0 Ok: queued as 1");
        DeliveryEvent redone = new DeliveryEvent.Delivered(facts(1), T.plusSeconds(30), USER, "b[192.0.2.2]:25",
                Duration.ofSeconds(30), "2.0.0", "250 2.0.0 Ok: queued as 2");
        assertThat(redone.eventId()).isEqualTo(first.eventId()).startsWith("2N91Z782PNBA.").hasSize(12 + 1 + 16);
    }

    @Test
    void differentTransitionsHaveDifferentIds() {
        List<DeliveryEvent> all = List.of(
                new DeliveryEvent.Received(facts(0), T, 2, "client"),
                new DeliveryEvent.Delivered(facts(1), T, USER, "a", Duration.ZERO, "2.0.0", "250"),
                new DeliveryEvent.Delivered(facts(1), T, new Address("other@example.net"), "a", Duration.ZERO,
                        "2.0.0", "250"),
                new DeliveryEvent.Deferred(facts(1), T, USER, "a", Duration.ZERO, "4.2.1", "450", T),
                new DeliveryEvent.Deferred(facts(2), T, USER, "a", Duration.ZERO, "4.2.1", "450", T),
                new DeliveryEvent.Deferred(facts(2), T, USER, "none", Duration.ZERO, "4.3.5", "no smarthost", T),
                new DeliveryEvent.Delayed(facts(2), T, USER, Duration.ofHours(4), "450"),
                new DeliveryEvent.Bounced(facts(3), T, USER, "a", Duration.ZERO, "5.1.1", "550", false),
                new DeliveryEvent.Bounced(facts(3), T, USER, "a", Duration.ZERO, "4.4.7", "expired", true),
                new DeliveryEvent.Deleted(facts(3), T, USER, "deleted by the operator"),
                new DeliveryEvent.Removed(facts(3), T));
        Set<String> ids = all.stream().map(DeliveryEvent::eventId).collect(Collectors.toSet());
        assertThat(ids).hasSize(all.size());
    }
}
