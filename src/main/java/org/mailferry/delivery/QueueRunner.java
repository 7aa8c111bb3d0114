package org.mailferry.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import org.mailferry.config.Config;
import org.mailferry.config.RelaySecurity;
import org.mailferry.message.Attempt;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.message.Recipient;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.notify.EventListener;
import org.mailferry.queue.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler: keeps (id, due time) for every queued message, never bodies or envelopes, and
 * runs a fixed number of workers that take due messages, deliver them to the smarthost and record
 * the outcome. A worker keeps its connection open for the next due message for a short while
 * (connection reuse).
 */
public final class QueueRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("mailferry.qmgr");
    static final String NO_SMARTHOST = "no smarthost configured; set relay.smarthost in the config or start with "
            + "--smarthost 'smtp:[host]:port'";

    private final Spool spool;
    private final Config.Relay relay;
    private final Duration lifetime;
    private final RetrySchedule retry;
    private final EventListener events;
    private final DsnSender dsn;
    private final Clock clock;
    private final ClientSecurity security;
    private final DelayQueue<Due> due = new DelayQueue<>();
    private final Set<QueueId> scheduled = ConcurrentHashMap.newKeySet();
    private final Claims claims = new Claims();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean running;

    private record Due(QueueId id, long atNanos) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(atNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Due d = (Due) o;
            int c = Long.compare(atNanos, d.atNanos);
            return c != 0 ? c : id.compareTo(d.id);
        }
    }

    public QueueRunner(Spool spool, Config.Relay relay, Config.Queue queue, RetrySchedule retry,
                       DsnSender dsn, EventListener events, Clock clock) {
        this.spool = spool;
        this.relay = relay;
        this.lifetime = queue.lifetime();
        this.retry = retry;
        this.events = events;
        this.dsn = dsn;
        this.clock = clock;
        this.security = ClientSecurity.from(relay.security() == null ? RelaySecurity.DEFAULT : relay.security(),
                clock);
    }

    public void start() {
        running = true;
        for (int i = 0; i < relay.concurrency(); i++) {
            workers.add(Thread.ofPlatform().name("delivery-" + i).daemon(true).start(this::work));
        }
    }

    /** Schedules a message for its next attempt (now for a new one). */
    public void schedule(Envelope env) {
        if (env.held() || env.isFinished()) {
            return;
        }
        if (relay.smarthosts().isEmpty()) {
            noSmarthost(env);
            return;
        }
        long delayMs = Math.max(0, env.nextAttempt().toEpochMilli() - clock.millis());
        if (scheduled.add(env.id())) {
            due.add(new Due(env.id(), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs)));
        }
    }

    /** Makes every scheduled message due now ("mailq -q", "queue flush"). */
    public void flush() {
        long now = System.nanoTime();
        for (Object o : due.toArray()) {
            Due d = (Due) o;
            if (d.atNanos() > now && due.remove(d)) { // not taken by a worker meanwhile
                due.add(new Due(d.id(), now));
            }
        }
    }

    /** Makes one message due now (after a flush or release), whatever its earlier due time. */
    public void flush(Envelope env) {
        due.removeIf(d -> d.id().equals(env.id()));
        scheduled.remove(env.id());
        schedule(env.withNextAttempt(clock.instant()));
    }

    /** The claims shared with operator commands ({@link QueueControl}). */
    public Claims claims() {
        return claims;
    }

    /** Loads every queued message and schedules it; returns the number scheduled. */
    public int recover() throws IOException {
        int[] n = {0};
        spool.forEach(env -> {
            schedule(env);
            n[0]++;
        });
        return n[0];
    }

    private void work() {
        SmtpClient connection = null;
        while (running) {
            Due d;
            try {
                d = connection == null ? due.take()
                        : due.poll(relay.connectionReuseTime().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (d == null) {
                connection.close(); // idle too long: give the connection back
                connection = null;
                continue;
            }
            scheduled.remove(d.id());
            if (!claims.tryClaim(d.id())) {
                // an operator command is changing this message: look again shortly
                due.add(new Due(d.id(), System.nanoTime() + TimeUnit.SECONDS.toNanos(1)));
                scheduled.add(d.id());
                continue;
            }
            try {
                connection = attempt(d.id(), connection);
            } catch (RuntimeException e) {
                log.error("{}: delivery attempt failed unexpectedly", d.id(), e);
                if (connection != null) {
                    connection.close();
                    connection = null;
                }
            } finally {
                claims.release(d.id());
            }
        }
        if (connection != null) {
            connection.close();
        }
    }

    /** One attempt for one message; returns the connection if it can be reused. */
    private SmtpClient attempt(QueueId id, SmtpClient connection) {
        Envelope env;
        try {
            env = spool.load(id);
        } catch (NoSuchFileException gone) {
            return connection; // deleted by an operator meanwhile
        } catch (IOException e) {
            log.warn("{}: cannot load envelope: {}", id, e.getMessage());
            return connection;
        }
        if (env.held() || env.isFinished()) {
            return connection;
        }
        Instant now = clock.instant();
        Attempted a = now.isAfter(env.arrival().plus(lifetime))
                ? new Attempted(null, connection, false) // expired: handled in record()
                : deliver(env, connection);
        connection = a.connection;
        record(env, a.outcomes, a.dsnOffered, clock.instant());
        return connection;
    }

    /** @param dsnOffered the smarthost offered DSN, so NOTIFY and the rest were passed on */
    private record Attempted(List<DeliveryOutcome> outcomes, SmtpClient connection, boolean dsnOffered) {
    }

    private Attempted deliver(Envelope env, SmtpClient connection) {
        int pending = env.pending().size();
        if (connection != null && connection.isReusable()) {
            try (InputStream body = spool.openBody(env.id())) {
                return new Attempted(connection.send(env, body), keep(connection), connection.offers("DSN"));
            } catch (IOException e) {
                // A cached connection may have been closed by the server while idle: one fresh try.
                connection.close();
            }
        } else if (connection != null) {
            connection.close();
        }
        List<Router.Target> targets;
        try {
            targets = Router.targets(relay.smarthosts());
        } catch (IOException e) {
            return new Attempted(repeat(Classifier.classify(e, "lookup of " + relay.smarthosts().get(0).host(),
                    "none"), pending), null, false);
        }
        DeliveryOutcome siteFailure = null;
        for (Router.Target t : targets) {
            String relayName = t.hostName() + "[" + t.address().getAddress().getHostAddress() + "]:"
                    + t.address().getPort();
            SmtpClient c;
            try {
                c = SmtpClient.open(t.address(), t.hostName(), names(t), relay.heloName(), relay.connectTimeout(),
                        relay.commandTimeout(), security, SmtpClient.Trace.NONE);
            } catch (SecurityFailure e) {
                if (e.authentication()) {
                    log.error("AUTHENTICATION FAILED: {}; messages stay queued until the credentials are fixed",
                            e.getMessage());
                }
                siteFailure = new DeliveryOutcome.TemporaryFailure(DeliveryOutcome.Scope.SITE, relayName,
                        e.getMessage(), e.status());
                continue;
            } catch (IOException e) {
                siteFailure = Classifier.classify(e, "connect to " + relayName, relayName);
                continue; // next address or smarthost
            } catch (SmtpClient.SessionRefused e) {
                siteFailure = Classifier.classifySessionRefused(e.reply(), relayName);
                continue;
            }
            try (InputStream body = spool.openBody(env.id())) {
                return new Attempted(c.send(env, body), keep(c), c.offers("DSN"));
            } catch (IOException e) {
                c.close();
                return new Attempted(repeat(Classifier.classify(e, "conversation with " + relayName, relayName),
                        pending), null, false);
            }
        }
        return new Attempted(repeat(siteFailure, pending), null, false);
    }

    /** Names to look credentials up by: the host connected to, then the configured smarthost names. */
    private List<String> names(Router.Target t) {
        List<String> names = new ArrayList<>(List.of(t.hostName()));
        for (org.mailferry.config.Smarthost s : relay.smarthosts()) {
            if (s.port() == t.address().getPort() && !names.contains(s.host())) {
                names.add(s.host());
            }
        }
        return names;
    }

    private static SmtpClient keep(SmtpClient c) {
        if (c.isReusable()) {
            return c;
        }
        c.close();
        return null;
    }

    private static List<DeliveryOutcome> repeat(DeliveryOutcome o, int n) {
        List<DeliveryOutcome> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(o);
        }
        return out;
    }

    /** Applies the outcomes (null: expired) to the envelope, emits events, stores or removes. */
    private void record(Envelope env, List<DeliveryOutcome> outcomes, boolean dsnOffered, Instant now) {
        Duration delay = Duration.between(env.arrival(), now);
        boolean expiredNow = !now.isBefore(env.arrival().plus(lifetime));
        List<Recipient> updated = new ArrayList<>();
        List<Attempt> history = new ArrayList<>();
        List<DeliveryEvent> emitted = new ArrayList<>();
        Duration next = retry.delayAfter(env.attempts() + 1);
        Instant nextAt = now.plus(next);
        DeliveryEvent.Facts facts = DeliveryEvent.Facts.read(spool, env, env.attempts() + 1);
        int p = 0;
        for (Recipient r : env.recipients()) {
            if (r.state() != Recipient.State.PENDING) {
                updated.add(r);
                continue;
            }
            DeliveryOutcome o = outcomes == null ? null : outcomes.get(p);
            p++;
            if (o instanceof DeliveryOutcome.Delivered d) {
                updated.add(r.with(Recipient.State.DELIVERED, d.text()));
                history.add(new Attempt(now, r.address().value(), "sent via " + d.relay() + ": " + d.text()));
                emitted.add(new DeliveryEvent.Delivered(facts, now, r.address(), d.relay(), delay,
                        d.status().toString(), d.text()));
            } else if (o instanceof DeliveryOutcome.PermanentFailure f) {
                updated.add(r.with(Recipient.State.FAILED, f.text()));
                history.add(new Attempt(now, r.address().value(), "bounced via " + f.relay() + ": " + f.text()));
                emitted.add(new DeliveryEvent.Bounced(facts, now, r.address(), f.relay(), delay,
                        f.status().toString(), f.text(), false));
            } else if (o == null || expiredNow) {
                String reason = "message expired after " + lifetime.toHours() + "h in the queue"
                        + (r.lastReply().isEmpty() ? "" : "; last reason: " + r.lastReply());
                String relayName = o == null ? "none" : o.relay();
                updated.add(r.with(Recipient.State.FAILED, reason));
                history.add(new Attempt(now, r.address().value(), "expired: " + reason));
                emitted.add(new DeliveryEvent.Bounced(facts, now, r.address(), relayName, delay, "4.4.7",
                        reason, true));
            } else {
                DeliveryOutcome.TemporaryFailure t = (DeliveryOutcome.TemporaryFailure) o;
                updated.add(r.with(Recipient.State.PENDING, t.text()));
                history.add(new Attempt(now, r.address().value(), "deferred via " + t.relay() + ": " + t.text()));
                emitted.add(new DeliveryEvent.Deferred(facts, now, r.address(), t.relay(), delay,
                        t.status().toString(), t.text(), nextAt));
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
            notices.queued().forEach(this::schedule); // already queued: sent, though this attempt is made again
            return;
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
        if (!after.isFinished()) {
            schedule(after); // before the events: whoever hears "deferred" may flush it at once
        }
        emitted.forEach(events::on);
        for (Envelope notice : notices.queued()) {
            schedule(notice); // its "received" event came with its commit
        }
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
            schedule(env.withNextAttempt(nextAt));
            return false;
        }
    }

    /** No smarthost: record why on the envelope once, keep the message due for a later start. */
    private void noSmarthost(Envelope env) {
        if (env.pending().stream().allMatch(r -> r.lastReply().equals(NO_SMARTHOST))) {
            return;
        }
        Instant now = clock.instant();
        List<Recipient> updated = env.recipients().stream()
                .map(r -> r.state() == Recipient.State.PENDING ? r.with(Recipient.State.PENDING, NO_SMARTHOST) : r)
                .toList();
        Envelope after = env.withRecipients(updated, List.of());
        DeliveryEvent.Facts facts = DeliveryEvent.Facts.read(spool, env, env.attempts());
        List<DeliveryEvent> owed = env.pending().stream().map(r -> (DeliveryEvent) new DeliveryEvent.Deferred(facts,
                now, r.address(), "none", Duration.between(env.arrival(), now), "4.3.5", NO_SMARTHOST,
                env.nextAttempt())).toList();
        try {
            events.prepare(owed);
            spool.update(after);
        } catch (IOException e) {
            log.error("{}: cannot record the reason: {}", env.id(), e.toString());
        }
        owed.forEach(events::on);
    }

    public int scheduledCount() {
        return scheduled.size();
    }

    @Override
    public void close() {
        running = false;
        for (Thread t : workers) {
            t.interrupt();
        }
        for (Thread t : workers) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
