package org.mailferry.queue;

import java.io.IOException;
import java.io.OutputStream;
import org.mailferry.message.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A message being received into {@link FileSpool}: its body in tmp/ until the commit renames it. */
final class FileIncoming implements Spool.Incoming {
    private static final Logger log = LoggerFactory.getLogger("mailferry.spool");
    final QueueId id;
    final DurableFile body;
    boolean committed;

    FileIncoming(QueueId id, DurableFile body) {
        this.id = id;
        this.body = body;
    }

    @Override
    public QueueId id() {
        return id;
    }

    @Override
    public OutputStream body() {
        return body.stream();
    }

    @Override
    public void close() {
        if (committed) {
            return;
        }
        try {
            body.close();
        } catch (IOException e) {
            log.warn("{}: cannot remove {}: {}", id, body.tmp(), e.toString());
        }
    }
}
