package org.mailferry.admin;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mailferry.delivery.QueueControl;
import org.mailferry.delivery.Sites;
import org.mailferry.message.QueueId;
import org.mailferry.notify.Json;
import org.mailferry.queue.History;
import org.mailferry.queue.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console under {@code /console/}: its files (HTML, CSS, JavaScript modules, from the jar, no
 * build step), the login that turns the admin token into a session cookie, and the JSON it reads. The
 * Host and Origin checks ran before ({@link RequestCheck}); here:
 * <ul>
 *   <li>the files, {@code POST /console/login} and {@code GET /console/api/session} (logged in or
 *       not) are open: they show nothing of the queue;</li>
 *   <li>{@code /console/api/...} needs the session cookie, or the bearer token as the API takes it;</li>
 *   <li>a POST with the cookie needs the session's CSRF token in {@code X-CSRF-Token}, an
 *       {@code Origin} header (the page's own: RequestCheck refused any other), and no
 *       {@code Sec-Fetch-Site: cross-site}.</li>
 * </ul>
 * Every answer carries a strict Content-Security-Policy (scripts, styles and connections from this
 * listener only, no inline script, no framing) and {@code Cache-Control: no-store}.
 */
final class Console {
    private static final Logger log = LoggerFactory.getLogger("mailferry.admin");

    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /** The console's files: name under /console/ -> content type. Nothing else is served. */
    static final Map<String, String> FILES = Map.of(
            "index.html", "text/html",
            "favicon.svg", "image/svg+xml",
            "console.css", "text/css",
            "console.js", "text/javascript",
            "api.js", "text/javascript",
            "queue.js", "text/javascript",
            "message.js", "text/javascript",
            "live.js", "text/javascript",
            "charts.js", "text/javascript");

    /** Live-event streams served at once at most; more get 429. */
    static final int MAX_STREAMS = 16;
    /** A comment line on an idle live stream this often, so a dead connection is noticed. */
    static final java.time.Duration HEARTBEAT = java.time.Duration.ofSeconds(15);
    /** Messages one selection action may name. */
    static final int MAX_SELECTION = 500;

    /**
     * What the console reads and changes besides its files.
     *
     * @param down       the smarthost addresses that are down now
     * @param smarthosts the configured smarthosts, as written ("[smtp.example.com]:587")
     */
    record Sources(Spool spool, History history, QueueControl control, ConsoleEvents events,
                   java.util.function.Supplier<List<Sites.Down>> down,
                   java.util.function.Supplier<List<String>> smarthosts) {
    }

    private final Map<String, byte[]> files = new LinkedHashMap<>();
    private final ConsoleSessions sessions;
    private final QueueRows rows;
    private final Sources sources;
    private final java.util.function.Supplier<String> token;
    private final boolean tls;
    private final java.util.concurrent.Semaphore streams = new java.util.concurrent.Semaphore(MAX_STREAMS);

    /** @param token the admin token in use (a reload may change it) */
    Console(ConsoleSessions sessions, QueueRows rows, Sources sources, java.util.function.Supplier<String> token,
            boolean tls) throws IOException {
        this.sessions = sessions;
        this.rows = rows;
        this.sources = sources;
        this.token = token;
        this.tls = tls;
        for (String name : FILES.keySet()) {
            try (InputStream in = Console.class.getResourceAsStream("console/" + name)) {
                if (in == null) {
                    throw new IOException("the console's file " + name + " is missing from the jar; rebuild it");
                }
                files.put(name, in.readAllBytes());
            }
        }
    }

    /** An answer: status, content type, body, and extra headers (name, value pairs). */
    record Reply(int code, String contentType, byte[] body, List<String> headers) {
        static Reply json(int code, String json) {
            return new Reply(code, "application/json; charset=utf-8", json.getBytes(StandardCharsets.UTF_8),
                    List.of());
        }

        static Reply error(int code, String message) {
            return json(code, Json.object().field("error", message).end());
        }

        Reply with(String name, String value) {
            List<String> h = new ArrayList<>(headers);
            h.add(name);
            h.add(value);
            return new Reply(code, contentType, body, h);
        }
    }

    /** Whether the console serves this raw path (else the API's routes do). */
    static boolean serves(String rawPath) {
        return rawPath.equals("/console") || rawPath.startsWith("/console/");
    }

    /** The reply that means: the live stream was served. */
    private static final Reply STREAMED = new Reply(0, "", new byte[0], List.of());

    void handle(HttpExchange x) throws IOException {
        Reply r;
        try {
            r = route(x);
            if (r == STREAMED) {
                return;
            }
        } catch (IOException | RuntimeException e) {
            log.warn("console request {} {} failed: {}", x.getRequestMethod(), x.getRequestURI(), e.toString());
            r = Reply.error(500, "internal error; see the relay's log");
        }
        if (r.code() == 401 || r.code() == 403) {
            log.warn("admin: refused {} {} from {}: {}", x.getRequestMethod(), x.getRequestURI().getRawPath(),
                    x.getRemoteAddress(), new String(r.body(), StandardCharsets.UTF_8));
        }
        var h = x.getResponseHeaders();
        h.set("Content-Type", r.contentType());
        securityHeaders(h);
        for (int i = 0; i < r.headers().size(); i += 2) {
            h.add(r.headers().get(i), r.headers().get(i + 1));
        }
        boolean head = x.getRequestMethod().equals("HEAD");
        x.sendResponseHeaders(r.code(), head || r.body().length == 0 ? -1 : r.body().length);
        try (OutputStream out = x.getResponseBody()) {
            if (!head) {
                out.write(r.body());
            }
        }
    }

    private void securityHeaders(com.sun.net.httpserver.Headers h) {
        h.set("Content-Security-Policy", CSP);
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Cache-Control", "no-store");
        h.set("Cross-Origin-Resource-Policy", "same-origin");
        h.set("X-Frame-Options", "DENY");
        if (tls) {
            h.set("Strict-Transport-Security", "max-age=31536000");
        }
    }

    private Reply route(HttpExchange x) throws IOException {
        String method = x.getRequestMethod();
        String path = x.getRequestURI().getRawPath();
        boolean get = method.equals("GET") || method.equals("HEAD");
        boolean post = method.equals("POST");
        if (get && (path.equals("/console") || path.equals("/console/"))) {
            return path.equals("/console") ? new Reply(308, "text/plain", new byte[0], List.of("Location", "/console/"))
                    : file("index.html");
        }
        String rest = path.substring("/console/".length());
        if (get && FILES.containsKey(rest)) {
            return file(rest);
        }
        if (post && rest.equals("login")) {
            return login(x);
        }
        if (!rest.startsWith("api/") && !rest.equals("logout")) {
            return Reply.error(get || post ? 404 : 405, "no such console resource: " + method + " " + path);
        }
        ConsoleSessions.Session s = sessions.find(x.getRequestHeaders().getFirst("Cookie"));
        boolean bearer = bearer(x.getRequestHeaders().getFirst("Authorization"));
        if (get && rest.equals("api/session")) { // open: the page asks whether to show the login form
            return Reply.json(200, s == null && !bearer ? Json.object().field("logged_in", "no").end()
                    : Json.object().field("logged_in", "yes").field("csrf", s == null ? null : s.csrf()).end());
        }
        if (s == null && !bearer) {
            return Reply.error(401, "log in first: POST /console/login with the admin token (SPOOL/"
                    + AdminToken.FILE + "), or send 'Authorization: Bearer TOKEN'");
        }
        if (!get && s != null && !bearer) {
            String refused = crossSite(x, s);
            if (refused != null) {
                return Reply.error(403, refused);
            }
        }
        if (post && rest.equals("logout")) {
            sessions.close(s);
            return Reply.json(200, Json.object().field("result", "logged out").end())
                    .with("Set-Cookie", ConsoleSessions.clearCookie(tls));
        }
        String api = rest.substring(Math.min(rest.length(), "api/".length()));
        if (get && api.equals("queue")) {
            return queue(query(x.getRequestURI().getRawQuery()));
        }
        if (get && api.equals("stats")) {
            return Reply.json(200, ConsoleStats.json(sources));
        }
        if (get && api.equals("events")) {
            return stream(x);
        }
        List<String> parts = List.of(api.split("/"));
        if (parts.size() >= 2 && parts.get(0).equals("messages")) {
            String id = URLDecoder.decode(parts.get(1), StandardCharsets.UTF_8);
            if (!QueueId.isValid(id)) {
                return Reply.error(400, "'" + id + "' is not a queue id");
            }
            QueueId qid = new QueueId(id);
            if (get && parts.size() == 2) {
                String json = MessageView.json(sources.history(), sources.events(), qid);
                return json == null ? Reply.error(404, id + ": not in the queue or its history") : Reply.json(200, json);
            }
            if (get && parts.size() == 3 && parts.get(2).equals("body")) {
                String json = MessageView.body(sources.spool(), qid);
                return json == null ? Reply.error(404, id + ": not in the queue (a finished message's body is gone)")
                        : Reply.json(200, json);
            }
            if (post && parts.size() == 3) {
                return act(parts.get(2), List.of(qid));
            }
        }
        if (post && parts.size() == 2 && parts.get(0).equals("actions")) {
            return selection(parts.get(1), x);
        }
        return Reply.error(get || post ? 404 : 405, "no such console resource: " + method + " " + path
                + " (see docs/console.md)");
    }

    /** Null when a cookie-authenticated change may proceed; else why not. */
    private static String crossSite(HttpExchange x, ConsoleSessions.Session s) {
        var h = x.getRequestHeaders();
        if (h.getFirst("Origin") == null) {
            return "a console action needs the Origin header a browser sends; requests without one are refused";
        }
        if ("cross-site".equals(h.getFirst("Sec-Fetch-Site"))) {
            return "cross-site requests are refused (Sec-Fetch-Site: cross-site)";
        }
        if (!ConsoleSessions.csrfMatches(s, h.getFirst("X-CSRF-Token"))) {
            return "missing or wrong X-CSRF-Token: the console page sends the one GET /console/api/session gives";
        }
        return null;
    }

    private boolean bearer(String auth) {
        return auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                && AdminToken.matches(token.get(), auth.substring(7).strip());
    }

    private Reply file(String name) {
        return new Reply(200, FILES.get(name) + "; charset=utf-8", files.get(name), List.of());
    }

    /** The form's {@code token} field (urlencoded), checked against the admin token. */
    private Reply login(HttpExchange x) throws IOException {
        byte[] body;
        try (InputStream in = x.getRequestBody()) {
            body = in.readNBytes(4097);
        }
        if (body.length > 4096) {
            return Reply.error(413, "a login is a token of about 43 characters, not " + body.length + "+ bytes");
        }
        String presented = query(new String(body, StandardCharsets.US_ASCII)).get("token");
        if (!AdminToken.matches(token.get(), presented == null ? null : presented.strip())) {
            return Reply.error(401, presented == null || presented.isBlank() ? "type the admin token"
                    : "wrong admin token: copy it from SPOOL/" + AdminToken.FILE
                    + " (the daemon writes a new one at each start)");
        }
        ConsoleSessions.Session s = sessions.open();
        log.info("admin: console login from {}", x.getRemoteAddress());
        return Reply.json(200, Json.object().field("csrf", s.csrf()).end())
                .with("Set-Cookie", ConsoleSessions.setCookie(s, tls));
    }

    /** The verbs of the console's actions. */
    static final List<String> VERBS = List.of("flush", "hold", "release", "delete", "bounce");

    private QueueControl.Result run(String verb, QueueId id) throws IOException {
        QueueControl c = sources.control();
        return switch (verb) {
            case "flush" -> c.flush(id);
            case "hold" -> c.hold(id);
            case "release" -> c.release(id);
            case "delete" -> c.delete(id);
            default -> c.bounce(id);
        };
    }

    /** One action on each message: 200 with each result when all were done, else the first failure's status. */
    private Reply act(String verb, List<QueueId> ids) throws IOException {
        if (!VERBS.contains(verb)) {
            return Reply.error(404, "unknown action '" + verb + "'; use " + String.join(", ", VERBS));
        }
        List<String> results = new ArrayList<>();
        int code = 200;
        for (QueueId id : ids) {
            QueueControl.Result r = run(verb, id);
            log.info("admin: console {} {}: {}", verb, id, r.text());
            int c = switch (r.status()) {
                case DONE -> 200;
                case NOT_FOUND -> 404;
                case BUSY -> 409;
            };
            code = code == 200 ? c : code;
            results.add(Json.object().field("id", id.value()).field("status", c).field("result", r.text()).end());
            rows.changed(id);
        }
        return Reply.json(ids.size() == 1 ? code : 200, Json.object().field("action", verb).array("results", results)
                .end());
    }

    /** {@code POST /console/api/actions/VERB} with the form field {@code ids}: queue ids, comma-separated. */
    private Reply selection(String verb, HttpExchange x) throws IOException {
        byte[] body;
        try (InputStream in = x.getRequestBody()) {
            body = in.readNBytes(MAX_SELECTION * 20 + 1);
        }
        String ids = query(new String(body, StandardCharsets.US_ASCII)).getOrDefault("ids", "");
        List<QueueId> list = new ArrayList<>();
        for (String id : ids.split(",")) {
            if (id.isBlank()) {
                continue;
            }
            if (!QueueId.isValid(id.strip())) {
                return Reply.error(400, "'" + id.strip() + "' is not a queue id");
            }
            list.add(new QueueId(id.strip()));
        }
        if (list.isEmpty() || list.size() > MAX_SELECTION) {
            return Reply.error(400, "send ids=ID,ID,... (1 to " + MAX_SELECTION + " queue ids), not " + list.size());
        }
        return act(verb, list);
    }

    /**
     * {@code GET /console/api/events}: server-sent events, one {@code event: delivery} per event
     * ({@code id:} its sequence number, so a reconnecting browser's {@code Last-Event-ID} replays
     * what it missed of the kept events), a comment line every {@link #HEARTBEAT} when idle.
     */
    private Reply stream(HttpExchange x) throws IOException {
        if (!streams.tryAcquire()) {
            return Reply.error(429, MAX_STREAMS + " live streams already open; close a console tab");
        }
        long after = 0;
        try {
            String last = x.getRequestHeaders().getFirst("Last-Event-ID");
            after = last == null ? 0 : Long.parseLong(last.strip());
        } catch (NumberFormatException e) {
            after = 0;
        }
        java.util.concurrent.BlockingQueue<ConsoleEvents.Shown> q = sources.events().subscribe(after);
        try {
            var h = x.getResponseHeaders();
            h.set("Content-Type", "text/event-stream; charset=utf-8");
            securityHeaders(h);
            x.sendResponseHeaders(200, 0);
            try (OutputStream out = x.getResponseBody()) {
                out.write("retry: 2000\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                while (true) {
                    ConsoleEvents.Shown s = q.poll(HEARTBEAT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                    if (s == null && !sources.events().subscribed(q)) {
                        return STREAMED; // dropped for falling behind: the browser reconnects with Last-Event-ID
                    }
                    String chunk = s == null ? ": idle\n\n" : "id: " + s.seq() + "\nevent: delivery\ndata: " + s.json()
                            + "\n\n";
                    out.write(chunk.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the listener is closing
        } catch (IOException e) {
            // the browser went away
        } finally {
            sources.events().unsubscribe(q);
            streams.release();
        }
        return STREAMED;
    }

    private Reply queue(Map<String, String> params) throws IOException {
        QueueQuery q;
        try {
            q = QueueQuery.parse(params);
        } catch (IllegalArgumentException e) {
            return Reply.error(400, e.getMessage());
        }
        QueueRows.Page p = rows.page(q);
        List<String> out = new ArrayList<>(p.rows().size());
        for (QueueRows.Row r : p.rows()) {
            out.add(Json.object().field("id", r.id()).field("arrival", r.arrival()).field("sender", r.sender())
                    .array("recipients", r.recipients().stream().map(Console::string).toList())
                    .field("size", r.size()).field("state", r.state()).field("last_reply", r.lastReply())
                    .field("relay", r.relay()).field("attempts", r.attempts())
                    .field("next_attempt", r.nextAttempt()).end());
        }
        return Reply.json(200, Json.object().field("total", p.total()).field("matched", p.matched())
                .field("offset", p.offset()).array("rows", out).end());
    }

    /** A JSON string value. */
    static String string(String s) {
        String o = Json.object().field("s", s).end();
        return o.substring(5, o.length() - 1);
    }

    /** "a=1&b=x%20y" -> {a: 1, b: "x y"}; the last of a repeated name wins. */
    static Map<String, String> query(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                m.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                m.put(k, v); // bad %-escape: the raw text, which then fails its own check
            }
        }
        return m;
    }
}
