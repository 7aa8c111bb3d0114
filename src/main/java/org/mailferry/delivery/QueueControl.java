package org.mailferry.delivery;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.mailferry.message.Attempt;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.message.Recipient;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.notify.EventListener;
import org.mailferry.queue.Leases;
import org.mailferry.queue.Spool;

/**
 * The operator's queue commands: hold, release, flush, delete. Each takes the message's claim
 * first, so it never races with a delivery attempt rewriting the same envelope; a running attempt
 * is waited for up to {@code patience}, then the command answers {@link Result.Status#BUSY}.
 * With a {@link QueueRunner} (inside the daemon) the scheduler hears of the change at once;
 * without one (command line, daemon stopped) only the spool changes and the next start sees it.
 */
public final class QueueControl {
    static final String DELETED_REASON = "deleted by the operator";
    static final String BOUNCED_REASON = "returned to the sender by the operator";
    /** The DSN status of a recipient the operator bounced: other permanent failure (RFC 3463). */
    static final org.mailferry.smtp.EnhancedStatus BOUNCED_STATUS = new org.mailferry.smtp.EnhancedStatus(5, 0, 0);

    /** What a command did, as a value: done, no such message, or busy. */
    public record Result(Status status, String text) {
        public enum Status { DONE, NOT_FOUND, BUSY }

        static Result done(QueueId id, String what) {
            return new Result(Status.DONE, id + ": " + what);
        }
    }

    private interface Change {
        /** Returns the new envelope and what happened; null envelope: the message was retired. */
        Result apply(Envelope env) throws IOException;
    }

    private final Spool spool;
    private final Leases leases;
    private final QueueRunner runner;
    private final Claims claims;
    private final EventListener events;
    private final Clock clock;
    private final Duration patience;
    private final DsnSender dsn;

    /** With the daemon stopped: commands on the spool alone, nobody else claims a message (no bounce). */
    public QueueControl(Spool spool, EventListener events, Clock clock, Duration patience) {
        this(spool, Leases.SOLE, events, clock, patience);
    }

    /**
     * With this node's daemon stopped, on a queue other nodes may share: each change takes the
     * message's lease first, so it never races another node's attempt.
     */
    public QueueControl(Spool spool, Leases leases, EventListener events, Clock clock, Duration patience) {
        this(spool, leases, null, new Claims(), events, clock, patience, null);
    }

    /** In the daemon: the running scheduler's claims and notices ({@link DeliveryWiring}). */
    QueueControl(Spool spool, Leases leases, QueueRunner runner, Claims claims, EventListener events, Clock clock,
                 Duration patience, DsnSender dsn) {
        this.dsn = dsn;
        this.spool = spool;
        this.leases = leases;
        this.runner = runner;
        this.claims = claims;
        this.events = events;
        this.clock = clock;
        this.patience = patience;
    }

    public Result hold(QueueId id) throws IOException {
        return change(id, env -> {
            spool.update(env.withHeld(true));
            return Result.done(id, "held");
        });
    }

    public Result release(QueueId id) throws IOException {
        return change(id, env -> {
            Envelope after = env.withHeld(false).withNextAttempt(clock.instant());
            spool.update(after);
            if (runner != null) {
                runner.flush(after);
            }
            return Result.done(id, "released");
        });
    }

    /** Retry now; a held message stays held. */
    public Result flush(QueueId id) throws IOException {
        return change(id, env -> {
            Envelope after = env.withNextAttempt(clock.instant());
            spool.update(after);
            if (runner != null) {
                runner.flush(after);
            }
            return Result.done(id, env.held() ? "due now, but held (release it to deliver)" : "flushed");
        });
    }

    /**
     * Flushes every queued message; returns how many. With the daemon running this happens in the
     * scheduler's memory (every message due now, no envelope rewritten: 100,000 in milliseconds);
     * with it stopped, each envelope's next attempt is set to now for the next start to see.
     */
    public int flushAll() throws IOException {
        int shared = leases.flushAll(); // every node's messages due now, and every node woken
        if (shared >= 0 && runner == null) {
            return shared;
        }
        if (runner != null) {
            long t = System.nanoTime();
            int n = runner.flush();
            org.slf4j.LoggerFactory.getLogger("mailferry.qmgr").info("queue flushed: {} message(s) due now ({} ms)",
                    n, (System.nanoTime() - t) / 1_000_000);
            return n;
        }
        return each(all(), this::flush);
    }

    /** Removes the message; each pending recipient gets a "deleted" event, no DSN is sent. */
    public Result delete(QueueId id) throws IOException {
        return change(id, env -> {
            Instant now = clock.instant();
            DeliveryEvent.Facts facts = DeliveryEvent.Facts.read(spool, env, env.attempts());
            List<Recipient> updated = new ArrayList<>();
            List<Attempt> history = new ArrayList<>();
            List<DeliveryEvent> emitted = new ArrayList<>();
            for (Recipient r : env.recipients()) {
                if (r.state() == Recipient.State.PENDING) {
                    updated.add(r.with(Recipient.State.DELETED, DELETED_REASON));
                    history.add(new Attempt(now, r.address().value(), DELETED_REASON));
                    emitted.add(new DeliveryEvent.Deleted(facts, now, r.address(), DELETED_REASON));
                } else {
                    updated.add(r);
                }
            }
            emitted.add(new DeliveryEvent.Removed(facts, now));
            events.prepare(emitted); // the webhook outbox before the change (see QueueRunner.owe)
            spool.retire(env.withRecipients(updated, history));
            emitted.forEach(events::on);
            return Result.done(id, "deleted");
        });
    }

    /**
     * Returns the message to its sender now, as if every pending recipient had failed permanently
     * (status 5.0.0, "returned to the sender by the operator"): a Bounced event per recipient, one
     * non-delivery notice (as NOTIFY asks; never for the null sender), then the message leaves the queue.
     */
    public Result bounce(QueueId id) throws IOException {
        if (dsn == null) {
            return new Result(Result.Status.BUSY, id + ": bounce needs the running daemon (it queues the notice)");
        }
        return change(id, env -> {
            Instant now = clock.instant();
            DeliveryEvent.Facts facts = DeliveryEvent.Facts.read(spool, env, env.attempts());
            DeliveryOutcome.PermanentFailure failure = new DeliveryOutcome.PermanentFailure(
                    DeliveryOutcome.Scope.MESSAGE, "none", BOUNCED_REASON, BOUNCED_STATUS);
            List<Recipient> updated = new ArrayList<>();
            List<Attempt> history = new ArrayList<>();
            List<DeliveryEvent> emitted = new ArrayList<>();
            Duration delay = Duration.between(env.arrival(), now);
            for (Recipient r : env.recipients()) {
                if (r.state() == Recipient.State.PENDING) {
                    updated.add(r.with(Recipient.State.FAILED, BOUNCED_REASON));
                    history.add(new Attempt(now, r.address().value(), BOUNCED_REASON));
                    emitted.add(new DeliveryEvent.Bounced(facts, now, r.address(), "none", delay,
                            BOUNCED_STATUS.toString(), BOUNCED_REASON, false));
                } else {
                    updated.add(r);
                }
            }
            DsnSender.Result notices = dsn.afterAttempt(env, Outcomes.same(env.pending(), failure), updated, false,
                    now);
            history.addAll(notices.history());
            emitted.addAll(notices.events());
            emitted.add(new DeliveryEvent.Removed(facts, now));
            events.prepare(emitted);
            spool.retire(env.withRecipients(updated, history));
            emitted.forEach(events::on);
            if (runner != null) {
                notices.queued().forEach(runner::schedule);
            }
            return Result.done(id, notices.queued().isEmpty() ? "bounced (no notice: null sender or NOTIFY)"
                    : "bounced, notice to " + env.sender() + " queued as " + notices.queued().get(0).id());
        });
    }

    /** Deletes every message that has had a failed attempt (a recipient deferred); returns how many. */
    public int deleteAllFailed() throws IOException {
        List<QueueId> failed = new ArrayList<>();
        spool.forEach(env -> {
            if (env.pending().stream().anyMatch(r -> !r.lastReply().isEmpty())) {
                failed.add(env.id());
            }
        });
        return each(failed, this::delete);
    }

    private List<QueueId> all() throws IOException {
        List<QueueId> ids = new ArrayList<>();
        spool.forEach(env -> ids.add(env.id()));
        return ids;
    }

    private interface Command {
        Result run(QueueId id) throws IOException;
    }

    private static int each(List<QueueId> ids, Command command) throws IOException {
        int n = 0;
        for (QueueId id : ids) {
            if (command.run(id).status() == Result.Status.DONE) {
                n++;
            }
        }
        return n;
    }

    private Result change(QueueId id, Change change) throws IOException {
        try {
            if (!claims.claim(id, patience)) {
                return new Result(Result.Status.BUSY, id + ": a delivery attempt is running; try again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(Result.Status.BUSY, id + ": interrupted");
        }
        try {
            if (!lease(id)) {
                return new Result(Result.Status.BUSY, id + ": another node is attempting it; try again");
            }
            Envelope env;
            try {
                env = spool.load(id);
            } catch (NoSuchFileException e) {
                return new Result(Result.Status.NOT_FOUND, id + ": not in the queue");
            }
            return change.apply(env);
        } finally {
            leases.release(id);
            claims.release(id);
        }
    }

    /** Takes the message's lease from the shared queue, waiting up to the patience for another node's attempt. */
    private boolean lease(QueueId id) throws IOException {
        long end = System.nanoTime() + patience.toNanos();
        while (!leases.take(id)) {
            if (System.nanoTime() > end) {
                return false;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
