package org.mailferry.queue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.Consumer;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;

/**
 * Where queued messages live. A message is written in two steps: {@link #create} gives an id and a
 * stream for the body; {@link #commit} makes body and envelope durable together. Only after commit
 * returns may anyone be told the message is queued.
 * <p>
 * The contract after a power cut (the disk keeps only what was fsynced) or an I/O error:
 * <ul>
 * <li>{@link #commit} returns only when body, envelope and their names are durable, and no sync
 *     that might have dropped them failed in between (on Linux a failed fsync drops dirty pages and
 *     a later one says nothing about them). When it throws, the message is not queued and does not
 *     come back at the next start, unless the power fails while the disk is still failing, before
 *     any later sync succeeds: then a refused message may be delivered once (a duplicate when the
 *     client retries, never a loss).
 * <li>{@link #update}, {@link #remove} and {@link #retire} of a message that is not simply
 *     delivered (bounced, expired, deleted) are durable when they return.
 * <li>What may revert, and why that is safe: {@link #retire} of a delivered message that was in the
 *     journal (the message is sent again: a duplicate, never a loss); a journal message's move to
 *     files (the files win at the next start); finished messages' history ({@link #find} may not
 *     know a message that finished just before the cut); moves to corrupt/ (moved again).
 * </ul>
 */
public interface Spool {

    /** A message being received: its id and where its body goes. */
    interface Incoming extends AutoCloseable {
        QueueId id();

        OutputStream body();

        /** What the 250 after DATA says became of the message, once committed ("queued as ID"). */
        default String queuedAs() {
            return "queued as " + id();
        }

        /** Drops the partial message; safe to call after commit (then it does nothing). */
        @Override
        void close();
    }

    Incoming create() throws IOException;

    /**
     * Makes the message durable (fsync of body, envelope and directory, or the journal's group
     * fdatasync) and visible; throws, leaving nothing queued, when a write or sync failed.
     */
    void commit(Incoming incoming, Envelope envelope) throws IOException;

    /** Rewrites the envelope durably (after an attempt, hold, release): the directory is synced too. */
    void update(Envelope envelope) throws IOException;

    Envelope load(QueueId id) throws IOException;

    /** The ids of all queued messages, in no particular order; reads names only. */
    java.util.List<QueueId> ids() throws IOException;

    InputStream openBody(QueueId id) throws IOException;

    /**
     * Removes the message durably; its envelope first, so a crash leaves at most an orphan body
     * (removed at the next start).
     */
    void remove(QueueId id) throws IOException;

    /**
     * Takes a finished message out of the queue, keeping its final envelope (and header block) for
     * status lookups until {@link #sweepFinished} removes it. Durable when it returns, except for a
     * delivered journal message (see the class comment); the history itself is not synced.
     */
    void retire(Envelope finished) throws IOException;

    /** A queued or recently finished message's envelope, or null when it is unknown. */
    Envelope find(QueueId id) throws IOException;

    /** The header block of a queued or recently finished message (empty when unknown). */
    byte[] headers(QueueId id) throws IOException;

    /**
     * The queue id of a queued or recently finished message with this Message-ID (angle brackets
     * optional), or null. This default reads every envelope and header block; {@link JournalSpool}
     * answers from an index.
     */
    default QueueId findMessageId(String messageId) throws IOException {
        String wanted = MessageIds.bare(messageId);
        java.util.List<Envelope> queued = new java.util.ArrayList<>();
        forEach(queued::add);
        for (Envelope env : queued) {
            String mid = HeaderBlock.field(headers(env.id()), "Message-ID");
            if (mid != null && MessageIds.bare(mid).equals(wanted)) {
                return env.id();
            }
        }
        QueueId[] found = {null};
        forEachFinished((env, headers) -> {
            String mid = HeaderBlock.field(headers, "Message-ID");
            if (found[0] == null && mid != null && MessageIds.bare(mid).equals(wanted)) {
                found[0] = env.id();
            }
        });
        return found[0];
    }

    /** Removes finished messages' history last changed before {@code before}; returns how many. */
    int sweepFinished(java.time.Instant before) throws IOException;

    /** Calls {@code each} for every finished message still kept, with its header block. */
    void forEachFinished(java.util.function.BiConsumer<Envelope, byte[]> each) throws IOException;

    /** Calls {@code each} for every complete message, in no particular order. */
    void forEach(Consumer<Envelope> each) throws IOException;
}
