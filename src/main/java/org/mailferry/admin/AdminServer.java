package org.mailferry.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.mailferry.delivery.QueueControl;
import org.mailferry.message.QueueId;
import org.mailferry.notify.Json;
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
 * </pre>
 * Requests that carry an {@code Origin} header (a web browser's) are refused: a web page must not
 * be able to drive the queue of the machine it runs on.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("mailferry.admin");

    private final Spool spool;
    private final QueueControl control;
    private final Supplier<String> metrics;
    private HttpServer server;
    private ExecutorService executor;

    public AdminServer(Spool spool, QueueControl control, Supplier<String> metrics) {
        this.spool = spool;
        this.control = control;
        this.metrics = metrics;
    }

    public InetSocketAddress start(InetSocketAddress listen) throws IOException {
        InetSocketAddress at = listen.isUnresolved() ? new InetSocketAddress(listen.getHostString(), listen.getPort())
                : listen;
        server = HttpServer.create(at, 50);
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        return server.getAddress();
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
            a = x.getRequestHeaders().containsKey("Origin")
                    ? Answer.error(403, "requests from web pages are refused")
                    : route(x.getRequestMethod(), x.getRequestURI().getRawPath());
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
            List<String> all = new ArrayList<>();
            List<QueueId> ids = new ArrayList<>();
            spool.forEach(e -> ids.add(e.id()));
            for (QueueId id : ids.stream().sorted().toList()) {
                MessageStatus s = MessageStatus.find(spool, id.value());
                if (s != null) {
                    all.add(s.json());
                }
            }
            return Answer.json(200, "[" + String.join(",", all) + "]");
        }
        if (post && path.equals("queue/flush")) {
            return Answer.json(200, Json.object().field("flushed", control.flushAll()).end());
        }
        if (post && path.equals("queue/delete-failed")) {
            return Answer.json(200, Json.object().field("deleted", control.deleteAllFailed()).end());
        }
        if (parts.size() == 2 && parts.get(0).equals("messages") && get) {
            MessageStatus s = MessageStatus.find(spool, parts.get(1));
            return s == null ? Answer.error(404, "no message " + parts.get(1) + " in the queue or its history")
                    : Answer.json(200, s.json());
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
        int code = switch (r.status()) {
            case DONE -> 200;
            case NOT_FOUND -> 404;
            case BUSY -> 409;
        };
        return Answer.json(code, Json.object().field(code == 200 ? "result" : "error", r.text()).end());
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
        }
    }
}
