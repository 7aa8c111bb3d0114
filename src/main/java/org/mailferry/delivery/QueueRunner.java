package org.mailferry.delivery;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.mailferry.config.Config;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.notify.EventListener;
import org.mailferry.queue.Leases;
import org.mailferry.queue.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler: keeps (id, due time) for every queued message in a {@link Schedule} on the
 * injected clock, never bodies or envelopes, and runs a fixed number of workers that take due
 * messages, deliver them (the attempt's steps, {@link Pipeline}) and record the
 * outcome ({@link Recorder}). A worker keeps its connection open for the next due message for a
 * short while (connection reuse). Nothing takes a message out of the schedule but its end: an
 * exception anywhere in an attempt, or an envelope that cannot be read, reschedules it with backoff
 * and one log line ({@link Troubles}).
 */
public final class QueueRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("mailferry.qmgr");
    static final String NO_SMARTHOST = "no smarthost configured; set relay.smarthost in the config or start with "
            + "--smarthost 'smtp:[host]:port'";

    private final Spool spool;
    /** The relay section and the attempt's steps built from it: replaced together by a reload. */
    private volatile Config.Relay relay;
    private final Duration lifetime;
    private final EventListener events;
    private final Clock clock;
    private final Schedule schedule;
    private final Sites sites;
    private volatile Pipeline pipeline;
    private final Recorder recorder;
    private final Claims claims;
    /** Taken while an operator held their claim: due again when the claim is released. */
    private final Set<QueueId> contended = ConcurrentHashMap.newKeySet();
    private final Workers workers;
    /** Deferred without a session because their sites were down: due at once when a site is back. */
    private final Set<QueueId> parked = ConcurrentHashMap.newKeySet();
    private final Troubles troubles;
    /** Deferrals written in the background when every site was down. */
    private final Deferrals deferrals;
    private final Quotas quotas;
    /** Which messages this node may attempt, when nodes share the queue. */
    private final Leases leases;

    /** The runner's parts, each built by the wiring ({@link DeliveryWiring}). */
    record Parts(Schedule schedule, Sites sites, Pipeline pipeline, Recorder recorder, Troubles troubles,
                 Workers workers, Claims claims, Deferrals deferrals, Quotas quotas, Leases leases) {
    }

    /** How long a message waits for one of its route's connections at most, unless one closes sooner. */
    static final Duration CONNECTION_WAIT = Duration.ofSeconds(10);
    private static final java.time.format.DateTimeFormatter UNTIL =
            java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss").withZone(java.time.ZoneOffset.UTC);

    QueueRunner(Spool spool, Config.Relay relay, Duration lifetime, Parts parts, EventListener events, Clock clock) {
        this.spool = spool;
        this.relay = relay;
        this.lifetime = lifetime;
        this.events = events;
        this.clock = clock;
        this.schedule = parts.schedule();
        this.sites = parts.sites();
        this.pipeline = parts.pipeline();
        this.recorder = parts.recorder();
        this.troubles = parts.troubles();
        this.workers = parts.workers();
        this.claims = parts.claims();
        this.deferrals = parts.deferrals();
        this.quotas = parts.quotas();
        this.leases = parts.leases();
        claims.onRelease(this::released);
    }

    public void start() {
        workers.start(relay.concurrency(), this::run);
    }

    /**
     * A reload: attempts from now on use {@code next}'s smarthosts, security and timeouts (the
     * steps built from it); attempts under way finish on the old ones, and a worker's open
     * connection from before is closed rather than reused. relay.concurrency takes effect at the
     * next start. With smarthosts where there were none, the queue is scheduled again.
     */
    synchronized void reconfigure(Config.Relay next, Pipeline steps) throws IOException {
        boolean hadNone = relay.smarthosts().isEmpty() && relay.senderRelays().isEmpty();
        pipeline = steps;
        relay = next;
        if (hadNone && !next.smarthosts().isEmpty()) {
            recover();
        }
    }

    /** Schedules a message for its next attempt; one never tried goes to the new lane. */
    public void schedule(Envelope env) {
        if (env.held() || env.isFinished()) {
            return;
        }
        if (SenderRoutes.of(relay, env.sender()).smarthosts().isEmpty()) {
            noSmarthost(env);
            return;
        }
        schedule.addIfAbsent(env.id(), env.nextAttempt(), env.attempts() == 0);
    }

    /**
     * Makes every scheduled message due now ("mailq -q", "queue flush"), in memory, and every down
     * site's probe due now; returns how many messages are scheduled.
     */
    int flush() {
        sites.probeNow();
        return schedule.flushAll();
    }

    /** A message this node leased from the shared queue ({@link ClusterFeed}): due now, here. */
    void claimed(Envelope env) {
        if (env.held() || env.isFinished() || relay.smarthosts().isEmpty()) {
            leases.release(env.id());
            return;
        }
        schedule.add(env.id(), clock.instant(), env.attempts() == 0);
    }

    /** How many messages wait here for a worker. */
    int dueCount() {
        return schedule.dueCount();
    }

    /** Makes one message due now (after a flush or release), whatever its earlier due time. */
    void flush(Envelope env) {
        schedule.remove(env.id());
        schedule(env.withNextAttempt(clock.instant()));
    }

    /** The smarthost sites and which of them are down. */
    Sites sites() {
        return sites;
    }

    /** Wakes the workers to look at the clock (a test moved its clock). */
    void wake() {
        schedule.wake();
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

    /** A worker's job: claim the message, attempt it, release the claim (unless handed off). */
    private SmtpClient run(QueueId id, SmtpClient connection) {
        Pipeline steps = pipeline; // one configuration for the whole attempt
        if (connection != null && !connection.lastUsedBy(steps)) {
            connection.close(); // opened under the configuration before a reload
            connection = null;
        }
        if (!claims.tryClaim(id)) {
            // an operator command is changing this message: look again when it is done
            contended.add(id);
            if (!claims.tryClaim(id)) {
                return connection;
            }
            contended.remove(id); // released meanwhile
        }
        try {
            if (!leases.take(id)) {
                forget(id); // another node holds it (it took it when due, or this node's lease lapsed)
                claims.release(id);
                return connection;
            }
        } catch (IOException | RuntimeException e) {
            troubles.failed(id, null, "cannot lease the message", e);
            claims.release(id);
            return connection;
        }
        boolean handedOff = false;
        try {
            Step step = attempt(id, connection, steps);
            handedOff = step.handedOff();
            return step.connection();
        } catch (Throwable t) { // never lose the message
            if (connection != null) {
                connection.close();
            }
            troubles.failed(id, null, "attempt failed on our side", t);
            return null;
        } finally {
            if (!handedOff) {
                leases.release(id);
                claims.release(id);
            }
        }
    }

    /**
     * What an attempt leaves the worker: the connection if it can be reused, and whether the
     * message's claim went with a deferral written in the background.
     */
    private record Step(SmtpClient connection, boolean handedOff) {
        static Step keep(SmtpClient c) {
            return new Step(c, false);
        }
    }

    /** One attempt for one message. */
    private Step attempt(QueueId id, SmtpClient connection, Pipeline steps) {
        Envelope env;
        try {
            env = spool.load(id);
        } catch (NoSuchFileException gone) {
            forget(id); // deleted by an operator meanwhile
            return Step.keep(connection);
        } catch (IOException | RuntimeException e) {
            troubles.failed(id, null, "cannot read the envelope", e);
            return Step.keep(connection);
        }
        if (env.held() || env.isFinished()) {
            forget(id);
            return Step.keep(connection);
        }
        parked.remove(id);
        boolean expired = Classifier.tooOldToTry(env.arrival(), lifetime, clock.instant());
        SenderRoutes.Route senderRoute = SenderRoutes.of(relay, env.sender());
        String route = senderRoute.name();
        if (connection != null && !route.equals(connection.route())) {
            connection.close(); // never carry one route's message over another's session (its login)
            connection = null;
        }
        boolean newConnection = connection == null && !expired;
        if (newConnection && !quotas.connections().open(route, senderRoute.limits(), id)) {
            schedule.addIfAbsent(id, clock.instant().plus(CONNECTION_WAIT), false); // sooner when one closes
            return Step.keep(null);
        }
        Quotas.Verdict verdict = expired ? Quotas.Verdict.GO : quotas.admit(route, senderRoute.limits(), id,
                env.pending().size());
        if (!verdict.go()) {
            if (newConnection) {
                connectionClosed(route);
            }
            throttle(env, verdict);
            return Step.keep(connection);
        }
        Attempted a;
        try {
            a = expired
                    ? new Attempted(Outcomes.NONE, connection, false, List.of(), false, Attempted.Reach.SESSION, null)
                    : steps.deliver(env, connection);
            if (!expired) {
                quotas.sent(route, id);
            }
        } catch (Throwable t) {
            quotas.sent(route, id);
            if (connection != null) {
                connection.close();
            }
            if (newConnection) {
                connectionClosed(route);
            }
            troubles.failed(id, env, "attempt failed on our side", t);
            return Step.keep(null);
        }
        keepCounted(route, a.connection(), connection, newConnection);
        boolean paused = pauseOnQuota(route, a);
        if (suspended(a)) {
            // No session was opened (every site is down): writing the deferral needs no connection,
            // so it does not hold up this worker; a backlog after an outage is deferred in parallel.
            deferrals.submit(() -> {
                try {
                    finish(env, a, route);
                } finally {
                    leases.release(id);
                    claims.release(id);
                }
            });
            return new Step(null, true);
        }
        if (!finish(env, a, route) || paused) {
            if (a.connection() != null) {
                a.connection().close(); // a paused route's session is not kept: the provider counts it too
            }
            return Step.keep(null);
        }
        return Step.keep(a.connection());
    }

    /**
     * The route's connection count follows the connection the worker keeps: counted from the
     * check before the attempt (or now, for a fresh one that replaced a lost reused one) until it
     * closes, wherever that happens.
     */
    private void keepCounted(String route, SmtpClient kept, SmtpClient given, boolean counted) {
        if (kept != null && kept != given) {
            if (!counted) {
                quotas.connections().opened(route);
            }
            kept.belongTo(route, () -> connectionClosed(route));
        } else if (counted) {
            connectionClosed(route); // nothing kept: the slot taken before the attempt is free again
        }
    }

    /** A connection of {@code route} closed: the message that waited longest for one is due now. */
    private void connectionClosed(String route) {
        QueueId waiting = quotas.connections().closed(route);
        if (waiting != null) {
            schedule.flush(waiting);
        }
    }

    /** A quota reply in the attempt pauses its route ({@link QuotaReplies}); true when one came. */
    private boolean pauseOnQuota(String route, Attempted a) {
        for (DeliveryOutcome o : a.outcomes().byAddress().values()) {
            if (o instanceof DeliveryOutcome.TemporaryFailure t && t.quota() != null) {
                quotas.pause(route, t.quota(), t.text());
                return true;
            }
        }
        return false;
    }

    /** Over its route's quota: not attempted, the reason on the envelope, due when the quota allows. */
    private void throttle(Envelope env, Quotas.Verdict v) {
        String reason = "throttled until " + UNTIL.format(v.until()) + " UTC: " + v.reason();
        try {
            if (!env.pending().stream().allMatch(r -> r.lastReply().equals(reason))) {
                recorder.throttled(env, reason, v.until());
            }
        } catch (IOException | RuntimeException e) {
            log.warn("{}: cannot record that it is throttled ({}); it waits all the same", env.id(), e.toString());
        }
        log.debug("{}: {}", env.id(), reason);
        schedule.addIfAbsent(env.id(), v.until(), false);
    }

    /** Messages waiting for their route's quota (rate slot, daily cap, pause), for the metrics. */
    public long throttledCount() {
        return quotas.status().stream().mapToLong(Quotas.Status::waiting).sum();
    }

    /** Routes paused by a quota reply now, for the metrics. */
    public long pausedRoutes() {
        return quotas.status().stream().filter(s -> s.pausedUntil() != null).count();
    }

    /** True when every site was down and skipped: deferred without a session. */
    private static boolean suspended(Attempted a) {
        return a.connection() == null && !a.downSites().isEmpty()
                && a.outcomes().allAre(o -> o.text().startsWith(Sites.SUSPENDED));
    }

    /** Records the attempt and schedules what follows; false when that failed (then rescheduled). */
    private boolean finish(Envelope env, Attempted a, String route) {
        try {
            Recorder.Recorded r = recorder.record(env, a.outcomes(), a.dsnOffered(), a.sentAs(), clock.instant());
            troubles.cleared(env.id());
            rescheduleAfter(r, a, route);
        } catch (Throwable t) {
            troubles.failed(env.id(), env, "attempt failed on our side", t);
            return false;
        }
        if (a.siteBack()) {
            releaseParked();
        }
        return true;
    }

    private void rescheduleAfter(Recorder.Recorded r, Attempted a, String route) {
        Envelope after = r.after();
        if (!after.isFinished() && !after.held()) {
            Instant due = after.nextAttempt();
            Instant paused = quotas.pausedUntil(route);
            if (paused != null && a.outcomes().allAre(o -> o instanceof DeliveryOutcome.TemporaryFailure t
                    && t.quota() != null)) {
                due = paused; // the quota's reset, not the retry schedule's guess
            }
            if (!a.downSites().isEmpty()) {
                parked.add(after.id());
                Instant probe = sites.carry(a.downSites());
                if (probe != null && probe.isBefore(due)) {
                    due = probe; // this message carries the site's next probe
                }
            }
            // before the events: whoever hears "deferred" may flush it at once
            schedule.addIfAbsent(after.id(), due, false);
        }
        r.emitted().forEach(events::on);
        r.notices().forEach(this::schedule);
    }

    /** A site is back: the messages deferred while it was down are due now, in memory. */
    private void releaseParked() {
        List<QueueId> ids = new ArrayList<>(parked);
        parked.removeAll(ids);
        int n = 0;
        for (QueueId id : ids) {
            n += schedule.flush(id) ? 1 : 0;
        }
        log.info("a smarthost is back: {} message(s) deferred while it was down are due now", n);
    }

    private void released(QueueId id) {
        if (contended.remove(id)) {
            schedule.addIfAbsent(id, clock.instant(), false);
        }
    }

    private void forget(QueueId id) {
        troubles.cleared(id);
        parked.remove(id);
    }

    /** No smarthost: record why on the envelope once, keep the message due for a later start. */
    private void noSmarthost(Envelope env) {
        if (env.pending().stream().allMatch(r -> r.lastReply().equals(NO_SMARTHOST))) {
            return;
        }
        try {
            recorder.trouble(env, NO_SMARTHOST, Classifier.NO_SMARTHOST, clock.instant(), env.nextAttempt()).emitted()
                    .forEach(events::on);
        } catch (IOException e) {
            log.error("{}: cannot record the reason: {}", env.id(), e.toString());
        }
    }

    /** How many messages are scheduled (tests). */
    int scheduledCount() {
        return schedule.size();
    }

    @Override
    public void close() {
        workers.close();
        deferrals.close();
    }
}
