package org.mailferry.queue;

import java.io.IOException;
import java.time.Instant;
import java.util.function.BiConsumer;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;

/**
 * What is known about a message besides the queue: finished messages kept for status lookups until
 * swept (admin.history_retention), and lookups by queue id or Message-ID among queued and finished
 * messages (the admin API, {@code mailferry status}, the webhooks' start-up check). Delivery never
 * needs it. A storage backend implements this with {@link Spool}, over the same storage:
 * {@link JournalSpool} does both on files; a database backend would be one class
 * {@code implements Spool, History}, where {@link Spool#retire} marks the row finished.
 * <p>
 * Durability: none of its own. A finished message's history is written by {@link Spool#retire}
 * and need not be synced: losing it in a power cut loses no message, only the answer to a status
 * lookup for a message that finished just before the cut. Lookups may run while messages are
 * queued, delivered and swept, from many threads; they may miss a message that changes state
 * while they run, never return another message's data.
 */
public interface History {

    /**
     * The envelope of a queued or recently finished (retired, not yet swept) message, or null when
     * it is unknown. A queued message's is its current envelope, a finished one's its final envelope
     * ({@link Envelope#isFinished}). Throws when an envelope exists but cannot be read.
     */
    Envelope find(QueueId id) throws IOException;

    /**
     * The header block (everything up to the empty line) of a queued or recently finished message,
     * or an empty array when it is unknown.
     */
    byte[] headers(QueueId id) throws IOException;

    /**
     * The queue id of a queued or recently finished message whose Message-ID header field is this
     * one (angle brackets and surrounding spaces optional), or null. Cheap: an index, not a scan
     * (a status lookup per webhook or per API call must not read the queue). It may name a message
     * that went away or changed meanwhile: the caller checks with {@link #find} and {@link #headers}.
     * A backend without an index may answer with {@link MessageIds#scan}.
     */
    QueueId findMessageId(String messageId) throws IOException;

    /**
     * Calls {@code each} for every finished message still kept, with its header block (empty when
     * it had none), in no particular order; unreadable history is skipped with a log line.
     */
    void forEachFinished(BiConsumer<Envelope, byte[]> each) throws IOException;

    /**
     * Forgets the finished messages whose history was last written before {@code before} (the
     * hourly sweep, admin.history_retention); returns how many. Not synced: a swept message that
     * comes back after a power cut is swept again.
     */
    int sweepFinished(Instant before) throws IOException;
}
