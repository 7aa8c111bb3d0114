package org.mailferry.delivery;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLSocket;
import org.mailferry.config.Config;
import org.mailferry.smtp.DataReader;
import org.mailferry.smtp.DataWriter;
import org.mailferry.smtp.Reply;
import org.mailferry.smtp.ReplyReader;
import org.mailferry.smtp.SmtpInput;

/**
 * One SMTP client connection to a smarthost, the protocol alone: commands out, whole replies in
 * within their deadlines, EHLO (HELO as fallback) and what it offers, the TLS upgrade, the body
 * streamed byte-exact with dot-stuffing. Opening it is the attempt's steps ({@link Connect},
 * {@link StartTls}, {@link Authenticate}), a transaction is {@link SmtpTransaction}; it judges no
 * reply ({@link Classifier} does). Any number of transactions run over it (connection reuse).
 * Not thread-safe: one worker owns a connection.
 */
public final class SmtpClient implements AutoCloseable {
    private Socket socket;
    /** The TCP socket under {@code socket}: what a deadline closes (closing an SSLSocket would write). */
    private Socket tcp;
    private SmtpInput in;
    private DeadlineInput deadlines;
    private long transactionEndNanos = Long.MAX_VALUE;
    private OutputStream out;
    /** The body copy's buffer, kept for every transaction on this connection. */
    private byte[] bodyBuffer;
    private final String relay;
    private final long commandTimeoutMillis;
    private final long transactionTimeoutMillis;
    private final long replyTransferTimeoutMillis;
    private final Set<String> extensions = new HashSet<>();
    private List<String> ehloLines = List.of();
    private boolean tlsActive;
    private long maxSize;
    private boolean broken;
    private String login;
    private List<String> loginNames = List.of();
    /** The route (smarthost and login) this connection was opened for; set by the runner. */
    private String route;
    /** Told once when the connection closes (the route's connection count); set by the runner. */
    private Runnable onClose;
    /** The pipeline (the configuration) whose attempt used this connection last. */
    private Pipeline usedBy;

    /** Thrown when the smarthost refuses the session itself (greeting or EHLO/HELO). */
    public static final class SessionRefused extends Exception {
        private final Reply reply;

        public SessionRefused(Reply reply) {
            super(reply.oneLine());
            this.reply = reply;
        }

        public Reply reply() {
            return reply;
        }
    }

    /** Reports each step of the session setup; {@code mailferry check} prints them. */
    @FunctionalInterface
    public interface Trace {
        Trace NONE = (step, ok, detail) -> { };

        void step(String step, boolean ok, String detail);
    }

    /**
     * The limits toward a smarthost (relay.*_timeout).
     *
     * @param connect       TCP connect, and the greeting when shorter than {@code command}
     * @param command       each whole reply, all its lines, from the command sent
     * @param replyTransfer each reply from its first bytes to its end
     * @param transaction   each transaction, MAIL FROM to the reply after the final dot, body included
     */
    public record Timeouts(Duration connect, Duration command, Duration replyTransfer, Duration transaction) {
        public static Timeouts of(Config.Relay relay) {
            return new Timeouts(relay.connectTimeout(), relay.commandTimeout(), relay.replyTransferTimeout(),
                    relay.transactionTimeout());
        }
    }

    /**
     * Connects, does implicit TLS or STARTTLS as the mode says, says EHLO, and logs in when
     * credentials are configured for {@code names} (the host connected to, then the configured
     * name): the attempt's session steps, without the site bookkeeping ({@code mailferry check}).
     */
    public static SmtpClient open(InetSocketAddress address, String hostName, List<String> names, String heloName,
                                  Timeouts timeouts, ClientSecurity security, Trace trace)
            throws IOException, SessionRefused, SecurityFailure {
        Pipeline setup = new Pipeline(List.of(new Connect(heloName, timeouts, security),
                new StartTls(heloName, security), new Authenticate(security), Attempted::holding));
        return setup.open(new Router.Target(hostName, address), names, trace);
    }

    /** AUTH succeeded as {@code user}, for a smarthost known by {@code names} (rewrite.send_as_login). */
    void loggedIn(String user, List<String> names) {
        this.login = user;
        this.loginNames = List.copyOf(names);
    }

    /** The user this session logged in as; null without AUTH. */
    String login() {
        return login;
    }

    /** The names the logged-in smarthost is known by: the host connected to, the configured ones. */
    List<String> loginNames() {
        return loginNames;
    }

    /** @param tcp the TCP socket under {@code socket} (the same one unless implicit TLS) */
    SmtpClient(Socket socket, Socket tcp, String relay, Timeouts timeouts, boolean tlsActive) throws IOException {
        this.socket = socket;
        this.relay = relay;
        this.commandTimeoutMillis = timeouts.command().toMillis();
        this.transactionTimeoutMillis = timeouts.transaction().toMillis();
        this.replyTransferTimeoutMillis = timeouts.replyTransfer().toMillis();
        this.tlsActive = tlsActive;
        streams(socket, tcp);
    }

    /**
     * Both directions are bounded: a whole reply, all its lines, must arrive within the command
     * timeout even when the server trickles bytes (SO_TIMEOUT alone restarts at every byte; see
     * {@link #reply(long)}, {@link DeadlineInput}), and a write must not block forever on a server
     * that stopped reading. Called again after STARTTLS; a stuck write is ended by closing the TCP
     * socket underneath (closing an SSLSocket would itself try to write).
     */
    private void streams(Socket s, Socket tcp) throws IOException {
        this.tcp = tcp;
        deadlines = new DeadlineInput(s.getInputStream(), s, replyTransferTimeoutMillis, relay);
        in = new SmtpInput(deadlines);
        in.setLineTimeoutMillis(commandTimeoutMillis);
        out = new BufferedOutputStream(new WriteTimeout(s.getOutputStream(), tcp, commandTimeoutMillis), 65536);
    }

    /** Reads the greeting within {@code timeoutMillis}, then restores the command timeout. */
    Reply greeting(long timeoutMillis) throws IOException {
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis));
        in.setLineTimeoutMillis(timeoutMillis);
        Reply r = reply(timeoutMillis);
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, commandTimeoutMillis));
        in.setLineTimeoutMillis(commandTimeoutMillis);
        return r;
    }

    /** What EHLO offered: its reply's lines after the first (earlier offers are forgotten). */
    void offered(List<String> lines) {
        extensions.clear();
        ehloLines = lines;
        for (String l : lines) {
            String[] words = l.toUpperCase(Locale.ROOT).split(" ");
            extensions.add(words[0]);
            if (words[0].equals("SIZE") && words.length > 1) {
                try {
                    maxSize = Long.parseLong(words[1]);
                } catch (NumberFormatException ignored) {
                    maxSize = 0;
                }
            }
        }
    }

    /** After STARTTLS's 220: everything from now on goes over {@code ssl}, on the same TCP socket. */
    void upgrade(SSLSocket ssl) throws IOException {
        Socket plain = socket;
        socket = ssl;
        streams(ssl, plain);
        tlsActive = true;
    }

    /** True when bytes came after the last reply, unasked (sent before TLS: an injection). */
    boolean hasBuffered() throws IOException {
        return in.hasBuffered();
    }

    /** The connection must not carry another command (the server misbehaved). */
    void markBroken() {
        broken = true;
    }

    Socket socket() {
        return socket;
    }

    /** EHLO's lines after the first: the extensions as offered, parameters included. */
    List<String> ehloLines() {
        return ehloLines;
    }

    /** The smarthost's SIZE limit in bytes, 0 when none was given. */
    long maxSize() {
        return maxSize;
    }

    public String relay() {
        return relay;
    }

    public boolean offers(String extension) {
        return extensions.contains(extension.toUpperCase(Locale.ROOT));
    }

    /** True once TLS protects the connection. */
    public boolean isEncrypted() {
        return tlsActive;
    }

    /** The route this connection serves (its smarthost and login); null until the runner tags it. */
    String route() {
        return route;
    }

    /** Tags the connection with its route, and what to run once when it closes. */
    void belongTo(String newRoute, Runnable whenClosed) {
        this.route = newRoute;
        this.onClose = whenClosed;
    }

    /** Marks the connection as {@code pipeline}'s: after a reload the worker closes it instead of reusing it. */
    void usedBy(Pipeline pipeline) {
        this.usedBy = pipeline;
    }

    /** True when the connection was last used by {@code pipeline}'s attempt (the current configuration). */
    boolean lastUsedBy(Pipeline pipeline) {
        return usedBy == pipeline;
    }

    /** True while the connection can carry another transaction. */
    public boolean isReusable() {
        return !broken && !socket.isClosed();
    }

    void command(String line) throws IOException {
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.write('\r');
        out.write('\n');
    }

    Reply reply() throws IOException {
        return reply(commandTimeoutMillis);
    }

    /**
     * Reads one whole reply within {@code millis}, as Postfix's smtp_per_request_deadline (3.7;
     * smtp_per_record_deadline in 2.9 to 3.6) makes its smtp_*_timeout limits: a server sending one
     * byte a second finished every line inside a per-read or per-line timeout and kept a worker
     * minutes per message. Inside a transaction, the transaction's deadline applies when it is the
     * earlier one. A deadline that passes with bytes arriving is a {@link Deadline.TooSlow}.
     */
    private Reply reply(long millis) throws IOException {
        long replyEnd = System.nanoTime() + millis * 1_000_000L;
        if (transactionEndNanos < replyEnd) {
            deadlines.until(transactionEndNanos, transactionName(), transactionTimeoutMillis, true);
        } else {
            deadlines.until(replyEnd, "reply from " + relay, millis, false);
        }
        out.flush();
        try {
            Reply r = ReplyReader.read(in, true);
            if (r.code() == 421) {
                broken = true; // the server is closing the connection (RFC 5321 3.8)
            }
            return r;
        } catch (IOException e) {
            broken = true;
            throw e;
        } finally {
            deadlines.until(Long.MAX_VALUE, "", 0, false);
            restoreReadTimeout();
        }
    }

    /** Reads outside a reply (a TLS handshake) get the plain per-read limit again. */
    private void restoreReadTimeout() {
        try {
            if (!socket.isClosed()) {
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, commandTimeoutMillis));
            }
        } catch (IOException ignored) {
            // closed meanwhile (a deadline): the read that follows fails anyway
        }
    }

    private String transactionName() {
        return "transaction (MAIL FROM to the reply after the final dot) with " + relay;
    }

    @FunctionalInterface
    interface Work<T> {
        T run() throws IOException;
    }

    /**
     * Runs one transaction within relay.transaction_timeout: its replies read within the
     * transaction's deadline ({@link DeadlineInput}), the body's writes, each bounded by the
     * command timeout alone, cut by the watchdog closing the socket. A failure breaks the connection.
     */
    <T> T transaction(Work<T> work) throws IOException {
        transactionEndNanos = System.nanoTime() + transactionTimeoutMillis * 1_000_000L;
        Deadline whole = Deadline.arm(tcp, transactionTimeoutMillis, transactionName());
        try {
            return work.run();
        } catch (IOException e) {
            broken = true;
            throw whole.expired() && !(e instanceof Deadline.TooSlow) ? whole.timeout() : e;
        } finally {
            whole.close();
            transactionEndNanos = Long.MAX_VALUE;
        }
    }

    /**
     * Copies the stored body as DATA; a line over 998 octets is broken (Postfix's
     * smtp_line_length_limit). Returns how many line breaks were inserted.
     */
    long writeBody(InputStream body) throws IOException {
        if (bodyBuffer == null) {
            bodyBuffer = new byte[DataWriter.BUFFER_BYTES];
        }
        return new DataWriter(DataReader.MAX_LINE_OCTETS).write(body, out, bodyBuffer);
    }

    /** Says QUIT politely and closes; never throws. */
    @Override
    public void close() {
        try {
            if (!broken && !socket.isClosed()) {
                command("QUIT");
                reply(Math.min(5000, commandTimeoutMillis));
            }
        } catch (IOException ignored) {
            // closing anyway
        } finally {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
            Runnable r = onClose;
            onClose = null;
            if (r != null) {
                r.run();
            }
        }
    }
}
