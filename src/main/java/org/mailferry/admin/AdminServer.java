package org.mailferry.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.mailferry.delivery.QueueControl;
import org.mailferry.delivery.Sites;
import org.mailferry.message.QueueId;
import org.mailferry.notify.Json;
import org.mailferry.queue.History;
import org.mailferry.queue.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP API (JDK HttpServer, one virtual thread per request):
 * <pre>
 *   GET  /health                      "ok"
 *   GET  /metrics                     Prometheus text format
 *   GET  /queue                       every queued message's status (JSON array)
 *   GET  /messages/{id}               status by queue id or Message-ID
 *   POST /messages/{id}/{hold|release|flush|delete}
 *   POST /queue/flush                 retry every queued message now
 *   POST /queue/delete-failed         delete every message with a failed attempt
 *   /console/...                      the web console ({@link Console})
 * </pre>
 * Every request passes {@link RequestCheck} first: a {@code Host} naming this listener (421
 * otherwise: DNS rebinding), no foreign {@code Origin} (403: a web page must not drive the queue of
 * the machine it runs on), and, for all but /health and /metrics, the bearer token of
 * {@code SPOOL/admin.token} (401), which only root, the service user and admin.group may read.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("mailferry.admin");

    /** Spool-reading requests (queue listing, message status) served at once at most. */
    static final int MAX_LOOKUPS = 2;
    private final java.util.concurrent.Semaphore lookups = new java.util.concurrent.Semaphore(MAX_LOOKUPS);
    private final Spool spool;
    private final History history;
    private final QueueControl control;
    private final Supplier<String> metrics;
    private final Path spoolRoot;
    private final Access access;
    private final java.time.Clock clock;
    private RequestCheck check;
    private Console console;
    /** The admin token in use: written at start, read again from SPOOL/admin.token by a reload. */
    private final java.util.concurrent.atomic.AtomicReference<String> token =
            new java.util.concurrent.atomic.AtomicReference<>();
    private ConsoleSessions sessions;
    private HttpServer server;
    private ExecutorService executor;

    /**
     * Who may use the API besides the open paths.
     *
     * @param group     admin.group ("" for none): may read the token file
     * @param hostNames the names the Host header may carry besides the listener's own address and localhost
     * @param tls       null: plain HTTP (a loopback listener); else HTTPS with this context (admin.tls_cert)
     */
    public record Access(String group, List<String> hostNames, javax.net.ssl.SSLContext tls) {
    }

    /**
     * What the web console shows besides the spool.
     *
     * @param down       the smarthost addresses down now
     * @param smarthosts the configured smarthosts as written (the reloaded ones after a reload)
     * @param queueSize  messages queued now (sampled for the chart)
     */
    public record Live(Supplier<List<Sites.Down>> down, Supplier<List<String>> smarthosts,
                       java.util.function.LongSupplier queueSize) {
    }

    /** How often the queue's size is sampled for the console's chart. */
    static final java.time.Duration SAMPLE = java.time.Duration.ofSeconds(15);
    private final Live live;
    private final ConsoleEvents consoleEvents;
    private final QueueRows rows;
    private final CounterFile counterFile;
    private java.util.concurrent.ScheduledExecutorService sampler;

    public AdminServer(Spool spool, History history, QueueControl control, Supplier<String> metrics, Path spoolRoot,
            Access access, Live live, java.time.Clock clock) {
        this.clock = clock;
        this.live = live;
        this.rows = new QueueRows(spool, clock, r -> Thread.ofVirtual().name("console-rows").start(r));
        MinuteCounters counters = new MinuteCounters();
        this.counterFile = new CounterFile(spoolRoot, counters);
        counterFile.load(clock.instant()); // the charts go on where the last run left them
        this.consoleEvents = new ConsoleEvents(counters, clock, rows::changed);
        this.spool = spool;
        this.history = history;
        this.control = control;
        this.metrics = metrics;
        this.spoolRoot = spoolRoot;
        this.access = access;
    }

    public InetSocketAddress start(InetSocketAddress listen) throws IOException {
        InetSocketAddress at = listen.isUnresolved() ? new InetSocketAddress(listen.getHostString(), listen.getPort())
                : listen;
        token.set(AdminToken.create(spoolRoot, access.group()));
        boolean tls = access.tls() != null;
        if (tls) {
            com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(at, 50);
            https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(access.tls()));
            server = https;
        } else {
            server = HttpServer.create(at, 50);
        }
        check = new RequestCheck(token::get, RequestCheck.namesOf(server.getAddress(), listen.getHostString(),
                access.hostNames()), server.getAddress().getPort(), tls);
        sessions = new ConsoleSessions(clock);
        console = new Console(sessions, rows,
                new Console.Sources(spool, history, control, consoleEvents, live.down(), live.smarthosts()), token::get,
                tls);
        sampler = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("console-sample").factory());
        sampler.scheduleAtFixedRate(this::sample, 0, SAMPLE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        return server.getAddress();
    }

    /**
     * For a reload: SPOOL/admin.token as it is now, checked ({@link AdminToken#readForReload});
     * nothing is changed yet.
     */
    public String readToken() throws IOException {
        return AdminToken.readForReload(spoolRoot);
    }

    /**
     * A reload: requests from now on need {@code next}; when it differs from the token in use,
     * every console session (logged in with the old one) ends.
     */
    public void useToken(String next) {
        if (!next.equals(token.getAndSet(next))) {
            sessions.closeAll();
            org.slf4j.LoggerFactory.getLogger("mailferry.admin").info("admin token read again from {}: requests "
                    + "with the previous one are refused, console sessions ended", AdminToken.of(spoolRoot));
        }
    }

    private record Answer(int code, String contentType, String body) {
        static Answer json(int code, String body) {
            return new Answer(code, "application/json", body);
        }

        static Answer error(int code, String message) {
            return json(code, Json.object().field("error", message).end());
        }
    }

    private void handle(HttpExchange x) throws IOException {
        Answer a;
        try {
            RequestCheck.Refusal no = check.check(x.getRequestMethod(), x.getRequestURI().getRawPath(),
                    x.getRequestHeaders());
            if (no != null) {
                log.warn("admin: refused {} {} from {}: {}", x.getRequestMethod(), x.getRequestURI().getRawPath(),
                        x.getRemoteAddress(), no.reason());
                a = Answer.error(no.code(), no.reason());
                if (no.code() == 401) {
                    x.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"mailferry\"");
                }
            } else if (Console.serves(x.getRequestURI().getRawPath())) {
                console.handle(x);
                return;
            } else {
                a = route(x.getRequestMethod(), x.getRequestURI().getRawPath());
            }
        } catch (IOException | RuntimeException e) {
            log.warn("admin request {} {} failed: {}", x.getRequestMethod(), x.getRequestURI(), e.toString());
            a = Answer.error(500, "internal error; see the relay's log");
        }
        byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", a.contentType() + "; charset=utf-8");
        x.sendResponseHeaders(a.code(), body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }

    private Answer route(String method, String rawPath) throws IOException {
        List<String> parts = new ArrayList<>();
        for (String p : rawPath.split("/")) {
            if (!p.isEmpty()) {
                parts.add(URLDecoder.decode(p, StandardCharsets.UTF_8));
            }
        }
        String path = String.join("/", parts);
        boolean get = method.equals("GET");
        boolean post = method.equals("POST");
        if (get && path.equals("health")) {
            return new Answer(200, "text/plain", "ok\n");
        }
        if (get && path.equals("metrics")) {
            return new Answer(200, "text/plain; version=0.0.4", metrics.get());
        }
        if (get && path.equals("queue")) {
            return limited(method, rawPath, this::listQueue);
        }
        if (post && path.equals("queue/flush")) {
            return Answer.json(200, Json.object().field("flushed", control.flushAll()).end());
        }
        if (post && path.equals("queue/delete-failed")) {
            return Answer.json(200, Json.object().field("deleted", control.deleteAllFailed()).end());
        }
        if (parts.size() == 2 && parts.get(0).equals("messages") && get) {
            return limited(method, rawPath, () -> status(parts.get(1)));
        }
        if (parts.size() == 3 && parts.get(0).equals("messages") && post) {
            if (!QueueId.isValid(parts.get(1))) {
                return Answer.error(400, "'" + parts.get(1) + "' is not a queue id");
            }
            return command(parts.get(2), new QueueId(parts.get(1)));
        }
        return Answer.error(get || post ? 404 : 405, "no such resource: " + method + " " + rawPath
                + " (see docs/operations.md)");
    }

    private interface Lookup {
        Answer run() throws IOException;
    }

    /**
     * Runs a lookup that reads the spool when fewer than {@link #MAX_LOOKUPS} run already; else 429
     * and a log line, so that callers looping on the API cannot take the disk and CPU from SMTP.
     */
    private Answer limited(String method, String rawPath, Lookup lookup) throws IOException {
        if (!lookups.tryAcquire()) {
            log.warn("admin: refused {} {}: {} lookups already running; 429", method, rawPath, MAX_LOOKUPS);
            return Answer.error(429, MAX_LOOKUPS + " lookups already running; try again shortly");
        }
        try {
            return lookup.run();
        } finally {
            lookups.release();
        }
    }

    private Answer listQueue() throws IOException {
        List<String> all = new ArrayList<>();
        List<QueueId> ids = new ArrayList<>();
        spool.forEach(e -> ids.add(e.id()));
        for (QueueId id : ids.stream().sorted().toList()) {
            MessageStatus s = MessageStatus.find(history, id.value());
            if (s != null) {
                all.add(s.json());
            }
        }
        return Answer.json(200, "[" + String.join(",", all) + "]");
    }

    /** By queue id, else by Message-ID from the spool's index: at most one envelope and header block read. */
    private Answer status(String idOrMessageId) throws IOException {
        MessageStatus s = MessageStatus.find(history, idOrMessageId);
        return s == null ? Answer.error(404, "no message " + idOrMessageId + " in the queue or its history")
                : Answer.json(200, s.json());
    }

    private Answer command(String verb, QueueId id) throws IOException {
        QueueControl.Result r = switch (verb) {
            case "hold" -> control.hold(id);
            case "release" -> control.release(id);
            case "flush" -> control.flush(id);
            case "delete" -> control.delete(id);
            default -> null;
        };
        if (r == null) {
            return Answer.error(404, "unknown command '" + verb + "'; use hold, release, flush or delete");
        }
        rows.changed(id); // a hold or release tells no event
        int code = switch (r.status()) {
            case DONE -> 200;
            case NOT_FOUND -> 404;
            case BUSY -> 409;
        };
        return Answer.json(code, Json.object().field(code == 200 ? "result" : "error", r.text()).end());
    }

    /** Hears the daemon's events for the console (timeline, live feed, charts). */
    public org.mailferry.notify.EventListener consoleListener() {
        return consoleEvents;
    }

    /** A webhook POST's answer, for the console's message view. */
    public void webhookAnswered(org.mailferry.notify.Webhooks.Answer a) {
        consoleEvents.webhook(a);
    }

    private void sample() {
        try {
            consoleEvents.counters().queueSize(clock.instant(), live.queueSize().getAsLong());
            rows.dropIfIdle();
            counterFile.saveIfDue(clock.instant());
        } catch (RuntimeException e) {
            log.warn("console: queue size not sampled: {}", e.toString());
        }
    }

    @Override
    public void close() {
        if (sampler != null) {
            sampler.shutdownNow();
        }
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
            counterFile.save(clock.instant()); // only a started listener: it ran under the spool lock
        }
    }
}
