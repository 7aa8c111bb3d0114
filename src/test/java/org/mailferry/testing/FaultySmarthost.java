package org.mailferry.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted, misbehaving smarthost on loopback, for faults a real server cannot produce on
 * demand: it drops the connection or stalls at a chosen stage, sends garbage, splits replies into
 * tiny packets or sends every reply one byte per N ms (slow but correct), greets with a chosen reply or answers chosen recipients with 4xx/5xx. Without a
 * fault it is a plain, correct SMTP server (PIPELINING optional) that records each message it
 * answered 250 to, and each message whose final dot it read before dropping (the case where the
 * client cannot know: RFC 1047).
 */
public final class FaultySmarthost implements AutoCloseable {

    /** Where a fault strikes: before the reply to this step is sent. */
    public enum Stage { GREETING, EHLO, MAIL, RCPT, DATA, BODY, DOT }

    /** What happens at that stage. */
    public enum Action {
        /** Close the connection without a reply. */
        DROP,
        /** Send nothing more and read nothing more until the test ends. */
        STALL,
        /** Send one byte of a reply every 200 ms, forever (defeats a naive per-read timeout). */
        TRICKLE,
        /** Send a line that is not an SMTP reply. */
        GARBAGE
    }

    /** One message as received: envelope and unstuffed body. */
    public record Message(String sender, List<String> recipients, byte[] data) {
        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private final ServerSocket server;
    private final Thread acceptor;
    private final List<Message> messages = new CopyOnWriteArrayList<>();
    private final Map<String, String> rcptReplies = new ConcurrentHashMap<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicInteger sessions = new AtomicInteger();
    private volatile Stage faultStage;
    private volatile Action faultAction;
    private final AtomicInteger faultsLeft = new AtomicInteger();
    private volatile String greeting = "220 faulty.test ESMTP";
    private volatile boolean pipelining = true;
    private volatile boolean split;
    private volatile long slowByteMillis;
    private volatile int receiveBufferBytes;

    public FaultySmarthost() throws IOException {
        this(0);
    }

    /** @param receiveBufferBytes a small socket receive buffer (0: system default), to make writes block */
    public FaultySmarthost(int receiveBufferBytes) throws IOException {
        server = new ServerSocket();
        if (receiveBufferBytes > 0) {
            server.setReceiveBufferSize(receiveBufferBytes);
        }
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        acceptor = Thread.ofPlatform().daemon(true).name("faulty-smarthost").start(this::accept);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The next {@code times} sessions misbehave with {@code action} at {@code stage}. */
    public FaultySmarthost fault(Stage stage, Action action, int times) {
        faultStage = stage;
        faultAction = action;
        faultsLeft.set(times);
        return this;
    }

    /** The greeting line sent on connect (e.g. "421 4.3.2 busy"). */
    public FaultySmarthost greeting(String line) {
        greeting = line;
        return this;
    }

    /** RCPT TO for this address gets this reply line (e.g. "450 4.2.1 try later"). */
    public FaultySmarthost rcptReply(String address, String line) {
        rcptReplies.put(address, line);
        return this;
    }

    public FaultySmarthost clearRcptReplies() {
        rcptReplies.clear();
        return this;
    }

    public FaultySmarthost pipelining(boolean on) {
        pipelining = on;
        return this;
    }

    /** Sends every reply in packets of a few bytes, flushed apart, multi-line ones included. */
    public FaultySmarthost split(boolean on) {
        split = on;
        return this;
    }

    /**
     * Sends every reply, greeting included, one byte per {@code millisPerByte} (0: at once): a
     * correct smarthost that is too slow, each line finishing long after the previous one.
     */
    public FaultySmarthost slowReplies(long millisPerByte) {
        slowByteMillis = millisPerByte;
        return this;
    }

    public List<Message> messages() {
        return List.copyOf(messages);
    }

    public int sessions() {
        return sessions.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                sessions.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Null: no fault here; otherwise the action to take (consumes one session's fault at most once). */
    private Action faultAt(Stage stage, boolean[] used) {
        if (used[0] || faultStage != stage || faultsLeft.get() <= 0) {
            return null;
        }
        if (faultsLeft.getAndDecrement() <= 0) {
            return null;
        }
        used[0] = true;
        return faultAction;
    }

    private void serve(Socket s) {
        boolean[] used = {false};
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            if (strike(faultAt(Stage.GREETING, used), out)) {
                return;
            }
            send(out, greeting);
            if (!greeting.startsWith("2")) {
                return;
            }
            String from = null;
            List<String> rcpts = new ArrayList<>();
            String line;
            while ((line = readLine(in)) != null) {
                String upper = line.toUpperCase(Locale.ROOT);
                if (upper.startsWith("EHLO") || upper.startsWith("HELO")) {
                    if (strike(faultAt(Stage.EHLO, used), out)) {
                        return;
                    }
                    send(out, pipelining ? "250-faulty.test\r\n250-8BITMIME\r\n250-PIPELINING\r\n250 SIZE 100000000"
                            : "250-faulty.test\r\n250-8BITMIME\r\n250 SIZE 100000000");
                } else if (upper.startsWith("MAIL FROM:")) {
                    if (strike(faultAt(Stage.MAIL, used), out)) {
                        return;
                    }
                    from = path(line.substring(10));
                    rcpts.clear();
                    send(out, "250 2.1.0 Ok");
                } else if (upper.startsWith("RCPT TO:")) {
                    if (strike(faultAt(Stage.RCPT, used), out)) {
                        return;
                    }
                    String rcpt = path(line.substring(8));
                    String reply = rcptReplies.get(rcpt);
                    if (reply == null) {
                        rcpts.add(rcpt);
                        reply = "250 2.1.5 Ok";
                    }
                    send(out, reply);
                } else if (upper.equals("DATA")) {
                    if (strike(faultAt(Stage.DATA, used), out)) {
                        return;
                    }
                    if (from == null || rcpts.isEmpty()) {
                        send(out, "554 5.5.1 No valid recipients");
                        continue;
                    }
                    send(out, "354 go ahead");
                    Action inBody = faultAt(Stage.BODY, used);
                    if (inBody != null) {
                        readSome(in);
                        strike(inBody, out);
                        return;
                    }
                    byte[] body = readBody(in);
                    if (body == null) {
                        return;
                    }
                    Message m = new Message(from, List.copyOf(rcpts), body);
                    Action atDot = faultAt(Stage.DOT, used);
                    if (atDot != null) {
                        messages.add(m); // the server took it; the client never hears so
                        strike(atDot, out);
                        return;
                    }
                    messages.add(m);
                    send(out, "250 2.0.0 Ok: queued");
                    from = null;
                    rcpts.clear();
                } else if (upper.equals("RSET")) {
                    from = null;
                    rcpts.clear();
                    send(out, "250 2.0.0 Ok");
                } else if (upper.equals("QUIT")) {
                    send(out, "221 2.0.0 Bye");
                    return;
                } else if (upper.equals("NOOP")) {
                    send(out, "250 2.0.0 Ok");
                } else {
                    send(out, "500 5.5.1 unknown command");
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client went away or the test ended
        } finally {
            open.remove(s);
        }
    }

    /** Carries out a fault; true when the session is over. */
    private boolean strike(Action a, OutputStream out) throws IOException, InterruptedException {
        if (a == null) {
            return false;
        }
        switch (a) {
            case DROP -> {
                return true;
            }
            case STALL -> closed.await();
            case TRICKLE -> {
                while (closed.getCount() > 0) {
                    out.write('2');
                    out.flush();
                    Thread.sleep(200);
                }
            }
            case GARBAGE -> {
                out.write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(100);
            }
            default -> throw new IllegalStateException();
        }
        return true;
    }

    private void send(OutputStream out, String reply) throws IOException, InterruptedException {
        byte[] b = (reply + "\r\n").getBytes(StandardCharsets.US_ASCII);
        long perByte = slowByteMillis;
        if (perByte > 0) {
            for (byte x : b) {
                Thread.sleep(perByte);
                out.write(x);
                out.flush();
            }
            return;
        }
        if (!split) {
            out.write(b);
            out.flush();
            return;
        }
        for (int i = 0; i < b.length; i += 3) {
            out.write(b, i, Math.min(3, b.length - i));
            out.flush();
            Thread.sleep(2);
        }
    }

    private static String path(String arg) {
        String a = arg.strip();
        int close = a.indexOf('>');
        return a.startsWith("<") && close > 0 ? a.substring(1, close) : a;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.UTF_8);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return null;
    }

    private static void readSome(InputStream in) throws IOException {
        in.read(new byte[64]);
    }

    /** Reads DATA up to CRLF.CRLF, undoing dot-stuffing; null if the client went away. */
    private static byte[] readBody(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String line;
        while ((line = readRawLine(in)) != null) {
            if (line.equals(".\r\n")) {
                return body.toByteArray();
            }
            String l = line.startsWith(".") ? line.substring(1) : line;
            body.writeBytes(l.getBytes(StandardCharsets.ISO_8859_1));
        }
        return null;
    }

    private static String readRawLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            if (c == '\n') {
                return b.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    /** Stops listening: later connections are refused. Open sessions continue. */
    public void stopListening() throws IOException {
        server.close();
    }

    @Override
    public void close() throws IOException {
        closed.countDown();
        server.close();
        for (Socket s : open) {
            s.close();
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
