package org.mailferry.notify;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.mailferry.message.QueueId;
import org.mailferry.queue.PgOutbox;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhooks through the shared database's outbox ({@link PgOutbox}), for nodes sharing the queue:
 * {@link #prepare} hands each event's rows (one per URL) to the outbox, and the state change's own
 * statement writes them, so a webhook exists exactly when its change does and is never lost with a
 * node. One sender thread per node claims due rows in batches (any node's: {@code SKIP LOCKED}, a
 * lease of {@link #LEASE}), POSTs each, deletes those that got a 2xx or whose lifetime is over in
 * one statement, and sets the others' next try (5 s doubling up to 10 min). A node killed mid-POST leaves its claim to expire; another
 * node then sends the row, with the same event id. Without {@link #start()} (a command) events
 * are only stored, for the daemons to send.
 */
public final class SharedWebhooks implements Webhooks {
    private static final Logger log = LoggerFactory.getLogger("mailferry.webhook");
    /** How many rows a node claims at once (their POSTs one after the other, then one DELETE). */
    static final int BATCH = 8;
    /** How long a node's claim on a batch lasts: longer than its POSTs may take. */
    static final Duration LEASE = WebhookPost.TIMEOUT.multipliedBy(BATCH + 3);

    private volatile Settings settings;
    private final PgOutbox outbox;
    private final String node;
    private final Clock clock;
    private final Duration poll;
    /** Event ids handed to the outbox in {@link #prepare}, not yet told in {@link #on}. */
    private final Set<String> prepared = ConcurrentHashMap.newKeySet();
    private final Object wake = new Object();
    private boolean woken;
    private volatile boolean running;
    private volatile Consumer<Answer> answers = a -> { };
    private HttpClient http;
    private Thread sender;

    /**
     * @param node this node's id (the queue's lease owner)
     * @param poll the longest an idle sender waits before it looks for due rows (queue.poll_interval)
     */
    public SharedWebhooks(Settings settings, PgOutbox outbox, String node, Clock clock, Duration poll) {
        this.settings = settings;
        this.outbox = outbox;
        this.node = node;
        this.clock = clock;
        this.poll = poll;
    }

    private boolean wanted(DeliveryEvent event) {
        return !settings.urls().isEmpty() && settings.events().contains(EventType.of(event));
    }

    private List<PgOutbox.Row> rows(DeliveryEvent event) {
        List<PgOutbox.Row> rows = new ArrayList<>();
        String body = WebhookPayload.of(event);
        long now = clock.millis();
        List<URI> urls = settings.urls();
        for (int i = 0; i < urls.size(); i++) {
            rows.add(new PgOutbox.Row(event.eventId(), i, event.id(), urls.get(i).toString(), EventType.of(event), body,
                    now, 0));
        }
        return rows;
    }

    /** Hands the events' rows to the outbox: the state change that follows writes them. */
    @Override
    public void prepare(List<DeliveryEvent> owed) {
        Map<QueueId, List<PgOutbox.Row>> byMessage = new LinkedHashMap<>();
        for (DeliveryEvent event : owed) {
            if (wanted(event) && prepared.add(event.eventId())) {
                byMessage.computeIfAbsent(event.id(), k -> new ArrayList<>()).addAll(rows(event));
            }
        }
        byMessage.forEach(outbox::owe);
    }

    /** The change happened (its rows with it): the sender looks now. An event not prepared is stored now. */
    @Override
    public void on(DeliveryEvent event) {
        if (!wanted(event)) {
            return;
        }
        if (!prepared.remove(event.eventId())) {
            try {
                outbox.insert(rows(event));
            } catch (IOException e) {
                log.error("{}: cannot store the {} webhook {}: {}", event.id(), EventType.of(event), event.eventId(),
                        e.getMessage());
                return;
            }
        }
        signal();
    }

    @Override
    public void discard(List<DeliveryEvent> owed) {
        Map<QueueId, Set<String>> byMessage = new LinkedHashMap<>();
        for (DeliveryEvent event : owed) {
            if (prepared.remove(event.eventId())) {
                byMessage.computeIfAbsent(event.id(), k -> new HashSet<>()).add(event.eventId());
            }
        }
        byMessage.forEach(outbox::drop);
    }

    @Override
    public void start() {
        http = HttpClient.newBuilder().connectTimeout(WebhookPost.TIMEOUT).build();
        running = true;
        sender = Thread.ofPlatform().name("webhooks").daemon(true).start(this::send);
    }

    private void send() {
        boolean failing = false;
        while (running) {
            List<PgOutbox.Row> rows;
            try {
                long now = clock.millis();
                rows = outbox.claim(node, now, now + LEASE.toMillis(), BATCH);
                if (failing) {
                    log.info("webhook outbox readable again");
                    failing = false;
                }
            } catch (IOException e) {
                if (!failing) {
                    log.warn("cannot read the webhook outbox ({}); trying again", e.getMessage());
                    failing = true;
                }
                rows = List.of();
            }
            if (rows.isEmpty()) {
                await();
                continue;
            }
            List<PgOutbox.Row> finished = new ArrayList<>();
            List<Answer> answered = new ArrayList<>();
            for (PgOutbox.Row row : rows) {
                if (!running) {
                    break; // the rest's claim runs out: another node, or the next start, sends them
                }
                answered.add(post(row, finished));
            }
            try {
                outbox.done(finished);
            } catch (IOException e) {
                // their claim runs out and they are sent again: at least once, never lost
                log.warn("cannot remove {} sent webhook(s) from the outbox: {}", finished.size(), e.getMessage());
            }
            answered.forEach(this::tell);
        }
    }

    /** Posts one row: sent or given up, it joins {@code finished}; else its next try is written now. */
    private Answer post(PgOutbox.Row row, List<PgOutbox.Row> finished) {
        String failure = WebhookPost.post(http, URI.create(row.url()), row.event(), row.eventId(), row.body(),
                settings.secret(), clock);
        long now = clock.millis();
        boolean done = failure == null || now > row.createdMillis() + settings.lifetime().toMillis();
        if (done) {
            if (failure != null) {
                log.warn("{} webhook {} to {} given up after {} attempts: {}", row.event(), row.eventId(), row.url(),
                        row.attempts(), failure);
            }
            finished.add(row);
        } else {
            long due = now + WebhookPost.backoff(row.attempts()).toMillis();
            log.info("{} webhook {} to {} failed (attempt {}): {}; next try in {} s", row.event(), row.eventId(),
                    row.url(), row.attempts(), failure, (due - now) / 1000);
            try {
                outbox.retry(row, due);
            } catch (IOException e) {
                log.warn("{}: cannot reschedule the webhook {}: {}", row.message(), row.eventId(), e.getMessage());
            }
        }
        return new Answer(row.message(), row.event(), row.eventId(), URI.create(row.url()), row.attempts(), failure,
                failure != null && done, clock.instant());
    }

    /** Waits for a local event, or at most the poll interval (other nodes' rows, retries falling due). */
    private void await() {
        synchronized (wake) {
            long end = System.nanoTime() + poll.toNanos();
            while (!woken && running) {
                long left = (end - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    break;
                }
                try {
                    wake.wait(left);
                } catch (InterruptedException e) {
                    return;
                }
            }
            woken = false;
        }
    }

    private void signal() {
        synchronized (wake) {
            woken = true;
            wake.notifyAll();
        }
    }

    private void tell(Answer a) {
        try {
            answers.accept(a);
        } catch (RuntimeException e) {
            log.warn("webhook answer listener failed: {}", e.toString());
        }
    }

    @Override
    public void useSecret(byte[] secret) {
        Settings s = settings;
        settings = new Settings(s.urls(), s.events(), secret, s.lifetime());
    }

    @Override
    public void onAnswer(Consumer<Answer> listener) {
        answers = listener;
    }

    @Override
    public void flush() {
        try {
            outbox.flush(clock.millis());
        } catch (IOException e) {
            log.warn("cannot make the webhooks due now: {}", e.getMessage());
        }
        signal();
    }

    @Override
    public int pendingCount() {
        try {
            return outbox.pending();
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        running = false;
        signal();
        WebhookPost.stop(sender, http);
    }
}
