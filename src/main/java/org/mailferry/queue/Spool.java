package org.mailferry.queue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.function.Consumer;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;

/**
 * The queue: where messages wait for delivery, and all a delivery needs from storage. A storage
 * backend implements this and {@link History} (finished messages and lookups by id or header):
 * {@link JournalSpool} does both on files; a database backend would be one class
 * {@code implements Spool, History} over its tables, each method below one transaction.
 * <p>
 * A message is written in two steps: {@link #create} gives an id and a stream for the body;
 * {@link #commit} makes body and envelope durable together. Only after commit returns may anyone
 * be told the message is queued. The body never changes after that; the envelope (recipients'
 * states, attempts, next attempt, held) is rewritten by {@link #update}.
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
 *     files (the files win at the next start); finished messages' history ({@link History#find} may
 *     not know a message that finished just before the cut); moves to corrupt/ (moved again).
 * </ul>
 * Every method may be called from many threads at once, for different messages; the callers
 * (delivery's claims) never change one message from two threads at once.
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

    /**
     * Starts a message under a new id (unique, and its first bits say when it arrived). Nothing is
     * queued, nor need anything be durable, until {@link #commit}; a crash before it leaves nothing
     * that comes back.
     */
    Incoming create() throws IOException;

    /**
     * Makes the message durable (fsync of body, envelope and directory, or the journal's group
     * fdatasync) and visible to {@link #load}, {@link #ids} and {@link #forEach}; throws, leaving
     * nothing queued, when a write or sync failed (see the class comment for the one exception).
     */
    void commit(Incoming incoming, Envelope envelope) throws IOException;

    /**
     * The envelope of a queued message, as last committed or updated. Throws
     * {@link java.nio.file.NoSuchFileException} when the message is not queued (removed or
     * retired meanwhile); an envelope that cannot be read is set aside (corrupt/) and reported as
     * an IOException, so it is not offered again.
     */
    Envelope load(QueueId id) throws IOException;

    /**
     * Rewrites a queued message's envelope (after an attempt, hold, release); durable when it
     * returns (the directory synced too). Throws {@link java.nio.file.NoSuchFileException} when the
     * message is no longer queued.
     */
    void update(Envelope envelope) throws IOException;

    /**
     * Removes the message, keeping no history; durable when it returns (a deleted message must not
     * come back). Its envelope goes first, so a crash leaves at most an orphan body, removed at the
     * next start. Removing an unknown id does nothing.
     */
    void remove(QueueId id) throws IOException;

    /**
     * Takes a finished message out of the queue, like {@link #remove}, and hands its final
     * envelope and header block to the {@link History} (for status lookups until swept). Durable
     * when it returns, except for a delivered journal message (see the class comment); the history
     * itself need not be synced.
     */
    void retire(Envelope finished) throws IOException;

    /**
     * The ids of all queued messages, in no particular order; reads names (or an index) only, no
     * envelope. What the scheduler and the queue listing start from.
     */
    List<QueueId> ids() throws IOException;

    /**
     * Calls {@code each} for every queued message's envelope, in no particular order (the start-up
     * pass that schedules every due message). A message removed while this runs may be skipped;
     * an unreadable envelope is set aside (corrupt/) with a log line, not handed over.
     */
    void forEach(Consumer<Envelope> each) throws IOException;

    /**
     * The body of a queued message, byte for byte as committed, buffered (header readers take a
     * byte at a time). Throws {@link java.nio.file.NoSuchFileException} when the message is gone.
     */
    InputStream openBody(QueueId id) throws IOException;

    /**
     * The header block of a queued message ({@link HeaderBlock#read(InputStream)} of its body); a
     * spool that kept it from the commit answers without reading. Not to be changed by the caller.
     */
    default byte[] headerBlock(QueueId id) throws IOException {
        try (InputStream body = openBody(id)) {
            return HeaderBlock.read(body);
        }
    }
}
