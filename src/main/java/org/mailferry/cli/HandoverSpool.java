package org.mailferry.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.message.Recipient;
import org.mailferry.queue.Spool;
import org.mailferry.submission.Drop;

/**
 * The spool as sendmail -bs sees it: a message is collected in memory and "committed" by handing
 * it over to the daemon or the maildrop, so that 250 is still said only once it is durable. The
 * 250 names the daemon's queue id (what mailq, mailferry status and the logs show), or, with the
 * daemon down, the maildrop file, as the id comes only at pickup (whose log line names the file).
 */
final class HandoverSpool implements Spool {
    private final Handover handover;

    HandoverSpool(Handover handover) {
        this.handover = handover;
    }

    private static final class Memory implements Incoming {
        private final QueueId id = QueueId.next(System.currentTimeMillis()); // only until the handover
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(8192);
        private String queuedAs;

        @Override
        public QueueId id() {
            return id;
        }

        @Override
        public OutputStream body() {
            return buffer;
        }

        @Override
        public String queuedAs() {
            return queuedAs;
        }

        @Override
        public void close() {
        }
    }

    @Override
    public Incoming create() {
        return new Memory();
    }

    @Override
    public void commit(Incoming incoming, Envelope envelope) throws IOException {
        List<String> rcpts = new ArrayList<>();
        List<Drop.RecipientDsn> dsn = new ArrayList<>();
        for (Recipient r : envelope.recipients()) {
            rcpts.add(r.address().value());
            dsn.add(new Drop.RecipientDsn(r.dsnNotify(), r.orcpt())); // RCPT's NOTIFY and ORCPT, as given
        }
        Drop drop = new Drop(envelope.sender().value(), rcpts, "", envelope.ret(), envelope.envId(),
                ((Memory) incoming).buffer.toByteArray(), dsn);
        try {
            String where = handover.submit(drop, false).where(); // "queued as ID" or "maildrop NAME"
            ((Memory) incoming).queuedAs = where.startsWith("maildrop ")
                    ? "in the maildrop as " + where.substring(9) + " (the daemon is not running; "
                    + "it queues the message when it starts)" : where;
        } catch (Handover.RefusedException e) {
            throw new IOException("refused by the daemon: " + e.getMessage());
        }
    }

    private static UnsupportedOperationException onlyAdds() {
        return new UnsupportedOperationException("sendmail -bs only adds messages");
    }

    @Override
    public void update(Envelope envelope) {
        throw onlyAdds();
    }

    @Override
    public Envelope load(QueueId id) {
        throw onlyAdds();
    }

    @Override
    public InputStream openBody(QueueId id) {
        throw onlyAdds();
    }

    @Override
    public void remove(QueueId id) {
        throw onlyAdds();
    }

    @Override
    public void retire(Envelope finished) {
        throw onlyAdds();
    }

    @Override
    public java.util.List<QueueId> ids() {
        throw onlyAdds();
    }

    @Override
    public void forEach(Consumer<Envelope> each) {
        throw onlyAdds();
    }
}
