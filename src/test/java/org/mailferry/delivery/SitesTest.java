package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mailferry.delivery.Sites.Verdict;
import org.mailferry.smtp.EnhancedStatus;
import org.mailferry.testing.MutableClock;

/** Per-site state on a clock the test moves: down, skipped, one probe per backoff step, back. */
class SitesTest {
    private static final String A = "a.test[192.0.2.1]:25";
    private static final String B = "b.test[192.0.2.2]:25";
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final Sites sites = new Sites(clock, Duration.ofSeconds(30), Duration.ofMinutes(2));

    private static DeliveryOutcome.TemporaryFailure timeout(String site) {
        return new DeliveryOutcome.TemporaryFailure(DeliveryOutcome.Scope.SITE, site,
                "connect to " + site + ": timeout", EnhancedStatus.TEMP_TIMEOUT);
    }

    @Test
    void aSiteIsUpUntilASessionFailsThenSkippedWithItsReason() {
        assertThat(sites.admit(A).verdict()).isEqualTo(Verdict.CONNECT);
        sites.failed(A, timeout(A));
        Sites.Admission skip = sites.admit(A);
        assertThat(skip.verdict()).isEqualTo(Verdict.SKIP);
        assertThat(skip.deferral().text()).isEqualTo("delivery temporarily suspended: connect to " + A + ": timeout");
        assertThat(skip.deferral().status()).isEqualTo(EnhancedStatus.TEMP_TIMEOUT);
        assertThat(sites.admit(B).verdict()).as("each site by its own state").isEqualTo(Verdict.CONNECT);
        assertThat(sites.down()).extracting(Sites.Down::site).containsExactly(A);
    }

    @Test
    void oneProbePerBackoffStepTheBackoffDoublesUpToTheMaximum() {
        sites.failed(A, timeout(A));
        List<Duration> waits = List.of(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120),
                Duration.ofSeconds(120));
        for (Duration wait : waits) {
            clock.advance(wait.minusSeconds(1));
            assertThat(sites.admit(A).verdict()).isEqualTo(Verdict.SKIP);
            clock.advance(Duration.ofSeconds(1));
            assertThat(sites.admit(A).verdict()).isEqualTo(Verdict.PROBE);
            assertThat(sites.admit(A).verdict()).as("the others are deferred while it runs").isEqualTo(Verdict.SKIP);
            sites.failed(A, timeout(A));
            assertThat(sites.admit(A).verdict()).isEqualTo(Verdict.SKIP);
        }
        assertThat(sites.probes()).isEqualTo(4);
        assertThat(sites.down().get(0).failures()).isEqualTo(5);
    }

    @Test
    void aSuccessfulProbeBringsTheSiteBack() {
        sites.failed(A, timeout(A));
        clock.advance(Duration.ofSeconds(30));
        assertThat(sites.admit(A).verdict()).isEqualTo(Verdict.PROBE);
        assertThat(sites.succeeded(A)).isTrue();
        assertThat(sites.admit(A).verdict()).isEqualTo(Verdict.CONNECT);
        assertThat(sites.succeeded(A)).as("already up").isFalse();
        assertThat(sites.down()).isEmpty();
    }

    @Test
    void aLateFailureOfASessionBegunBeforeDoesNotPushTheProbeBack() {
        sites.failed(A, timeout(A));
        clock.advance(Duration.ofSeconds(20));
        sites.failed(A, timeout(A)); // a second worker's session, opened before the site was down
        clock.advance(Duration.ofSeconds(10));
        assertThat(sites.admit(A).verdict()).isEqualTo(Verdict.PROBE);
    }

    @Test
    void oneMessageCarriesEachProbeAndAFlushMakesTheProbeDueNow() {
        sites.failed(A, timeout(A));
        sites.failed(B, timeout(B));
        clock.advance(Duration.ofSeconds(5));
        sites.failed(B, timeout(B));
        assertThat(sites.carry(List.of(A, B))).isEqualTo(clock.instant().minusSeconds(5).plusSeconds(30));
        assertThat(sites.carry(List.of(A))).as("A's probe has its carrier").isNull();
        assertThat(sites.carry(List.of(A, B))).isNotNull(); // B's
        assertThat(sites.carry(List.of(A, B))).isNull();
        sites.probeNow();
        assertThat(sites.admit(A).verdict()).isEqualTo(Verdict.PROBE);
        sites.abandon(A);
        assertThat(sites.admit(A).verdict()).as("an abandoned probe may be tried again").isEqualTo(Verdict.PROBE);
    }

    @Test
    void theMessageDueAtTheProbeTimeIsTheProbeEvenWithinTheSameMillisecond() {
        clock.advance(Duration.ofNanos(740_976_721)); // a real clock has nanoseconds; the schedule keeps millis
        sites.failed(A, timeout(A));
        Instant probeAt = sites.carry(List.of(A));
        assertThat(probeAt).isEqualTo(probeAt.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        clock.advance(Duration.between(clock.instant(), probeAt)); // the carrier is taken in that millisecond
        assertThat(sites.admit(A).verdict()).isEqualTo(Verdict.PROBE);
    }

    @Test
    void aProbeWhoseTimePassedWithoutAProbeIsCarriedAgain() {
        sites.failed(A, timeout(A));
        assertThat(sites.carry(List.of(A))).isNotNull();
        assertThat(sites.carry(List.of(A))).as("carried until its time").isNull();
        clock.advance(Duration.ofSeconds(31)); // the carrier was lost: no probe began
        assertThat(sites.carry(List.of(A))).as("due at once").isBefore(clock.instant());
        assertThat(sites.admit(A).verdict()).isEqualTo(Verdict.PROBE);
        assertThat(sites.carry(List.of(A))).as("not while the probe runs").isNull();
    }
}
