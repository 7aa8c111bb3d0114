package org.mailferry.notify;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.mailferry.message.QueueId;
import org.mailferry.queue.PrivateFiles;
import org.mailferry.queue.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhooks: each event that passes the filter becomes one small file per URL under
 * {@code SPOOL/webhooks/} (written under a temporary name, fsynced, renamed: a restart loses
 * nothing), then one sender thread POSTs them in order, signed, retrying with backoff (5 s
 * doubling up to 10 min) until a 2xx or until {@code lifetime} has passed.
 * Without {@link #start()} (the command line) events are only stored, for the daemon to send.
 */
public final class Webhooks implements EventListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("mailferry.webhook");
    static final String SUFFIX = ".hook";
    private static final Duration FIRST_RETRY = Duration.ofSeconds(5);
    private static final Duration MAX_RETRY = Duration.ofMinutes(10);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** The settings: where to post, which event types, the HMAC secret (null: unsigned). */
    public record Settings(List<URI> urls, Set<String> events, byte[] secret, Duration lifetime) {
        @Override
        public String toString() {
            return "Webhooks.Settings[urls=" + urls + ", events=" + events + ", lifetime=" + lifetime + "]";
        }
    }

    /** One stored delivery: the file, where it goes, the body, when it was made, retry state. */
    private static final class Pending {
        final Path file;
        final String id;
        final URI url;
        final String event;
        final String body;
        final Instant created;
        int attempts;
        Instant due;

        Pending(Path file, String id, URI url, String event, String body, Instant created, Instant due) {
            this.file = file;
            this.id = id;
            this.url = url;
            this.event = event;
            this.body = body;
            this.created = created;
            this.due = due;
        }
    }

    private final Settings settings;
    private final Path dir;
    private final Spool spool;
    private final Clock clock;
    private final List<Pending> pending = new ArrayList<>();
    private HttpClient http;
    private Thread sender;
    private volatile boolean running;
    /** Counts {@link #flush()} calls, so that a flush during a failing POST retries it at once. */
    private long flushes;

    public Webhooks(Settings settings, Path dir, Spool spool, Clock clock) throws IOException {
        this.settings = settings;
        this.dir = dir;
        this.spool = spool;
        this.clock = clock;
        PrivateFiles.createDirectory(dir); // payloads name senders, recipients and replies
    }

    @Override
    public void on(DeliveryEvent event) {
        String type = EventType.of(event);
        if (settings.urls().isEmpty() || !settings.events().contains(type)) {
            return;
        }
        String id = QueueId.next(clock.millis()).value();
        String body = WebhookPayload.of(id, event, spool);
        Instant now = clock.instant();
        for (int i = 0; i < settings.urls().size(); i++) {
            URI url = settings.urls().get(i);
            Path file = dir.resolve(id + "-" + i + SUFFIX);
            try {
                store(file, url + "\n" + now.toEpochMilli() + "\n" + type + "\n" + body);
            } catch (IOException e) {
                log.error("{}: cannot store the {} webhook for {}: {}", event.id(), type, url, e.toString());
                continue;
            }
            add(new Pending(file, id, url, type, body, now, now));
        }
    }

    private void store(Path file, String content) throws IOException {
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        try (FileChannel ch = PrivateFiles.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private synchronized void add(Pending p) {
        pending.add(p);
        notifyAll();
    }

    /** Loads the deliveries a previous run left, then starts sending. */
    public void start() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.deleteIfExists(p);
                } else if (name.endsWith(SUFFIX)) {
                    load(p);
                }
            }
        }
        http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        running = true;
        sender = Thread.ofPlatform().name("webhooks").daemon(true).start(this::send);
    }

    private void load(Path p) throws IOException {
        String[] parts = Files.readString(p, StandardCharsets.UTF_8).split("\n", 4);
        String name = p.getFileName().toString();
        try {
            add(new Pending(p, name.substring(0, name.indexOf('-')), URI.create(parts[0]), parts[2], parts[3],
                    Instant.ofEpochMilli(Long.parseLong(parts[1])), clock.instant()));
        } catch (RuntimeException e) {
            log.warn("{}: not a webhook file, removed", p);
            Files.deleteIfExists(p);
        }
    }

    /** Makes every pending delivery due now (retry without waiting for the backoff). */
    public synchronized void flush() {
        Instant now = clock.instant();
        pending.forEach(p -> p.due = now);
        flushes++;
        notifyAll();
    }

    public synchronized int pendingCount() {
        return pending.size();
    }

    private synchronized Pending next() throws InterruptedException {
        while (running) {
            Pending first = pending.stream().min(Comparator.comparing((Pending p) -> p.due)
                    .thenComparing(p -> p.file.getFileName().toString())).orElse(null);
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
            synchronized (this) {
                Instant now = clock.instant();
                if (failure == null || now.isAfter(p.created.plus(settings.lifetime()))) {
                    if (failure != null) {
                        log.warn("{} webhook {} to {} given up after {} attempts: {}", p.event, p.id, p.url,
                                p.attempts, failure);
                    }
                    pending.remove(p);
                    try {
                        Files.deleteIfExists(p.file);
                    } catch (IOException e) {
                        log.warn("cannot remove {}: {}", p.file, e.toString());
                    }
                } else {
                    Duration backoff = FIRST_RETRY.multipliedBy(1L << Math.min(p.attempts - 1, 10));
                    p.due = flushes != flushesBefore ? now
                            : now.plus(backoff.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : backoff);
                    log.info("{} webhook {} to {} failed (attempt {}): {}; next try at {}", p.event, p.id, p.url,
                            p.attempts, failure, p.due);
                }
            }
        }
    }

    /** Posts once; returns null on a 2xx, else why not. */
    private String post(Pending p) {
        p.attempts++;
        HttpRequest.Builder request = HttpRequest.newBuilder(p.url).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .header("Mailferry-Event", p.event)
                .header("Mailferry-Delivery", p.id)
                .POST(HttpRequest.BodyPublishers.ofString(p.body, StandardCharsets.UTF_8));
        if (settings.secret() != null) {
            request.header(WebhookSignature.HEADER,
                    WebhookSignature.header(settings.secret(), clock.instant().getEpochSecond(), p.body));
        }
        try {
            HttpResponse<Void> r = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() / 100 == 2 ? null : "HTTP " + r.statusCode();
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    @Override
    public void close() {
        running = false;
        synchronized (this) {
            notifyAll();
        }
        if (sender != null) {
            sender.interrupt();
            try {
                sender.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (http != null) {
            http.shutdownNow();
        }
    }
}
