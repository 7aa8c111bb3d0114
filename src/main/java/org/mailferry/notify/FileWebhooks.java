package org.mailferry.notify;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.mailferry.message.QueueId;
import org.mailferry.queue.Disk;
import org.mailferry.queue.History;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhooks through an outbox in the spool (one node, {@link Webhooks}): for each event that passes the filter, one small file
 * per URL under {@code SPOOL/webhooks/} ({@link WebhookOutbox}: fsynced, renamed, directory fsynced), written in
 * {@link #prepare} before the state change the event describes is made durable, and queued for
 * sending in {@link #on} after it. A crash between the two leaves the file: the next start sends it
 * (at least once, never zero times), unless it is a "received" event whose message is not in the
 * spool, i.e. a commit that never happened. The file is named by the event's id, which a redo of the
 * same transition gives again. One sender thread POSTs them in order, signed, retrying with backoff
 * (5 s doubling up to 10 min) until a 2xx or until {@code lifetime} has passed; a message's later
 * events wait for its failed one ({@link #sendable}).
 * Without {@link #start()} (the command line) events are only stored, for the daemon to send.
 */
public final class FileWebhooks implements Webhooks {
    private static final Logger log = LoggerFactory.getLogger("mailferry.webhook");

    /** One stored delivery with its retry state. */
    private static final class Pending {
        final WebhookOutbox.Stored stored;
        final long sequence;
        int attempts;
        Instant due;

        Pending(WebhookOutbox.Stored stored, long sequence) {
            this.stored = stored;
            this.sequence = sequence;
            this.due = stored.created();
        }
    }

    /** Replaced by a reload for the secret alone ({@link #useSecret}). */
    private volatile Settings settings;
    private final WebhookOutbox outbox;
    private final History history;
    private final Clock clock;
    private final AtomicLong sequence = new AtomicLong();
    /** Sending order: due time, then the order they were made in. */
    private final List<Pending> pending = new ArrayList<>();
    /** Stored in {@link #prepare}, by event id; sent once {@link #on} says the state change happened. */
    private final Map<String, List<Pending>> prepared = new HashMap<>();
    /** Event ids in {@link #pending}, with how many deliveries (one per URL) are left. */
    private final Map<String, Integer> queued = new HashMap<>();
    private HttpClient http;
    private Thread sender;
    private volatile boolean running;
    /** Counts {@link #flush()} calls, so that a flush during a failing POST retries it at once. */
    private long flushes;

    public FileWebhooks(Settings settings, Path dir, History history, Clock clock) throws IOException {
        this(settings, dir, history, clock, Disk.system());
    }

    /** @param disk how the outbox's files are written (the spool's: tests inject faults) */
    public FileWebhooks(Settings settings, Path dir, History history, Clock clock, Disk disk) throws IOException {
        this.settings = settings;
        this.outbox = new WebhookOutbox(dir, disk);
        this.history = history;
        this.clock = clock;
    }

    /**
     * A reload: requests posted from now on, those already in the outbox too, are signed with
     * {@code secret} (null: unsigned), read again from webhook.secret_file.
     */
    @Override
    public void useSecret(byte[] secret) {
        Settings s = settings;
        settings = new Settings(s.urls(), s.events(), secret, s.lifetime());
    }

    private boolean wanted(DeliveryEvent event) {
        return !settings.urls().isEmpty() && settings.events().contains(EventType.of(event));
    }

    /** Stores the events' deliveries durably (one directory fsync for all); none is sent yet. */
    @Override
    public void prepare(List<DeliveryEvent> owed) throws IOException {
        Map<String, List<Pending>> stored = new LinkedHashMap<>();
        try {
            for (DeliveryEvent event : owed) {
                if (!wanted(event)) {
                    continue;
                }
                String id = event.eventId();
                synchronized (this) {
                    if (prepared.containsKey(id) || queued.containsKey(id) || stored.containsKey(id)) {
                        continue; // a transition remade after a crash: its delivery is still here
                    }
                }
                String type = EventType.of(event);
                String body = WebhookPayload.of(event);
                Instant now = clock.instant();
                List<Pending> each = new ArrayList<>();
                stored.put(id, each);
                for (int i = 0; i < settings.urls().size(); i++) {
                    each.add(new Pending(outbox.store(id, i, settings.urls().get(i), type, body, now),
                            sequence.getAndIncrement()));
                }
            }
            if (!stored.isEmpty()) {
                outbox.sync();
            }
        } catch (IOException e) {
            stored.values().forEach(FileWebhooks::delete);
            throw new IOException("webhook outbox " + outbox.directory() + ": " + e.getMessage(), e);
        }
        synchronized (this) {
            prepared.putAll(stored);
        }
    }

    /** The state change happened: its stored deliveries are sent. An event not prepared is stored now. */
    @Override
    public void on(DeliveryEvent event) {
        if (!wanted(event)) {
            return;
        }
        String id = event.eventId();
        List<Pending> each;
        synchronized (this) {
            each = prepared.remove(id);
            if (each == null && queued.containsKey(id)) {
                return; // already being sent (loaded at start, then the transition was remade)
            }
        }
        if (each == null) {
            try {
                prepare(List.of(event));
            } catch (IOException e) {
                log.error("{}: cannot store the {} webhook {}: {}", event.id(), EventType.of(event), id,
                        e.getMessage());
                return;
            }
            synchronized (this) {
                each = prepared.remove(id);
            }
            if (each == null) {
                return;
            }
        }
        each.forEach(this::add);
    }

    /** The state change did not happen (a commit failed): its stored deliveries are removed. */
    @Override
    public void discard(List<DeliveryEvent> owed) {
        for (DeliveryEvent event : owed) {
            List<Pending> each;
            synchronized (this) {
                each = prepared.remove(event.eventId());
            }
            if (each != null) {
                delete(each);
            }
        }
    }

    private static void delete(List<Pending> each) {
        each.forEach(p -> WebhookOutbox.delete(p.stored));
    }

    private synchronized void add(Pending p) {
        pending.add(p);
        queued.merge(p.stored.id(), 1, Integer::sum);
        notifyAll();
    }

    /** Loads the deliveries a previous run left, then starts sending. */
    @Override
    public void start() throws IOException {
        for (WebhookOutbox.Stored s : outbox.load(this::known)) {
            add(new Pending(s, sequence.getAndIncrement()));
        }
        http = HttpClient.newBuilder().connectTimeout(WebhookPost.TIMEOUT).build();
        running = true;
        sender = Thread.ofPlatform().name("webhooks").daemon(true).start(this::send);
    }

    private boolean known(QueueId id) {
        try {
            return history.find(id) != null;
        } catch (IOException e) {
            return true; // cannot tell: rather sent than lost
        }
    }

    @Override
    public synchronized void flush() {
        Instant now = clock.instant();
        pending.forEach(p -> p.due = now);
        flushes++;
        notifyAll();
    }

    @Override
    public synchronized int pendingCount() {
        return pending.size();
    }

    /**
     * The deliveries that may go now: for each message and URL only the oldest pending one, so a
     * message's events reach a receiver in the order they happened even when a POST fails and waits
     * for its retry (other messages' events are not held up by it).
     */
    private java.util.stream.Stream<Pending> sendable() {
        Map<String, Pending> oldest = new LinkedHashMap<>();
        for (Pending p : pending) {
            QueueId message = p.stored.queueId();
            String key = (message == null ? p.stored.id() : message.toString()) + " " + p.stored.url();
            oldest.merge(key, p, (a, b) -> a.sequence <= b.sequence ? a : b);
        }
        return oldest.values().stream();
    }

    private synchronized Pending next() throws InterruptedException {
        while (running) {
            Pending first = sendable().min(Comparator.comparing((Pending p) -> p.due)
                    .thenComparingLong(p -> p.sequence)).orElse(null);
            long waitMs = first == null ? 60_000 : Duration.between(clock.instant(), first.due).toMillis();
            if (first != null && waitMs <= 0) {
                return first;
            }
            wait(Math.max(1, Math.min(waitMs, 60_000)));
        }
        return null;
    }

    private void send() {
        while (running) {
            Pending p;
            try {
                p = next();
            } catch (InterruptedException e) {
                return;
            }
            if (p == null) {
                return;
            }
            long flushesBefore;
            synchronized (this) {
                flushesBefore = flushes;
            }
            String failure = post(p);
            boolean done;
            Instant now;
            synchronized (this) {
                now = clock.instant();
                done = failure == null || now.isAfter(p.stored.created().plus(settings.lifetime()));
                if (done) {
                    if (failure != null) {
                        log.warn("{} webhook {} to {} given up after {} attempts: {}", p.stored.event(), p.stored.id(), p.stored.url(),
                                p.attempts, failure);
                    }
                    pending.remove(p);
                    queued.computeIfPresent(p.stored.id(), (k, n) -> n == 1 ? null : n - 1);
                    WebhookOutbox.delete(p.stored);
                } else {
                    p.due = flushes != flushesBefore ? now : now.plus(WebhookPost.backoff(p.attempts));
                    log.info("{} webhook {} to {} failed (attempt {}): {}; next try at {}", p.stored.event(), p.stored.id(), p.stored.url(),
                            p.attempts, failure, p.due);
                }
            }
            tell(new Answer(p.stored.queueId(), p.stored.event(), p.stored.id(), p.stored.url(), p.attempts, failure,
                    failure != null && done, now));
        }
    }

    private volatile java.util.function.Consumer<Answer> answers = a -> { };

    @Override
    public void onAnswer(java.util.function.Consumer<Answer> listener) {
        answers = listener;
    }

    private void tell(Answer a) {
        try {
            answers.accept(a);
        } catch (RuntimeException e) {
            log.warn("webhook answer listener failed: {}", e.toString());
        }
    }

    /** Posts once; returns null on a 2xx, else why not. */
    private String post(Pending p) {
        p.attempts++;
        return WebhookPost.post(http, p.stored.url(), p.stored.event(), p.stored.id(), p.stored.body(),
                settings.secret(), clock);
    }

    @Override
    public void close() {
        running = false;
        synchronized (this) {
            notifyAll();
        }
        WebhookPost.stop(sender, http);
    }
}
