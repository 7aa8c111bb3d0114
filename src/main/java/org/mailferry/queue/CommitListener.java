package org.mailferry.queue;

import java.io.IOException;

/**
 * Told around each commit of a new message, so that what the commit owes (its "received" event,
 * whose webhook must not be lost) is recorded durably before the message is: a crash between the
 * two leaves a record of a commit that may not have happened, never a message nobody was told of.
 */
public interface CommitListener {
    /**
     * Before the commit. Throwing refuses the commit (the client gets a 4xx).
     *
     * @param headers the message's header block
     * @return told once whether the commit happened
     */
    After committing(org.mailferry.message.Envelope envelope, byte[] headers) throws IOException;

    /** The end of one commit. */
    interface After {
        /** The message is durably queued. */
        void committed();

        /** The commit failed: nothing was queued. */
        void failed();
    }
}
