package org.mailferry.admin;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mailferry.message.Attempt;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.message.Recipient;
import org.mailferry.notify.Json;
import org.mailferry.queue.HeaderBlock;
import org.mailferry.queue.History;
import org.mailferry.queue.MessageIds;

/**
 * A message's status, found by queue id or Message-ID among queued and recently finished messages:
 * its state, each recipient's state and last reply, and the attempt history. As JSON for the API
 * and {@code mailferry status}.
 */
public record MessageStatus(Envelope envelope, String messageId, boolean finished) {

    /** Finds by queue id, or by Message-ID (with or without angle brackets); null when unknown. */
    public static MessageStatus find(History history, String idOrMessageId) throws IOException {
        if (QueueId.isValid(idOrMessageId)) {
            QueueId id = new QueueId(idOrMessageId);
            Envelope env = history.find(id);
            if (env != null) {
                return new MessageStatus(env, messageId(history, id), env.isFinished());
            }
        }
        QueueId id = history.findMessageId(idOrMessageId);
        Envelope env = id == null ? null : history.find(id);
        if (env == null) {
            return null;
        }
        String mid = messageId(history, id); // the index may be stale: check what it found
        return mid != null && MessageIds.bare(mid).equals(MessageIds.bare(idOrMessageId))
                ? new MessageStatus(env, mid, env.isFinished()) : null;
    }

    private static String messageId(History history, QueueId id) throws IOException {
        return HeaderBlock.field(history.headers(id), "Message-ID");
    }

    /**
     * The envelope sender of the last attempt that rewrote it (rewrite.*), from the history line
     * "sent as &lt;...&gt;"; null when never rewritten (it went as {@code sender}).
     */
    public String sentAs() {
        List<Attempt> h = envelope.history();
        for (int i = h.size() - 1; i >= 0; i--) {
            String o = h.get(i).outcome();
            int end = o.indexOf('>');
            if (o.startsWith(SENT_AS) && end > 0) {
                return o.substring(SENT_AS.length(), end);
            }
        }
        return null;
    }

    private static final String SENT_AS = "sent as <";

    public String state() {
        return finished ? "finished" : envelope.held() ? "held" : "queued";
    }

    public String json() {
        Envelope e = envelope;
        List<String> rcpts = new ArrayList<>();
        for (Recipient r : e.recipients()) {
            rcpts.add(Json.object().field("recipient", r.address().value())
                    .field("state", r.state().name().toLowerCase(Locale.ROOT))
                    .field("last_reply", r.lastReply().isEmpty() ? null : r.lastReply()).end());
        }
        List<String> history = new ArrayList<>();
        for (Attempt a : e.history()) {
            history.add(Json.object().field("time", a.time()).field("recipient", a.recipient())
                    .field("outcome", a.outcome()).end());
        }
        return Json.object().field("queue_id", e.id().value()).field("message_id", messageId)
                .field("state", state()).field("sender", e.sender().value()).field("sent_as", sentAs()).field("arrival", e.arrival())
                .field("size", e.sizeBytes()).field("attempts", e.attempts())
                .field("next_attempt", finished ? null : e.nextAttempt().toString())
                .array("recipients", rcpts).array("history", history).end();
    }
}
