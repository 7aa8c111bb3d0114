package org.mailferry.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.server.SMTPServer;

/**
 * A real SMTP server in the test JVM (SubEthaSMTP) acting as the smarthost: records what arrives,
 * byte for byte, and can refuse recipients or messages on demand.
 */
public final class TestSmarthost implements AutoCloseable {

    /** One message as the smarthost received it. */
    public record Received(String sender, List<String> recipients, byte[] data) {
        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private final SMTPServer server;
    private final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final List<Received> all = new CopyOnWriteArrayList<>();
    private final Map<String, RejectException> rcptRefusals = new ConcurrentHashMap<>();
    private volatile RejectException dataRefusal;
    private volatile int dataRefusalsLeft;
    private volatile int maxLineOctets = Integer.MAX_VALUE;

    public TestSmarthost() {
        this(0);
    }

    /** Advertises {@code SIZE maxMessageBytes} (0: no limit), as a smarthost with a size limit does. */
    public TestSmarthost(int maxMessageBytes) {
        server = SMTPServer.port(0)
                .maxMessageSize(maxMessageBytes)
                .bindAddress(InetAddress.getLoopbackAddress())
                .hostName("smarthost.test")
                .insertReceivedHeaders(false)
                .messageHandlerFactory(this::handler)
                .build();
        server.start();
    }

    public int port() {
        return server.getPortAllocated();
    }

    /** The next RCPT TO for {@code recipient} gets {@code code text} (4xx or 5xx) until cleared. */
    public void refuseRecipient(String recipient, int code, String text) {
        rcptRefusals.put(recipient, new RejectException(code, text));
    }

    public void acceptRecipient(String recipient) {
        rcptRefusals.remove(recipient);
    }

    /** Refuses, as strict servers do, a message with a line longer than {@code octets} (CRLF not counted): 550 5.6.0. */
    public TestSmarthost refuseLinesLongerThan(int octets) {
        maxLineOctets = octets;
        return this;
    }

    /** The next {@code times} messages get {@code code text} after the final dot. */
    public void refuseData(int code, String text, int times) {
        dataRefusal = new RejectException(code, text);
        dataRefusalsLeft = times;
    }

    public Received take(long timeout, TimeUnit unit) throws InterruptedException {
        return received.poll(timeout, unit);
    }

    /** The next message; fails the test when none arrives within 10 seconds. */
    public Received next() throws InterruptedException {
        Received r = take(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no message at the smarthost within 10 s");
        }
        return r;
    }

    public List<Received> all() {
        return List.copyOf(all);
    }

    private MessageHandler handler(MessageContext ctx) {
        return new MessageHandler() {
            private String from;
            private final List<String> rcpts = new ArrayList<>();

            @Override
            public void from(String f) {
                from = f;
                rcpts.clear(); // a new transaction, in case the server reuses the handler after RSET
            }

            @Override
            public void recipient(String r) throws RejectException {
                RejectException refusal = rcptRefusals.get(r);
                if (refusal != null) {
                    throw refusal;
                }
                rcpts.add(r);
            }

            @Override
            public String data(InputStream data) throws IOException, RejectException {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                data.transferTo(out);
                for (String line : out.toString(StandardCharsets.ISO_8859_1).split("\r\n", -1)) {
                    if (line.length() > maxLineOctets) {
                        throw new RejectException(550, "5.6.0 Line too long");
                    }
                }
                synchronized (TestSmarthost.this) {
                    if (dataRefusalsLeft > 0) {
                        dataRefusalsLeft--;
                        throw dataRefusal;
                    }
                }
                Received r = new Received(from, List.copyOf(rcpts), out.toByteArray());
                all.add(r);
                received.add(r);
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
