package org.mailferry.queue;

import java.io.IOException;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.mailferry.message.QueueId;

/**
 * Where the routes' quota counters live (delivery's Quotas decides; this only keeps them): the
 * next free rate slot, the day's recipients and a quota pause of each route. With one node a file
 * in the spool (SPOOL/quotas); with nodes sharing the queue, the {@code route_quota} table
 * ({@link PgRouteCounters}), so a limit holds for the cluster, not per node. The slots reserved
 * for waiting messages are kept there too (in memory with one node). A change is atomic:
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
     * A route's counters with one message's reserved rate slot (0: none), as read under the
     * route's lock, and the messages sent on the route within the last period: how many, and the
     * earliest time among theirs. A slot is kept where the counters are, so whichever node
     * attempts the message at its slot's time finds it. {@code sends} (written only): the message
     * goes now; it is logged with the time now until {@link #sent} moves it to when it arrived.
     */
    record Counted(State route, long slotMillis, int recent, long earliestRecentMillis, boolean sends) {
        public Counted with(State route, long slotMillis, boolean sends) {
            return new Counted(route, slotMillis, recent, earliestRecentMillis, sends);
        }
    }

    /**
     * Reads {@code route}'s counters (ZERO for a route never counted), {@code id}'s slot on it (none
     * for a null id) and the messages sent on it after {@code nowMillis - periodMillis} (none for a
     * period of 0), applies {@code change} and writes what it returns, atomically; returns what was
     * written. {@code change} runs once, while the route is locked: it must not block.
     */
    Counted change(String route, QueueId id, long nowMillis, long periodMillis, UnaryOperator<Counted> change)
            throws IOException;

    /**
     * {@code id}'s attempt on {@code route} is over at {@code doneMillis}: its time in the log of sent
     * messages becomes that (it reached the smarthost at the latest then), so it counts a whole
     * period from when it arrived, not from when it started.
     */
    void sent(String route, QueueId id, long doneMillis) throws IOException;

    /** Gives up every slot reserved on {@code route} (a quota pause: they are taken anew after it). */
    void dropSlots(String route) throws IOException;

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
