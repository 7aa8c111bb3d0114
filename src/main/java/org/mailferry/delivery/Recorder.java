package org.mailferry.delivery;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.mailferry.message.Attempt;
import org.mailferry.message.Envelope;
import org.mailferry.message.Recipient;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.notify.EventListener;
import org.mailferry.queue.Spool;
import org.mailferry.smtp.EnhancedStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes what an attempt did: each pending recipient's outcome (or expiry) onto the envelope,
 * the history, the DSNs owed, then stores or retires the envelope. The events are returned, not
 * emitted: the runner schedules the message again first (whoever hears "deferred" may flush it).
 */
final class Recorder {
    private static final Logger log = LoggerFactory.getLogger("mailferry.qmgr");

    /**
     * @param after   the envelope as stored; finished when the message left the queue
     * @param emitted the events to emit, in order (Removed last when it left)
     * @param notices DSN messages queued by this attempt, to schedule
     */
    record Recorded(Envelope after, List<DeliveryEvent> emitted, List<Envelope> notices) {
    }

    private final Spool spool;
    private final Duration lifetime;
    private final RetrySchedule retry;
    private final DsnSender dsn;
    private final EventListener events;

    /** @param events told of the events owed before each change ({@link EventListener#prepare}) */
    Recorder(Spool spool, Duration lifetime, RetrySchedule retry, DsnSender dsn, EventListener events) {
        this.spool = spool;
        this.lifetime = lifetime;
        this.retry = retry;
        this.dsn = dsn;
        this.events = events;
    }

    /**
     * Applies the outcomes (none: expired untried) to the envelope, each recipient's fate as
     * {@link Classifier#fate} says, stores or retires it. When the events
     * it owes cannot be recorded first (the webhook outbox), neither is the attempt: the envelope
     * is returned unchanged but for its next attempt, with no events, to be tried again then.
     */
    Recorded record(Envelope env, Outcomes outcomes, boolean dsnOffered, Instant now) {
        return record(env, outcomes, dsnOffered, "", now);
    }

    /** The same, with {@code sentAs} (not empty: the sender was rewritten) first in the attempt's history. */
    Recorded record(Envelope env, Outcomes outcomes, boolean dsnOffered, String sentAs, Instant now) {
        Duration delay = Duration.between(env.arrival(), now);
        DeliveryEvent.Facts facts = DeliveryEvent.Facts.read(spool, env, env.attempts() + 1);
        boolean expiredNow = Classifier.expired(env.arrival(), lifetime, now);
        List<Recipient> updated = new ArrayList<>();
        List<Attempt> history = new ArrayList<>();
        if (!sentAs.isEmpty()) {
            history.add(new Attempt(now, "*", sentAs));
        }
        List<DeliveryEvent> emitted = new ArrayList<>();
        Duration next = retry.delayAfter(env.attempts() + 1);
        Instant nextAt = now.plus(next);
        for (Recipient r : env.recipients()) {
            if (r.state() != Recipient.State.PENDING) {
                updated.add(r);
                continue;
            }
            DeliveryOutcome o = outcomes.of(r);
            switch (Classifier.fate(o, expiredNow)) {
                case DELIVERED -> {
                    updated.add(r.with(Recipient.State.DELIVERED, o.text()));
                    history.add(new Attempt(now, r.address().value(), "sent via " + o.relay() + ": " + o.text()));
                    emitted.add(new DeliveryEvent.Delivered(facts, now, r.address(), o.relay(), delay,
                            o.status().toString(), o.text()));
                }
                case BOUNCED -> {
                    updated.add(r.with(Recipient.State.FAILED, o.text()));
                    history.add(new Attempt(now, r.address().value(), "bounced via " + o.relay() + ": " + o.text()));
                    emitted.add(new DeliveryEvent.Bounced(facts, now, r.address(), o.relay(), delay,
                            o.status().toString(), o.text(), false));
                }
                case EXPIRED -> {
                    String reason = "message expired after " + lifetime.toHours() + "h in the queue"
                            + (r.lastReply().isEmpty() ? "" : "; last reason: " + r.lastReply());
                    String relayName = o == null ? "none" : o.relay();
                    updated.add(r.with(Recipient.State.FAILED, reason));
                    history.add(new Attempt(now, r.address().value(), "expired: " + reason));
                    emitted.add(new DeliveryEvent.Bounced(facts, now, r.address(), relayName, delay,
                            Classifier.EXPIRED.toString(), reason, true));
                }
                case UNTRIED -> updated.add(r);
                case DEFERRED -> {
                    updated.add(r.with(Recipient.State.PENDING, o.text()));
                    history.add(new Attempt(now, r.address().value(), "deferred via " + o.relay() + ": " + o.text()));
                    emitted.add(new DeliveryEvent.Deferred(facts, now, r.address(), o.relay(), delay,
                            o.status().toString(), o.text(), nextAt));
                }
            }
        }
        DsnSender.Result notices = dsn.afterAttempt(env, outcomes, updated, dsnOffered, now);
        history.addAll(notices.history());
        emitted.addAll(notices.events());
        Envelope after = env.afterAttempt(updated, nextAt, history);
        if (after.isFinished()) {
            emitted.add(new DeliveryEvent.Removed(facts, now));
        }
        if (!owe(env, emitted, nextAt)) {
            return new Recorded(env.withNextAttempt(nextAt), List.of(), notices.queued());
        }
        try {
            if (after.isFinished()) {
                spool.retire(after);
            } else {
                spool.update(after);
            }
        } catch (IOException e) {
            log.error("{}: cannot record the attempt: {}", env.id(), e.toString());
        }
        // each notice's "received" event came with its commit
        return new Recorded(after, emitted, notices.queued());
    }

    /**
     * The outbox first: the events an attempt owes are recorded durably (the webhooks' files) before
     * the attempt's state change, so a crash between the two sends them twice, never zero times.
     * When they cannot be recorded, neither is the attempt: the message is tried again later.
     */
    private boolean owe(Envelope env, List<DeliveryEvent> owed, Instant nextAt) {
        try {
            events.prepare(owed);
            return true;
        } catch (IOException e) {
            log.error("{}: cannot record the events of this attempt, so not the attempt either (tried again at {}): {}",
                    env.id(), nextAt, e.getMessage());
            return false;
        }
    }

    /**
     * A message over its route's quota, not attempted: each pending recipient's last reason says
     * until when it waits (mailq and the status API show it), the next attempt is then; no attempt
     * is counted, no event, no DSN.
     */
    Envelope throttled(Envelope env, String reason, Instant until) throws IOException {
        List<Recipient> updated = env.recipients().stream()
                .map(r -> r.state() == Recipient.State.PENDING ? r.with(Recipient.State.PENDING, reason) : r)
                .toList();
        Envelope after = env.withRecipients(updated, List.of()).withNextAttempt(until);
        spool.update(after);
        return after;
    }

    /**
     * An attempt that failed on our side (an exception, an envelope that cannot be read back):
     * the reason goes on each pending recipient, without counting an attempt or a DSN, so the
     * queue listing shows why; the caller reschedules with backoff.
     */
    Recorded trouble(Envelope env, String reason, EnhancedStatus status, Instant now, Instant nextAt)
            throws IOException {
        List<Recipient> updated = env.recipients().stream()
                .map(r -> r.state() == Recipient.State.PENDING ? r.with(Recipient.State.PENDING, reason) : r)
                .toList();
        List<Attempt> history = new ArrayList<>();
        List<DeliveryEvent> emitted = new ArrayList<>();
        DeliveryEvent.Facts facts = DeliveryEvent.Facts.read(spool, env, env.attempts());
        for (Recipient r : env.pending()) {
            history.add(new Attempt(now, r.address().value(), "deferred: " + reason));
            emitted.add(new DeliveryEvent.Deferred(facts, now, r.address(), "none",
                    Duration.between(env.arrival(), now), status.toString(), reason, nextAt));
        }
        Envelope after = env.withRecipients(updated, history).withNextAttempt(nextAt);
        events.prepare(emitted);
        spool.update(after);
        return new Recorded(after, emitted, List.of());
    }
}
