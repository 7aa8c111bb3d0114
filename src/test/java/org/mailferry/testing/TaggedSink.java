package org.mailferry.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.server.SMTPServer;

/**
 * A smarthost (SubEthaSMTP in the test JVM) that counts each message by the unique tag in its
 * Subject ("Subject: tag-N") and notices when one tag is being received on two connections at
 * once (two nodes delivering the same message at the same time). Each message's data is held for
 * {@code holdMillis} after it arrived, so an attempt is a window another one could overlap.
 */
public final class TaggedSink implements AutoCloseable {
    private static final Pattern TAG = Pattern.compile("(?m)^Subject: (tag-\\d+)\\r?$");

    private final SMTPServer server;
    private final long holdMillis;
    private final Map<String, AtomicInteger> copies = new ConcurrentHashMap<>();
    private final Set<String> inProgress = ConcurrentHashMap.newKeySet();
    private final Set<String> overlapping = ConcurrentHashMap.newKeySet();
    private final java.util.Queue<Arrival> arrivals = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** A message as it arrived: its tag, when its data began (milliseconds, monotonic), the client's HELO name. */
    public record Arrival(String tag, long millis, String helo) {
    }

    public TaggedSink(long holdMillis) {
        this.holdMillis = holdMillis;
        server = SMTPServer.port(0).bindAddress(InetAddress.getLoopbackAddress()).hostName("sink.test")
                .insertReceivedHeaders(false).maxConnections(200).messageHandlerFactory(this::handler).build();
        server.start();
    }

    public int port() {
        return server.getPortAllocated();
    }

    /** Copies received per tag. */
    public Map<String, Integer> copies() {
        Map<String, Integer> out = new java.util.TreeMap<>();
        copies.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Every message received, in the order they arrived. */
    public java.util.List<Arrival> arrivals() {
        return java.util.List.copyOf(arrivals);
    }

    /** Tags received on two connections at once. */
    public Set<String> overlapping() {
        return Set.copyOf(overlapping);
    }

    private MessageHandler handler(MessageContext ctx) {
        return new MessageHandler() {
            @Override
            public void from(String from) {
            }

            @Override
            public void recipient(String recipient) {
            }

            @Override
            public String data(InputStream data) throws IOException {
                long began = System.nanoTime() / 1_000_000;
                String text = new String(data.readAllBytes(), StandardCharsets.ISO_8859_1);
                Matcher m = TAG.matcher(text);
                String tag = m.find() ? m.group(1) : "untagged";
                if (!inProgress.add(tag)) {
                    overlapping.add(tag);
                }
                try {
                    Thread.sleep(holdMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    inProgress.remove(tag);
                }
                copies.computeIfAbsent(tag, k -> new AtomicInteger()).incrementAndGet();
                arrivals.add(new Arrival(tag, began, ctx.getHelo().orElse("")));
                return null;
            }

            @Override
            public void done() {
            }
        };
    }

    @Override
    public void close() {
        server.stop();
    }
}
