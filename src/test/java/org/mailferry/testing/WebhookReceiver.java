package org.mailferry.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real HTTP server on loopback (the JDK's) that records every webhook request and answers 204. */
public final class WebhookReceiver implements AutoCloseable {
    private static final Pattern ID = Pattern.compile("\"id\":\"([^\"]+)\"");
    private static final Pattern QUEUE_ID = Pattern.compile("\"queue_id\":\"([^\"]+)\"");

    /** One request: the Mailferry-Event and Mailferry-Event-Id headers and the body. */
    public record Hook(String event, String idHeader, String body) {
        /** The body's "id". */
        public String id() {
            return field(ID);
        }

        public String queueId() {
            return field(QUEUE_ID);
        }

        private String field(Pattern p) {
            Matcher m = p.matcher(body);
            return m.find() ? m.group(1) : null;
        }
    }

    private final HttpServer server;
    private final List<Hook> hooks = new CopyOnWriteArrayList<>();
    private volatile int status = 204;
    private final java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();

    public WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        server.createContext("/hook", x -> {
            byte[] body = x.getRequestBody().readAllBytes();
            if (status / 100 != 2) { // refused: not recorded as received
                refused.incrementAndGet();
                x.sendResponseHeaders(status, -1);
                x.close();
                return;
            }
            hooks.add(new Hook(x.getRequestHeaders().getFirst("Mailferry-Event"),
                    x.getRequestHeaders().getFirst("Mailferry-Event-Id"),
                    new String(body, StandardCharsets.UTF_8)));
            x.sendResponseHeaders(204, -1);
            x.close();
        });
        server.start();
    }

    /** From now on every request is answered {@code code}; one that is not 2xx is counted, not recorded. */
    public void answer(int code) {
        status = code;
    }

    /** How many requests were answered with a status that is not 2xx. */
    public int refused() {
        return refused.get();
    }

    /** Every request answered 2xx so far. */
    public List<Hook> all() {
        return List.copyOf(hooks);
    }

    /** The value for webhook.url. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    /** Every request so far for this event type and queue id. */
    public List<Hook> of(String event, String queueId) {
        return hooks.stream().filter(h -> event.equals(h.event()) && queueId.equals(h.queueId())).toList();
    }

    /** The first such request, waiting up to 20 s for it. */
    public Hook await(String event, String queueId) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            List<Hook> seen = of(event, queueId);
            if (!seen.isEmpty()) {
                return seen.get(0);
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no " + event + " webhook for " + queueId + " within 20 s; got " + hooks);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
