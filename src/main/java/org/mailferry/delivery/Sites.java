package org.mailferry.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What we know about each site (a smarthost address, "host[address]:port"), as Postfix's qmgr
 * keeps per-destination state: a site whose session could not be opened (connect refused or timed
 * out, no greeting in time, 421 or another refusal of the session) is down. While it is down,
 * messages for it are not sent there: {@link #admit} says {@link Verdict#SKIP} with the site's
 * reason, and the message is deferred at once (Postfix: "delivery temporarily suspended"). When the
 * backoff is over, one message is let through as the probe ({@link Verdict#PROBE}); the site stays
 * down (others are skipped) until the probe succeeds. A failed probe doubles the backoff, from
 * {@code backoffMin} up to {@code backoffMax}; a successful one brings the site back, and the
 * runner makes the messages deferred meanwhile due at once, at full concurrency. Postfix declares a site dead after a cohort of failures
 * and waits a fixed minimal_backoff_time before the next try; here one failed session is enough
 * (every worker's session to a black hole fails the same way) and the wait grows.
 */
public final class Sites {
    private static final Logger log = LoggerFactory.getLogger("mailferry.qmgr");

    /** What to do with a site for the message at hand. */
    enum Verdict {
        /** The site is up: connect. */
        CONNECT,
        /** The site is down and its backoff is over: this connection is the probe. */
        PROBE,
        /** The site is down: do not connect; the reason says why. */
        SKIP
    }

    /** The verdict and, for SKIP, the failure to defer the message with (the site's reason). */
    record Admission(Verdict verdict, DeliveryOutcome.TemporaryFailure deferral) {
    }

    /** A site that is down, for the queue listing and the admin API. */
    public record Down(String site, String reason, Instant since, int failures, Instant nextProbe) {
    }

    private static final class State {
        DeliveryOutcome.TemporaryFailure failure;
        Instant since;
        int failures;
        Instant probeAt;
        boolean probing;
        boolean carried;
    }

    private final Clock clock;
    private final Duration backoffMin;
    private final Duration backoffMax;
    private final Map<String, State> down = new HashMap<>();
    private int probes;

    Sites(Clock clock, Duration backoffMin, Duration backoffMax) {
        this.clock = clock;
        this.backoffMin = backoffMin;
        this.backoffMax = backoffMax.compareTo(backoffMin) < 0 ? backoffMin : backoffMax;
    }

    /**
     * The probe time of a site: whole milliseconds, as the schedule keeps due times, so the message
     * due "at" the probe is never a fraction of a millisecond early (it would be skipped, and the
     * probe it carried lost).
     */
    private Instant probeTime(Instant now, int failures) {
        return now.plus(backoff(failures)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }

    synchronized Admission admit(String site) {
        State s = down.get(site);
        if (s == null) {
            return new Admission(Verdict.CONNECT, null);
        }
        if (!s.probing && !clock.instant().isBefore(s.probeAt)) {
            s.probing = true;
            probes++;
            log.info("probing {}, down since {} ({} failed session(s))", site, s.since, s.failures);
            return new Admission(Verdict.PROBE, null);
        }
        return new Admission(Verdict.SKIP, suspended(s));
    }

    /** A session to the site was opened; true when that brought it back (it was down). */
    synchronized boolean succeeded(String site) {
        State s = down.remove(site);
        if (s == null) {
            return false;
        }
        log.info("{} is back after {} failed session(s) since {}", site, s.failures, s.since);
        return true;
    }

    /** A session to the site could not be opened: the site is down (or stays down, longer). */
    synchronized void failed(String site, DeliveryOutcome.TemporaryFailure failure) {
        String reason = failure.text();
        Instant now = clock.instant();
        State s = down.get(site);
        if (s == null) {
            s = new State();
            s.since = now;
            s.failures = 1;
            s.failure = failure;
            s.probeAt = probeTime(now, 1);
            down.put(site, s);
            log.warn("{} is down: {}; next probe at {}", site, reason, s.probeAt);
        } else if (s.probing) {
            s.probing = false;
            s.failures++;
            s.failure = failure;
            s.probeAt = probeTime(now, s.failures);
            s.carried = false;
            log.warn("probe of {} failed: {}; next probe at {}", site, reason, s.probeAt);
        } else {
            s.failure = failure; // a session begun before the site was marked down: no new backoff
        }
    }

    /** A probe ended without telling anything (the attempt failed on our side): allow another. */
    synchronized void abandon(String site) {
        State s = down.get(site);
        if (s != null) {
            s.probing = false;
            s.carried = false;
        }
    }

    /**
     * Makes every down site's probe due now (an operator's flush: Postfix's flush also revives dead
     * destinations). The sites stay down until their probe succeeds: one connection each, not one
     * per flushed message.
     */
    synchronized void probeNow() {
        Instant now = clock.instant();
        for (State s : down.values()) {
            if (s.probeAt.isAfter(now)) {
                s.probeAt = now;
                s.carried = false;
            }
        }
    }

    /**
     * For a message deferred because {@code sites} are down: the earliest next probe among them
     * that no queued message carries yet (this one is to be due then, so the probe happens even
     * when every other message waits longer); null when each already has its carrier. A probe whose
     * time has passed with no probe begun lost its carrier (it was taken early, or its attempt
     * failed on our side): this message carries it, due at once.
     */
    synchronized Instant carry(List<String> sites) {
        State first = null;
        Instant now = clock.instant();
        for (String site : sites) {
            State s = down.get(site);
            boolean free = s != null && !s.probing && (!s.carried || !now.isBefore(s.probeAt));
            if (free && (first == null || s.probeAt.isBefore(first.probeAt))) {
                first = s;
            }
        }
        if (first == null) {
            return null;
        }
        first.carried = true;
        return first.probeAt;
    }

    /** The sites that are down now. */
    public synchronized List<Down> down() {
        List<Down> out = new ArrayList<>();
        down.forEach((site, s) -> out.add(new Down(site, s.failure.text(), s.since, s.failures, s.probeAt)));
        return out;
    }

    /** How many probes were let through since start (tests, metrics). */
    synchronized int probes() {
        return probes;
    }

    Duration backoff(int failures) {
        int shift = Math.min(Math.max(failures - 1, 0), 30);
        long min = backoffMin.toMillis();
        long max = backoffMax.toMillis();
        return Duration.ofMillis(min > (max >> shift) ? max : Math.min(max, min << shift));
    }

    private static DeliveryOutcome.TemporaryFailure suspended(State s) {
        DeliveryOutcome.TemporaryFailure f = s.failure;
        return new DeliveryOutcome.TemporaryFailure(f.scope(), f.relay(), SUSPENDED + f.text(), f.status());
    }

    /** The start of a reason given without a connection, because the site is down (Postfix's words). */
    public static final String SUSPENDED = "delivery temporarily suspended: ";
}
