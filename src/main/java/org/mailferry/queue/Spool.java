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
 */
public interface Spool {

    /** A message being received: its id and where its body goes. */
    interface Incoming extends AutoCloseable {
        QueueId id();

        OutputStream body();

        /** Drops the partial message; safe to call after commit (then it does nothing). */
        @Override
        void close();
    }

    Incoming create() throws IOException;

    /** Makes the message durable (fsync of body, envelope and directory) and visible. */
    void commit(Incoming incoming, Envelope envelope) throws IOException;

    /** Rewrites the envelope durably (after an attempt, hold, release). */
    void update(Envelope envelope) throws IOException;

    Envelope load(QueueId id) throws IOException;

    /** The ids of all queued messages, in no particular order; reads names only. */
    java.util.List<QueueId> ids() throws IOException;

    InputStream openBody(QueueId id) throws IOException;

    /** Removes the message; its envelope first, so a crash leaves at most an orphan body. */
    void remove(QueueId id) throws IOException;

    /**
     * Takes a finished message out of the queue, keeping its final envelope (and header block) for
     * status lookups until {@link #sweepFinished} removes it.
     */
    void retire(Envelope finished) throws IOException;

    /** A queued or recently finished message's envelope, or null when it is unknown. */
    Envelope find(QueueId id) throws IOException;

    /** The header block of a queued or recently finished message (empty when unknown). */
    byte[] headers(QueueId id) throws IOException;

    /** Removes finished messages' history last changed before {@code before}; returns how many. */
    int sweepFinished(java.time.Instant before) throws IOException;

    /** Calls {@code each} for every finished message still kept, with its header block. */
    void forEachFinished(java.util.function.BiConsumer<Envelope, byte[]> each) throws IOException;

    /** Calls {@code each} for every complete message, in no particular order. */
    void forEach(Consumer<Envelope> each) throws IOException;
}
