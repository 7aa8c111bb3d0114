package org.mailferry.queue;

import java.io.IOException;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Where the routes' quota counters live (delivery's Quotas decides; this only keeps them): the
 * next free rate slot, the day's recipients and a quota pause of each route. With one node a file
 * in the spool (SPOOL/quotas); with nodes sharing the queue, the {@code route_quota} table
 * ({@link PgRouteCounters}), so a limit holds for the cluster, not per node. A change is atomic:
 * no other change of the same route, on this node or another, comes between its read and its write.
 */
public interface RouteCounters {
    /** One route's counters; times in milliseconds since the epoch, 0 for none. */
    record State(long nextSlotMillis, long dayStartMillis, long dayRecipients, long pausedUntilMillis,
                 String pauseReason) {
        public static final State ZERO = new State(0, 0, 0, 0, "");

        public State {
            pauseReason = pauseReason == null ? "" : pauseReason;
        }
    }

    /**
     * Reads {@code route}'s counters (ZERO for a route never counted), applies {@code change} and
     * writes what it returns (nothing when it returns its argument), atomically; returns the state
     * written. {@code change} runs once, while the route is locked: it must not block.
     */
    State change(String route, UnaryOperator<State> change) throws IOException;

    /** Every route's counters, read now. */
    Map<String, State> read() throws IOException;

    /** True when other nodes count on the same routes (the database): a pause may come from another node. */
    boolean shared();

    /**
     * Takes one of {@code route}'s {@code limit} connections for this node, counting every node's;
     * false when all are taken ({@code Integer.MAX_VALUE}: counts one opened past the check). Only
     * for {@link #shared()} counters: one node counts its connections in memory.
     */
    default boolean openConnection(String route, int limit) throws IOException {
        return true;
    }

    /** Gives back a connection of {@code route} taken by {@link #openConnection} (or opened past it). */
    default void closeConnection(String route) throws IOException {
    }
}
