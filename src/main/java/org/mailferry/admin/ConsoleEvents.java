package org.mailferry.admin;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.mailferry.message.QueueId;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.notify.EventListener;
import org.mailferry.notify.EventType;
import org.mailferry.notify.Json;
import org.mailferry.notify.Webhooks;

/**
 * What the console shows that the spool does not keep, heard from the daemon's events: the last
 * {@link #KEPT} events (a message's timeline; the live feed, replayed from {@code Last-Event-ID}),
 * the answers to the last {@link #KEPT} webhook POSTs, and the per-minute counters of the charts.
 * The events and answers are in memory only (a restart starts them empty); the counters are kept
 * across a restart by {@link CounterFile}. Quick and never throws, as a listener must.
 */
final class ConsoleEvents implements EventListener {
    static final int KEPT = 10_000;
    /** Events a slow live-feed reader may fall behind by before it is dropped (its browser reconnects). */
    static final int BACKLOG = 1_000;

    /** One event as the console shows it; {@code seq} numbers them for the live feed. */
    record Shown(long seq, Instant time, String type, String id, String recipient, String relay, String text) {
        String json() {
            return Json.object().field("seq", seq).field("time", time).field("type", type).field("id", id)
                    .field("recipient", recipient).field("relay", relay).field("text", text).end();
        }
    }

    private final Deque<Shown> recent = new ArrayDeque<>();
    private final Deque<Webhooks.Answer> webhooks = new ArrayDeque<>();
    private final List<BlockingQueue<Shown>> readers = new CopyOnWriteArrayList<>();
    private final MinuteCounters counters;
    private final Clock clock;
    private final java.util.function.Consumer<QueueId> changed;
    private long seq;

    /** @param changed told of every event's message (the queue table reads its envelope again) */
    ConsoleEvents(MinuteCounters counters, Clock clock, java.util.function.Consumer<QueueId> changed) {
        this.counters = counters;
        this.clock = clock;
        this.changed = changed;
    }

    @Override
    public void on(DeliveryEvent event) {
        try {
            Shown s = record(event);
            changed.accept(event.id());
            for (BlockingQueue<Shown> r : readers) {
                if (!r.offer(s)) {
                    readers.remove(r); // too slow: its stream ends, the browser reconnects with Last-Event-ID
                }
            }
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger("mailferry.admin").warn("console: event not recorded: {}", e.toString());
        }
    }

    private synchronized Shown record(DeliveryEvent event) {
        String recipient = null;
        String relay = null;
        String text = null;
        switch (event) {
            case DeliveryEvent.Received r -> {
                text = r.recipients() + " recipient(s) from " + r.client();
                counters.count(r.time(), MinuteCounters.Kind.RECEIVED);
            }
            case DeliveryEvent.Delivered d -> {
                recipient = d.recipient().value();
                relay = d.relay();
                text = d.reply();
                counters.count(d.time(), MinuteCounters.Kind.DELIVERED);
                counters.latency(d.time(), d.delay());
            }
            case DeliveryEvent.Deferred d -> {
                recipient = d.recipient().value();
                relay = d.relay();
                text = d.reason();
                counters.count(d.time(), MinuteCounters.Kind.DEFERRED);
            }
            case DeliveryEvent.Delayed d -> {
                recipient = d.recipient().value();
                text = d.reason();
            }
            case DeliveryEvent.Bounced b -> {
                recipient = b.recipient().value();
                relay = b.relay();
                text = b.dsn() + " " + b.reason();
                counters.count(b.time(), MinuteCounters.Kind.BOUNCED);
            }
            case DeliveryEvent.Deleted d -> {
                recipient = d.recipient().value();
                text = d.reason();
            }
            case DeliveryEvent.Removed r -> text = "left the queue";
        }
        Shown s = new Shown(++seq, event.time(), EventType.of(event), event.id().value(), recipient, relay, text);
        recent.addLast(s);
        if (recent.size() > KEPT) {
            recent.removeFirst();
        }
        return s;
    }

    /** A webhook POST's answer (Webhooks.onAnswer). */
    synchronized void webhook(Webhooks.Answer a) {
        webhooks.addLast(a);
        if (webhooks.size() > KEPT) {
            webhooks.removeFirst();
        }
    }

    /** The kept events of one message, oldest first. */
    synchronized List<Shown> of(QueueId id) {
        return recent.stream().filter(s -> s.id().equals(id.value())).toList();
    }

    /** The kept webhook answers about one message, oldest first. */
    synchronized List<Webhooks.Answer> webhooksOf(QueueId id) {
        return webhooks.stream().filter(a -> id.equals(a.queueId())).toList();
    }

    /** The last {@code n} events, oldest first. */
    synchronized List<Shown> last(int n) {
        List<Shown> all = new ArrayList<>(recent);
        return all.subList(Math.max(0, all.size() - n), all.size());
    }

    /** A live reader: kept events after {@code afterSeq} (0: none) are in it already, new ones follow. */
    synchronized BlockingQueue<Shown> subscribe(long afterSeq) {
        BlockingQueue<Shown> q = new java.util.concurrent.LinkedBlockingQueue<>(BACKLOG + KEPT);
        if (afterSeq > 0) {
            recent.stream().filter(s -> s.seq() > afterSeq).forEach(q::offer);
        }
        readers.add(q);
        return q;
    }

    boolean subscribed(BlockingQueue<Shown> q) {
        return readers.contains(q);
    }

    void unsubscribe(BlockingQueue<Shown> q) {
        readers.remove(q);
    }

    /** Live readers now (tests, and a bound: see Console.MAX_STREAMS). */
    int readerCount() {
        return readers.size();
    }

    MinuteCounters counters() {
        return counters;
    }

    Instant now() {
        return clock.instant();
    }

    /** Counts of the last hour, by type name. */
    Map<String, Long> lastHour() {
        Instant now = clock.instant();
        Map<String, Long> m = new LinkedHashMap<>();
        for (MinuteCounters.Kind k : MinuteCounters.Kind.values()) {
            m.put(k.name().toLowerCase(java.util.Locale.ROOT), counters.total(now, k, 60));
        }
        return m;
    }
}
