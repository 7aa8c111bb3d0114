package org.mailferry.queue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;

/**
 * Message-ID to queue id for queued and recently finished messages, in memory, so that a status
 * lookup by Message-ID reads no envelope or header block. Built by one scan of the spool on first
 * use, then kept up as messages are committed and removed, and pruned when finished messages are
 * swept. An entry may be stale (the message went away): the caller checks what it finds.
 * Before it, each lookup of an unknown Message-ID read every envelope and header block.
 */
public final class MessageIds {
    private final Map<String, QueueId> byMessageId = new ConcurrentHashMap<>();
    private final Map<QueueId, String> byId = new ConcurrentHashMap<>();
    private volatile boolean built;

    /** A Message-ID without surrounding spaces and angle brackets, as the index keys it. */
    public static String bare(String messageId) {
        String s = messageId.strip();
        return s.startsWith("<") && s.endsWith(">") ? s.substring(1, s.length() - 1) : s;
    }

    /** Notes a committed message (its header block gives the Message-ID; none: nothing to note). */
    void add(QueueId id, byte[] headers) {
        String mid = HeaderBlock.field(headers, "Message-ID");
        if (mid != null) {
            String key = bare(mid);
            byMessageId.put(key, id);
            byId.put(id, key);
        }
    }

    void remove(QueueId id) {
        String key = byId.remove(id);
        if (key != null) {
            byMessageId.remove(key, id);
        }
    }

    /**
     * The queue id noted for this Message-ID, or null; the first call scans the queue and the
     * history once.
     */
    QueueId find(Spool queue, History history, String messageId) throws IOException {
        if (!built) {
            build(queue, history);
        }
        return byMessageId.get(bare(messageId));
    }

    private synchronized void build(Spool queue, History history) throws IOException {
        if (built) {
            return;
        }
        List<Envelope> queued = new ArrayList<>();
        queue.forEach(queued::add);
        for (Envelope env : queued) {
            add(env.id(), history.headers(env.id()));
        }
        history.forEachFinished((env, headers) -> add(env.id(), headers));
        built = true;
    }

    /** Forgets the messages {@code history} no longer knows (after a sweep of finished messages). */
    void prune(History history) throws IOException {
        for (QueueId id : List.copyOf(byId.keySet())) {
            if (history.find(id) == null) {
                remove(id);
            }
        }
    }

    /**
     * A {@link History#findMessageId} without an index, for a backend that keeps none: reads every
     * queued message's envelope and header block, then every finished one's. What every lookup cost
     * before this index.
     */
    public static QueueId scan(Spool queue, History history, String messageId) throws IOException {
        String wanted = bare(messageId);
        List<Envelope> queued = new ArrayList<>();
        queue.forEach(queued::add);
        for (Envelope env : queued) {
            String mid = HeaderBlock.field(history.headers(env.id()), "Message-ID");
            if (mid != null && bare(mid).equals(wanted)) {
                return env.id();
            }
        }
        QueueId[] found = {null};
        history.forEachFinished((env, headers) -> {
            String mid = HeaderBlock.field(headers, "Message-ID");
            if (found[0] == null && mid != null && bare(mid).equals(wanted)) {
                found[0] = env.id();
            }
        });
        return found[0];
    }

    /** How many messages are noted (for tests). */
    int size() {
        return byId.size();
    }
}
