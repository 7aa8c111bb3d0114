package org.mailferry.delivery;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.mailferry.config.RateLimits;
import org.mailferry.message.QueueId;
import org.mailferry.queue.RouteCounters;
import org.mailferry.queue.RouteCounters.Counted;
import org.mailferry.queue.RouteCounters.State;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routes' quotas (KumoMTA's throttles; Postfix has none, users script them): per route (a
 * smarthost with its login), messages per period spaced evenly, recipients per day, concurrent
 * connections ({@link RouteConnections}), and the pause a quota reply orders ({@link QuotaReplies}). A message over a limit
 * is not attempted: {@link #admit} says until when it waits, and the runner schedules it then.
 * <p>
 * The rate is a reservation (GCRA without burst): each message takes the next free slot, one
 * interval (period / messages, 1% wider: {@link #spacing}) after the last, and a message that must wait keeps its slot, so a backlog of n messages
 * is scheduled once, each at its own time, not woken n times. A message flushed before its slot
 * waits for it again. The slots are kept with the counters ({@link RouteCounters}): shared, a
 * message another node takes over (its lease lapsed, or that node's feed claimed it when due) goes
 * in the slot it reserved here; with one node they are in memory, and after a restart the waiting
 * messages queue behind the slots reserved before it.
 * The counters (next free slot, the day's recipients, a pause) are kept by {@link RouteCounters}:
 * SPOOL/quotas with one node, the database when nodes share the queue, so that the limits hold
 * across restarts and, shared, for the whole cluster; each decision is taken under the route's
 * lock there. Which message holds which slot and who waits for a connection stay in memory.
 */
final class Quotas {
    private static final Logger log = LoggerFactory.getLogger("mailferry.qmgr");

    /** The route of every message while per-sender routes are not configured. */
    static final String DEFAULT_ROUTE = "default";
    /** How long a message waits when the counters cannot be read (the database is away). */
    static final Duration UNCOUNTED_WAIT = Duration.ofSeconds(10);
    /** How old the cluster's pauses may be for a route without limits (read at most this often). */
    static final Duration PAUSES_READ = Duration.ofSeconds(1);
    /** How much wider than period / messages the slots are ({@link #spacing}). */
    static final int SPACING_MARGIN_PERCENT = 1;

    /** Go (until null), or wait until {@code until} for {@code reason}. */
    record Verdict(Instant until, String reason) {
        static final Verdict GO = new Verdict(null, null);

        boolean go() {
            return until == null;
        }
    }

    /** A route's state, for mailq, the status API and the metrics. */
    record Status(String route, RateLimits limits, long dayRecipients, Instant nextSlot, Instant pausedUntil,
                  String pauseReason, int connections, int waiting) {
    }

    private static final class Route {
        RateLimits limits;
        /** The counters as last read or written. */
        State counted = State.ZERO;
        final Map<QueueId, Long> reserved = new HashMap<>();

        Route(RateLimits limits) {
            this.limits = limits;
        }
    }

    private final Clock clock;
    private final LocalTime resetTime;
    private final RouteCounters counters;
    private final Map<String, Route> routes = new LinkedHashMap<>();
    private final RouteConnections connections;
    /** Shared counters: every route's pause as last read, and when, for routes without limits. */
    private Map<String, State> pauses = Map.of();
    private long pausesRead;
    private boolean pausesKnown;
    private boolean failing;

    /**
     * @param resetTime when (UTC) a day's recipients start again and a daily cap's pause ends
     * @param counters  where the counters are kept (SPOOL/quotas, or the database for a cluster)
     */
    Quotas(Clock clock, LocalTime resetTime, RouteCounters counters) {
        this.clock = clock;
        this.resetTime = resetTime;
        this.counters = counters;
        this.connections = new RouteConnections(counters);
        try {
            counters.read().forEach((name, saved) -> routes.computeIfAbsent(name, n -> new Route(RateLimits.NONE))
                    .counted = saved);
        } catch (IOException e) {
            log.warn("cannot read the route quota counters ({}); they are read again at each message", e.getMessage());
        }
    }

    /**
     * May a message with {@code recipients} pending recipients go on {@code route} now? When it
     * may, it is counted (its slot taken, its recipients added to the day's); when it may not, the
     * verdict says until when, and its slot (if the rate was the reason) is kept for it.
     */
    synchronized Verdict admit(String route, RateLimits limits, QueueId id, int recipients) {
        Route r = route(route, limits);
        long now = clock.millis();
        if (r == null || r.limits.none()) {
            long paused = r == null ? 0 : r.counted.pausedUntilMillis();
            String reason = r == null ? "" : r.counted.pauseReason();
            if (counters.shared()) {
                State other = sharedPauses(now).get(route);
                if (other != null && other.pausedUntilMillis() > paused) {
                    paused = other.pausedUntilMillis();
                    reason = other.pauseReason();
                }
            }
            return paused > now ? paused(route, paused, reason) : Verdict.GO;
        }
        Long slot = r.reserved.get(id);
        if (slot != null && slot > now && r.counted.pausedUntilMillis() <= now) {
            return rateVerdict(route, r, slot); // still before its slot: nothing to read
        }
        Verdict[] out = {Verdict.GO};
        try {
            long period = r.limits.messages() > 0 ? r.limits.period().toMillis() : 0;
            r.counted = counters.change(route, id, now, period, c -> decide(route, r, id, recipients, now, c, out))
                    .route();
            failing = false;
        } catch (IOException e) {
            r.reserved.remove(id); // a slot not written is not this message's
            if (!failing) {
                log.warn("cannot count on route {} ({}); its messages wait until the counters answer", route,
                        e.getMessage());
                failing = true;
            }
            return new Verdict(Instant.ofEpochMilli(now).plus(UNCOUNTED_WAIT), "route " + route
                    + " not counted: its quota counters cannot be read");
        }
        return out[0];
    }

    /**
     * The decision on what was read under the route's lock: the route's counters and the slot
     * this message reserved (on any node); returns them changed.
     */
    private Counted decide(String route, Route r, QueueId id, int recipients, long now, Counted c, Verdict[] out) {
        State s = c.route();
        r.reserved.remove(id);
        if (s.pausedUntilMillis() > now) {
            out[0] = paused(route, s.pausedUntilMillis(), s.pauseReason());
            return c.with(s, 0, false);
        }
        long dayStart = dayStart(now);
        long day = s.dayStartMillis() == dayStart ? s.dayRecipients() : 0;
        long cap = r.limits.recipientsPerDay();
        // a message with more recipients than the whole cap goes first thing in a day, alone
        if (cap > 0 && day > 0 && day + recipients > cap) {
            out[0] = new Verdict(nextReset(Instant.ofEpochMilli(now)), "daily recipient limit " + cap + " of route "
                    + route + " reached (" + day + " today)");
            return c.with(new State(s.nextSlotMillis(), dayStart, day, s.pausedUntilMillis(), s.pauseReason()), 0, false);
        }
        long next = s.nextSlotMillis();
        if (r.limits.messages() > 0) {
            long slot = c.slotMillis();
            if (slot == 0) {
                slot = Math.max(now, next);
                next = slot + spacing(r.limits);
            }
            State taken = new State(next, s.dayStartMillis(), s.dayRecipients(), s.pausedUntilMillis(), s.pauseReason());
            if (slot > now) {
                r.reserved.put(id, slot);
                out[0] = rateVerdict(route, r, slot);
                return c.with(taken, slot, false);
            }
            if (c.recent() >= r.limits.messages()) {
                // its slot has come, but as many as the limit reached the smarthost within the period
                // (one of them took longer than the margin): it waits, keeping its slot, until the
                // earliest of them is a period old
                long until = c.earliestRecentMillis() + r.limits.period().toMillis() + 1;
                out[0] = rateVerdict(route, r, until);
                return c.with(taken, slot, false);
            }
        }
        return c.with(new State(next, dayStart, day + recipients, s.pausedUntilMillis(), s.pauseReason()), 0,
                r.limits.messages() > 0);
    }

    /** A message {@link #admit}ted on {@code route} has reached the smarthost or failed: its time in the log is now. */
    synchronized void sent(String route, QueueId id) {
        Route r = routes.get(route);
        if (r == null || r.limits.messages() == 0) {
            return;
        }
        try {
            counters.sent(route, id, clock.millis());
        } catch (IOException e) {
            log.debug("{}: cannot log when it was sent on route {}: {}", id, route, e.getMessage());
        }
    }

    /**
     * The time between two slots: period / messages, plus 1%. Evenly spaced at exactly that, the
     * first and the (N+1)th message would be one period apart, and the smarthost, counting when
     * they arrive, would see N+1 in a period whenever the first took a millisecond longer to get
     * there than the last. With 1% more, N+1 messages span a period and 1% (0.6 s for a minute), so
     * a message held up that much longer than another still does not make one too many.
     */
    static long spacing(RateLimits limits) {
        long periodMillis = limits.period().toMillis();
        return Math.max(1, (periodMillis * (100 + SPACING_MARGIN_PERCENT) + 100L * limits.messages() - 1)
                / (100L * limits.messages()));
    }

    private static Verdict paused(String route, long until, String reason) {
        return new Verdict(Instant.ofEpochMilli(until), "route " + route + " paused: " + reason);
    }

    private static Verdict rateVerdict(String route, Route r, long slot) {
        return new Verdict(Instant.ofEpochMilli(slot), "message rate " + r.limits.messages() + "/"
                + Units.text(r.limits.period()) + " of route " + route);
    }

    /** The cluster's pauses, read at most every {@link #PAUSES_READ}; the last read when that fails. */
    private Map<String, State> sharedPauses(long now) {
        if (!pausesKnown || now - pausesRead >= PAUSES_READ.toMillis() || now < pausesRead) {
            pausesRead = now;
            pausesKnown = true;
            try {
                pauses = counters.read();
            } catch (IOException e) {
                log.debug("cannot read the routes' pauses: {}", e.getMessage());
            }
        }
        return pauses;
    }

    /**
     * A quota reply came: nothing more goes on {@code route} until the quota resets (the next
     * minute, or the next relay.quota_reset_time for a daily cap), on any node. Slots taken by
     * this node's waiting messages are given up: they take new ones after the pause, in the order
     * they come back.
     */
    synchronized Instant pause(String route, QuotaReplies.Row row, String reply) {
        Route r = routes.computeIfAbsent(route, n -> new Route(RateLimits.NONE));
        Instant now = clock.instant();
        long until = (row.reset() == QuotaReplies.Reset.DAY ? nextReset(now)
                : now.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1))).toEpochMilli();
        String reason = row.name() + ": " + reply;
        UnaryOperator<State> pausing = s -> until <= s.pausedUntilMillis() ? s // paused already, as long or longer
                : new State(Math.max(s.nextSlotMillis(), until), s.dayStartMillis(), s.dayRecipients(), until, reason);
        State before = r.counted;
        try {
            r.counted = counters.change(route, null, now.toEpochMilli(), 0,
                    c -> c.with(pausing.apply(c.route()), 0, false)).route();
            counters.dropSlots(route);
        } catch (IOException e) {
            log.warn("cannot record the pause of route {} for the other nodes ({}); this node pauses", route,
                    e.getMessage());
            r.counted = pausing.apply(r.counted);
        }
        r.reserved.clear();
        if (r.counted.pausedUntilMillis() == until && before.pausedUntilMillis() != until) {
            log.warn("route {} paused until {} ({}): {}", route, Instant.ofEpochMilli(until), row.name(), reply);
        }
        return Instant.ofEpochMilli(r.counted.pausedUntilMillis());
    }

    /** The routes' connections (relay.connection_limit). */
    RouteConnections connections() {
        return connections;
    }

    /** The route's state with its current limits; null for a route without limits that was never paused. */
    private Route route(String name, RateLimits limits) {
        Route r = routes.get(name);
        if (r == null && !limits.none()) {
            r = new Route(limits);
            routes.put(name, r);
        }
        if (r != null) {
            r.limits = limits;
        }
        return r;
    }

    /** When the pause of {@code route} ends, or null when it is not paused (as last read here). */
    synchronized Instant pausedUntil(String route) {
        Route r = routes.get(route);
        return r == null || r.counted.pausedUntilMillis() <= clock.millis() ? null
                : Instant.ofEpochMilli(r.counted.pausedUntilMillis());
    }

    /** When the day counted for {@code now} began: the last relay.quota_reset_time (UTC) at or before it. */
    long dayStart(long nowMillis) {
        Instant now = Instant.ofEpochMilli(nowMillis);
        Instant today = now.atZone(ZoneOffset.UTC).toLocalDate().atTime(resetTime).toInstant(ZoneOffset.UTC);
        return (today.isAfter(now) ? today.minus(Duration.ofDays(1)) : today).toEpochMilli();
    }

    /** The next relay.quota_reset_time (UTC) after {@code now}. */
    Instant nextReset(Instant now) {
        return Instant.ofEpochMilli(dayStart(now.toEpochMilli())).plus(Duration.ofDays(1));
    }

    /** Every route with limits or a pause, for mailq, the status API and the metrics (as last read here). */
    synchronized List<Status> status() {
        List<Status> out = new ArrayList<>();
        long now = clock.millis();
        routes.forEach((name, r) -> {
            State c = r.counted;
            long day = c.dayStartMillis() == dayStart(now) ? c.dayRecipients() : 0;
            out.add(new Status(name, r.limits, day, c.nextSlotMillis() > now ? Instant.ofEpochMilli(c.nextSlotMillis())
                    : null, c.pausedUntilMillis() > now ? Instant.ofEpochMilli(c.pausedUntilMillis()) : null,
                    c.pausedUntilMillis() > now ? c.pauseReason() : "", connections.count(name), r.reserved.size()));
        });
        return out;
    }

    /** Durations as the config writes them, for messages. */
    static final class Units {
        private Units() {
        }

        static String text(Duration d) {
            long s = d.toSeconds();
            return d.toMillis() % 1000 != 0 ? d.toMillis() + "ms" : s % 86400 == 0 ? s / 86400 + "d"
                    : s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
        }
    }
}
