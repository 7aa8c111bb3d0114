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
import org.mailferry.notify.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console under {@code /console/}: its files (HTML, CSS, JavaScript modules, from the jar, no
 * build step), the login that turns the admin token into a session cookie, and the JSON it reads. The
 * Host and Origin checks ran before ({@link RequestCheck}); here:
 * <ul>
 *   <li>the files and {@code POST /console/login} are open (they show nothing of the queue);</li>
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
            "console.css", "text/css",
            "console.js", "text/javascript",
            "api.js", "text/javascript",
            "queue.js", "text/javascript");

    private final Map<String, byte[]> files = new LinkedHashMap<>();
    private final ConsoleSessions sessions;
    private final QueueRows rows;
    private final String token;
    private final boolean tls;

    Console(ConsoleSessions sessions, QueueRows rows, String token, boolean tls) throws IOException {
        this.sessions = sessions;
        this.rows = rows;
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

    void handle(HttpExchange x) throws IOException {
        Reply r;
        try {
            r = route(x);
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
        h.set("Content-Security-Policy", CSP);
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Cache-Control", "no-store");
        h.set("Cross-Origin-Resource-Policy", "same-origin");
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
        if (get && api.equals("session")) {
            return Reply.json(200, Json.object().field("csrf", s == null ? null : s.csrf()).end());
        }
        if (get && api.equals("queue")) {
            return queue(query(x.getRequestURI().getRawQuery()));
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
                && AdminToken.matches(token, auth.substring(7).strip());
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
        if (!AdminToken.matches(token, presented == null ? null : presented.strip())) {
            return Reply.error(401, presented == null || presented.isBlank() ? "type the admin token"
                    : "wrong admin token: copy it from SPOOL/" + AdminToken.FILE
                    + " (the daemon writes a new one at each start)");
        }
        ConsoleSessions.Session s = sessions.open();
        log.info("admin: console login from {}", x.getRemoteAddress());
        return Reply.json(200, Json.object().field("csrf", s.csrf()).end())
                .with("Set-Cookie", ConsoleSessions.setCookie(s, tls));
    }

    private Reply queue(Map<String, String> params) throws IOException {
        QueueRows.Query q;
        try {
            q = QueueRows.Query.parse(params);
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
