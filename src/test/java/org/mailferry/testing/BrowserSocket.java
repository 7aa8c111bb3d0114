package org.mailferry.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What {@link Chromium} (DevTools protocol) and {@link Firefox} (WebDriver BiDi) share: a browser
 * process, its loopback WebSocket spoken with the JDK's HttpClient, commands numbered and answered
 * by id, events handed to the subclass, the page's errors collected, waiting for a condition.
 */
abstract class BrowserSocket implements AutoCloseable {
    private static final Duration COMMAND = Duration.ofSeconds(20);

    private final Process process;
    private final HttpClient http = HttpClient.newHttpClient();
    private final WebSocket socket;
    private final Map<Long, CompletableFuture<Map<String, Object>>> waiting = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    /** Errors the page logged, as the subclass heard them. */
    protected final List<String> errors = new CopyOnWriteArrayList<>();

    protected BrowserSocket(Process process, URI endpoint) throws Exception {
        this.process = process;
        this.socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(endpoint, new Listener()).get(10, TimeUnit.SECONDS);
    }

    /** Skips the test when {@code binary} is missing, or fails it under MAILFERRY_REQUIRE_INTEROP=1 (CI). */
    static void require(Path binary, String debianPackage) {
        if (!Files.isExecutable(binary)) {
            String msg = binary + " is not installed (apt-get install " + debianPackage + "; .ci/run does)";
            if (Tools.interopRequired()) {
                throw new AssertionError(msg);
            }
            org.junit.jupiter.api.Assumptions.abort(msg);
        }
    }

    /** A JSON string literal. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (ch < 0x20) {
                        b.append(String.format("\\u%04x", (int) ch));
                    } else {
                        b.append(ch);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                receive(message);
            }
            ws.request(1);
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    private void receive(String message) {
        Map<String, Object> m = JsonReader.object(message);
        Object id = m.get("id");
        if (id == null) {
            event(m);
            return;
        }
        CompletableFuture<Map<String, Object>> f = waiting.remove(((Double) id).longValue());
        if (f != null) {
            String failure = failure(m);
            if (failure != null) {
                f.completeExceptionally(new IOException(failure));
            } else {
                f.complete((Map<String, Object>) m.get("result"));
            }
        }
    }

    /** A message without an id: an event of the protocol. */
    protected abstract void event(Map<String, Object> message);

    /** Null when the answer {@code message} is a success, else what went wrong. */
    protected abstract String failure(Map<String, Object> message);

    /** Sends {@code id, method, params} with {@code extra} fields (a JSON fragment starting with a comma, or ""). */
    protected Map<String, Object> call(String method, String paramsJson, String extra) throws Exception {
        long id = ids.incrementAndGet();
        CompletableFuture<Map<String, Object>> f = new CompletableFuture<>();
        waiting.put(id, f);
        socket.sendText("{\"id\":" + id + extra + ",\"method\":" + quote(method) + ",\"params\":" + paramsJson + "}",
                true).get(10, TimeUnit.SECONDS);
        try {
            return f.get(COMMAND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            waiting.remove(id);
            throw new IOException(method + ": no answer within " + COMMAND.toSeconds() + " s");
        }
    }

    /** Evaluates {@code js} in the page (awaiting a promise); its value; a thrown error fails. */
    public abstract Object eval(String js) throws Exception;

    public String text(String js) throws Exception {
        Object v = eval(js);
        return v == null ? null : v.toString();
    }

    /** Waits until {@code condition} (JavaScript) is true in the page; fails with what it waited for. */
    public void await(String condition, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Boolean.TRUE.equals(eval("(() => { try { return !!(" + condition + "); } catch (e) { return false; } })()"))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + timeout.toMillis() + " ms for: " + condition + "; errors: " + errors);
            }
            Thread.sleep(50);
        }
    }

    /** Errors the page logged, so far. */
    public List<String> errors() {
        return List.copyOf(errors);
    }

    public void clearErrors() {
        errors.clear();
    }

    /** The protocol's command that closes the browser. */
    protected abstract void closeBrowser() throws Exception;

    @Override
    public void close() {
        try {
            closeBrowser();
        } catch (Exception e) {
            // going anyway
        }
        socket.abort();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly); // its renderer/content processes
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        http.close();
    }
}
