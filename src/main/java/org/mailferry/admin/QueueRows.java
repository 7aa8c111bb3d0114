package org.mailferry.admin;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.mailferry.delivery.Sites;
import org.mailferry.message.Attempt;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.message.Recipient;
import org.mailferry.queue.Spool;

/**
 * The console's queue table: one small row per queued message, kept in memory, so that paging,
 * filtering and sorting 100,000 messages happen on the server and the browser gets one page. A
 * row holds what the table shows, never a body or headers.
 * <p>
 * The whole spool is read once, at the first query (after a start, or after {@link #IDLE} without
 * one, when the rows are dropped to give their memory back). From then on a query reads only the
 * envelopes of the messages an event or an action named since the last query ({@link #changed});
 * a change no event tells of (another node of a shared queue) is caught by a reading of the whole
 * spool in the background every {@link #RECONCILE} while the console is used, which never holds a
 * query up. The rows sorted by each order are kept until the rows change.
 */
final class QueueRows {
    /** How often the whole spool is read again, in the background, while queries come. */
    static final Duration RECONCILE = Duration.ofSeconds(30);
    /** After this long without a query the rows are dropped (the next query reads the spool again). */
    static final Duration IDLE = Duration.ofMinutes(10);
    /** How a route quota's wait reads on the envelope (delivery/QueueRunner.throttle). */
    static final String THROTTLED = "throttled until ";

    /** One queued message, as the table shows it. */
    record Row(String id, Instant arrival, String sender, List<String> recipients, long size, String state,
               String lastReply, String relay, int attempts, Instant nextAttempt) {
    }

    private final Spool spool;
    private final Clock clock;
    private final Executor background;
    private Map<String, Row> byId; // null: not read
    // told by the event listener without taking the lock (a delivery worker must never wait for a reading)
    private final Set<QueueId> dirty = ConcurrentHashMap.newKeySet();
    private final Set<QueueId> changedWhileReading = ConcurrentHashMap.newKeySet();
    private volatile boolean loaded;
    private volatile boolean reading;
    private Instant readAt;
    private Instant usedAt;
    private final Map<String, List<Row>> sorted = new HashMap<>(); // by sort key, ascending, for these rows

    /** @param background runs the reconciling reads (a virtual thread each in the daemon) */
    QueueRows(Spool spool, Clock clock, Executor background) {
        this.spool = spool;
        this.clock = clock;
        this.background = background;
    }

    /**
     * The queue changed for this message (an event, an action): its row is read again at the next
     * query. Never waits: called on the delivery path, also while a query reads the whole spool.
     */
    void changed(QueueId id) {
        if (loaded) {
            dirty.add(id);
        }
        if (reading) {
            changedWhileReading.add(id);
        }
    }

    /** Gives the rows' memory back when no query came for {@link #IDLE} (called now and then). */
    synchronized void dropIfIdle() {
        if (byId != null && !reading && usedAt.plus(IDLE).isBefore(clock.instant())) {
            loaded = false;
            byId = null;
            dirty.clear();
            sorted.clear();
        }
    }

    /** The rows in the ascending order of {@code q}, up to date with every change heard of. */
    private synchronized List<Row> rows(QueueQuery q) throws IOException {
        Instant now = clock.instant();
        if (byId == null) {
            dirty.clear();
            reading = true; // what changes meanwhile is noted, and read again below
            try {
                byId = readAll();
            } finally {
                loaded = byId != null;
                reading = false;
            }
            dirty.addAll(changedWhileReading);
            changedWhileReading.clear(); // anything told after loaded was set is in dirty too
            readAt = now;
            sorted.clear();
        } else if (!reading && !readAt.plus(RECONCILE).isAfter(now)) {
            reading = true;
            background.execute(this::reconcile);
        }
        usedAt = now;
        if (!dirty.isEmpty()) {
            for (QueueId id : List.copyOf(dirty)) {
                dirty.remove(id); // told again from now on: read again at the next query
                Row r = read(id);
                if (r == null) {
                    byId.remove(id.value());
                } else {
                    byId.put(id.value(), r);
                }
            }
            sorted.clear();
        }
        return sorted.computeIfAbsent(q.sort(), k -> {
            List<Row> all = new ArrayList<>(byId.values());
            all.sort(q.ascending());
            return List.copyOf(all);
        });
    }

    private Map<String, Row> readAll() throws IOException {
        Map<String, Row> m = new HashMap<>();
        spool.forEach(e -> m.put(e.id().value(), row(e)));
        return m;
    }

    /** The message's row, or null when it is no longer queued (or cannot be read: set aside by the spool). */
    private Row read(QueueId id) {
        try {
            return row(spool.load(id));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger("mailferry.admin").warn("console: {} not shown: {}", id, e.toString());
            return null;
        }
    }

    /** The background reading: replaces the rows; what changed meanwhile is read again at the next query. */
    private void reconcile() {
        Instant started = clock.instant();
        Map<String, Row> fresh = null;
        try {
            fresh = readAll();
        } catch (IOException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger("mailferry.admin").warn("console: queue not read: {}", e.toString());
        }
        synchronized (this) {
            if (fresh != null && byId != null) {
                byId = fresh;
                dirty.addAll(changedWhileReading);
                sorted.clear();
            }
            changedWhileReading.clear();
            readAt = started;
            reading = false;
        }
    }

    static Row row(Envelope e) {
        List<String> rcpts = new ArrayList<>();
        String lastReply = "";
        boolean suspended = false;
        for (Recipient r : e.recipients()) {
            if (r.state() == Recipient.State.PENDING) {
                rcpts.add(r.address().value());
                if (!r.lastReply().isEmpty()) {
                    lastReply = r.lastReply();
                    suspended |= r.lastReply().contains(Sites.SUSPENDED) || r.lastReply().startsWith(THROTTLED);
                }
            }
        }
        String relay = "";
        List<Attempt> h = e.history();
        for (int i = h.size() - 1; i >= 0 && relay.isEmpty(); i--) {
            relay = relayOf(h.get(i).outcome());
        }
        String state = e.held() ? "held" : e.attempts() == 0 ? "queued" : suspended ? "throttled" : "deferred";
        return new Row(e.id().value(), e.arrival(), e.sender().value(), List.copyOf(rcpts), e.sizeBytes(), state,
                lastReply, relay, e.attempts(), e.nextAttempt());
    }

    /** "smtp.example.com[203.0.113.5]:587" from "deferred via smtp.example.com[203.0.113.5]:587: 450 ...". */
    static String relayOf(String outcome) {
        int via = outcome.indexOf(" via ");
        if (via < 0) {
            return "";
        }
        int end = outcome.indexOf(": ", via + 5);
        return end < 0 ? outcome.substring(via + 5) : outcome.substring(via + 5, end);
    }

    /** A query's answer: how many messages are queued, how many matched, and the requested page of them. */
    record Page(int total, int matched, int offset, List<Row> rows) {
    }

    /** The rows matching {@code q}, sorted, and the page it asked for. */
    Page page(QueueQuery q) throws IOException {
        List<Row> all = rows(q);
        Instant now = clock.instant();
        List<Row> page = new ArrayList<>(Math.min(q.limit(), all.size()));
        int matched = 0;
        for (int i = 0; i < all.size(); i++) {
            Row r = all.get(q.descending() ? all.size() - 1 - i : i);
            if (q.matches(r, now)) {
                if (matched >= q.offset() && page.size() < q.limit()) {
                    page.add(r);
                }
                matched++;
            }
        }
        return new Page(all.size(), matched, Math.min(q.offset(), matched), page);
    }
}
