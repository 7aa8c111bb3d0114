package org.mailferry.delivery;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.mailferry.config.RateLimits;
import org.mailferry.message.QueueId;
import org.mailferry.queue.RouteCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * relay.connection_limit: a route's open connections, counted on this node and, with shared
 * counters ({@link RouteCounters#shared()}), every node's in the database. A message that finds
 * its route full waits to be woken by the next close here (or looks again after a while).
 */
final class RouteConnections {
    private static final Logger log = LoggerFactory.getLogger("mailferry.qmgr");

    private static final class Count {
        RateLimits limits;
        /** This node's open connections; of them, counted in the shared counters. */
        int open;
        int shared;
        final ArrayDeque<QueueId> waiting = new ArrayDeque<>();

        Count(RateLimits limits) {
            this.limits = limits;
        }
    }

    private final RouteCounters counters;
    private final Map<String, Count> routes = new HashMap<>();

    RouteConnections(RouteCounters counters) {
        this.counters = counters;
    }

    /**
     * A worker needs a new connection on {@code route}: true when one more is allowed (it is
     * counted until {@link #closed}); false when the route has its connections (with shared
     * counters, every node's), and {@code id} waits to be woken by the next {@link #closed} here.
     */
    synchronized boolean open(String route, RateLimits limits, QueueId id) {
        Count r = routes.get(route);
        if (r == null) {
            if (limits.none()) {
                return true;
            }
            r = new Count(limits);
            routes.put(route, r);
        }
        r.limits = limits;
        int limit = limits.connections();
        boolean ok;
        if (limit > 0 && counters.shared()) {
            try {
                ok = counters.openConnection(route, limit);
            } catch (IOException e) {
                log.warn("cannot count a connection of route {} ({}); it waits", route, e.getMessage());
                ok = false;
            }
            r.shared += ok ? 1 : 0;
        } else {
            ok = limit == 0 || r.open < limit;
        }
        if (!ok) {
            if (!r.waiting.contains(id)) {
                r.waiting.add(id);
            }
            return false;
        }
        r.open++;
        return true;
    }

    /** A connection opened past the limit check (a reused one was lost, a fresh one took its place). */
    synchronized void opened(String route) {
        Count r = routes.get(route);
        if (r != null) {
            r.open++;
            if (r.limits.connections() > 0 && counters.shared()) {
                try {
                    counters.openConnection(route, Integer.MAX_VALUE);
                    r.shared++;
                } catch (IOException e) {
                    log.warn("cannot count a connection of route {}: {}", route, e.getMessage());
                }
            }
        }
    }

    /** A connection on {@code route} closed: the message that waited longest for one, or null. */
    synchronized QueueId closed(String route) {
        Count r = routes.get(route);
        if (r == null) {
            return null;
        }
        r.open = Math.max(0, r.open - 1);
        if (r.shared > 0) {
            r.shared--;
            try {
                counters.closeConnection(route);
            } catch (IOException e) {
                log.warn("cannot count a closed connection of route {} ({}); written again at the next renewal",
                        route, e.getMessage());
            }
        }
        return r.waiting.poll();
    }

    /** This node's open connections on {@code route}. */
    synchronized int count(String route) {
        Count r = routes.get(route);
        return r == null ? 0 : r.open;
    }
}
