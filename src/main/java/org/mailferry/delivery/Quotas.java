package org.mailferry.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mailferry.config.RateLimits;
import org.mailferry.message.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routes' quotas (KumoMTA's throttles; Postfix has none, users script them): per route (a
 * smarthost with its login), messages per period spaced evenly, recipients per day, concurrent
 * connections, and the pause a quota reply orders ({@link QuotaReplies}). A message over a limit
 * is not attempted: {@link #admit} says until when it waits, and the runner schedules it then.
 * <p>
 * The rate is a reservation (GCRA without burst): each message takes the next free slot, one
 * interval after the last, and a message that must wait keeps its slot, so a backlog of n messages
 * is scheduled once, each at its own time, not woken n times. A message flushed before its slot
 * waits for it again. The day's recipients and the next free slot and pause are written to
 * SPOOL/quotas ({@link QuotaFile}) whenever they change, so a restart does not give a burst.
 */
final class Quotas {
    private static final Logger log = LoggerFactory.getLogger("mailferry.qmgr");

    /** The route of every message while per-sender routes are not configured. */
    static final String DEFAULT_ROUTE = "default";

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

    /** What survives a restart: the next slot, the day's recipients, a pause. */
    record Saved(long nextSlotMillis, long dayStartMillis, long dayRecipients, long pausedUntilMillis,
                 String pauseReason) {
    }

    private static final class Route {
        RateLimits limits;
        long nextSlot;
        long dayStart;
        long dayRecipients;
        long pausedUntil;
        String pauseReason = "";
        int connections;
        final Map<QueueId, Long> reserved = new HashMap<>();
        final ArrayDeque<QueueId> waitingForConnection = new ArrayDeque<>();

        Route(RateLimits limits) {
            this.limits = limits;
        }
    }

    private final Clock clock;
    private final LocalTime resetTime;
    private final QuotaFile file;
    private final Map<String, Route> routes = new LinkedHashMap<>();

    /**
     * @param resetTime when (UTC) a day's recipients start again and a daily cap's pause ends
     * @param file      where the counters are kept across restarts; read once here
     */
    Quotas(Clock clock, LocalTime resetTime, QuotaFile file) {
        this.clock = clock;
        this.resetTime = resetTime;
        this.file = file;
        file.read().forEach((name, saved) -> {
            Route r = routes.computeIfAbsent(name, n -> new Route(RateLimits.NONE));
            r.nextSlot = saved.nextSlotMillis();
            r.dayStart = saved.dayStartMillis();
            r.dayRecipients = saved.dayRecipients();
            r.pausedUntil = saved.pausedUntilMillis();
            r.pauseReason = saved.pauseReason();
        });
    }

    /**
     * May a message with {@code recipients} pending recipients go on {@code route} now? When it
     * may, it is counted (its slot taken, its recipients added to the day's); when it may not, the
     * verdict says until when, and its slot (if the rate was the reason) is kept for it.
     */
    synchronized Verdict admit(String route, RateLimits limits, QueueId id, int recipients) {
        Route r = route(route, limits);
        if (r == null) {
            return Verdict.GO;
        }
        long now = clock.millis();
        if (r.pausedUntil > now) {
            r.reserved.remove(id);
            return new Verdict(Instant.ofEpochMilli(r.pausedUntil), "route " + route + " paused: " + r.pauseReason);
        }
        if (r.limits.none()) {
            return Verdict.GO;
        }
        long dayStart = dayStart(now);
        if (r.dayStart != dayStart) {
            r.dayStart = dayStart;
            r.dayRecipients = 0;
        }
        long cap = r.limits.recipientsPerDay();
        // a message with more recipients than the whole cap goes first thing in a day, alone
        if (cap > 0 && r.dayRecipients > 0 && r.dayRecipients + recipients > cap) {
            r.reserved.remove(id);
            return new Verdict(nextReset(Instant.ofEpochMilli(now)), "daily recipient limit " + cap + " of route "
                    + route + " reached (" + r.dayRecipients + " today)");
        }
        if (r.limits.messages() > 0) {
            Long slot = r.reserved.get(id);
            if (slot == null) {
                long interval = Math.max(1, r.limits.interval().toMillis());
                slot = Math.max(now, r.nextSlot);
                r.nextSlot = slot + interval;
                if (slot > now) {
                    r.reserved.put(id, slot); // not saved: a restart counts from the last message sent
                    return rateVerdict(route, r, slot);
                }
            } else if (slot > now) {
                return rateVerdict(route, r, slot);
            } else {
                r.reserved.remove(id);
            }
        }
        r.dayRecipients += recipients;
        save();
        return Verdict.GO;
    }

    private static Verdict rateVerdict(String route, Route r, long slot) {
        return new Verdict(Instant.ofEpochMilli(slot), "message rate " + r.limits.messages() + "/"
                + Units.text(r.limits.period()) + " of route " + route);
    }

    /**
     * A quota reply came: nothing more goes on {@code route} until the quota resets (the next
     * minute, or the next relay.quota_reset_time for a daily cap). Slots taken by waiting
     * messages are given up: they take new ones after the pause, in the order they come back.
     */
    synchronized Instant pause(String route, QuotaReplies.Row row, String reply) {
        Route r = routes.computeIfAbsent(route, n -> new Route(RateLimits.NONE));
        Instant now = clock.instant();
        Instant until = row.reset() == QuotaReplies.Reset.DAY ? nextReset(now)
                : now.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
        if (until.toEpochMilli() <= r.pausedUntil) {
            return Instant.ofEpochMilli(r.pausedUntil); // paused already, as long or longer
        }
        r.pausedUntil = until.toEpochMilli();
        r.pauseReason = row.name() + ": " + reply;
        r.nextSlot = Math.max(r.nextSlot, r.pausedUntil);
        r.reserved.clear();
        log.warn("route {} paused until {} ({}): {}", route, until, row.name(), reply);
        save();
        return until;
    }

    /**
     * A worker needs a new connection on {@code route}: true when one more is allowed (it is
     * counted until {@link #closed}); false when the route has its connections, and {@code id} waits
     * to be woken by the next {@link #closed}.
     */
    synchronized boolean open(String route, RateLimits limits, QueueId id) {
        Route r = route(route, limits);
        if (r == null) {
            return true;
        }
        if (r.limits.connections() > 0 && r.connections >= r.limits.connections()) {
            if (!r.waitingForConnection.contains(id)) {
                r.waitingForConnection.add(id);
            }
            return false;
        }
        r.connections++;
        return true;
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

    /** A connection opened past the limit check (a reused one was lost, a fresh one took its place). */
    synchronized void opened(String route) {
        Route r = routes.get(route);
        if (r != null) {
            r.connections++;
        }
    }

    /** A connection on {@code route} closed: the message that waited longest for one, or null. */
    synchronized QueueId closed(String route) {
        Route r = routes.get(route);
        if (r == null) {
            return null;
        }
        r.connections = Math.max(0, r.connections - 1);
        return r.waitingForConnection.poll();
    }

    /** When the pause of {@code route} ends, or null when it is not paused. */
    synchronized Instant pausedUntil(String route) {
        Route r = routes.get(route);
        return r == null || r.pausedUntil <= clock.millis() ? null : Instant.ofEpochMilli(r.pausedUntil);
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

    /** Every route with limits or a pause, for mailq, the status API and the metrics. */
    synchronized List<Status> status() {
        List<Status> out = new ArrayList<>();
        long now = clock.millis();
        routes.forEach((name, r) -> {
            long day = r.dayStart == dayStart(now) ? r.dayRecipients : 0;
            out.add(new Status(name, r.limits, day, r.nextSlot > now ? Instant.ofEpochMilli(r.nextSlot) : null,
                    r.pausedUntil > now ? Instant.ofEpochMilli(r.pausedUntil) : null,
                    r.pausedUntil > now ? r.pauseReason : "", r.connections, r.reserved.size()));
        });
        return out;
    }

    private void save() {
        Map<String, Saved> all = new LinkedHashMap<>();
        routes.forEach((name, r) -> all.put(name, new Saved(r.nextSlot, r.dayStart, r.dayRecipients, r.pausedUntil,
                r.pauseReason)));
        file.write(all);
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
