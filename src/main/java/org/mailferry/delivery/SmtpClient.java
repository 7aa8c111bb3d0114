package org.mailferry.delivery;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLSocket;
import org.mailferry.config.Config;
import org.mailferry.config.TlsMode;
import org.mailferry.message.Envelope;
import org.mailferry.message.Recipient;
import org.mailferry.smtp.DataReader;
import org.mailferry.smtp.DataWriter;
import org.mailferry.smtp.DsnParameters;
import org.mailferry.smtp.EnhancedStatus;
import org.mailferry.smtp.Reply;
import org.mailferry.smtp.ReplyReader;
import org.mailferry.smtp.SmtpInput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP client connection to a smarthost: greeting, EHLO (HELO as fallback), then any number
 * of transactions (connection reuse), PIPELINING when offered, the body streamed from the spool
 * byte-exact with dot-stuffing. STARTTLS (then a second EHLO) and AUTH come between EHLO and the
 * first MAIL; a TLS or AUTH problem is a {@link SecurityFailure}, never a fallback to cleartext.
 * Not thread-safe: one worker owns a connection.
 */
public final class SmtpClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("mailferry.smtp");
    private Socket socket;
    /** The TCP socket under {@code socket}: what a deadline closes (closing an SSLSocket would write). */
    private Socket tcp;
    private SmtpInput in;
    private DeadlineInput deadlines;
    private long transactionEndNanos = Long.MAX_VALUE;
    private OutputStream out;
    private final String relay;
    private final long commandTimeoutMillis;
    private final long transactionTimeoutMillis;
    private final long replyTransferTimeoutMillis;
    private final Set<String> extensions = new HashSet<>();
    private List<String> ehloLines = List.of();
    private boolean tlsActive;
    private long maxSize;
    private boolean broken;
    private int transactions;

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

    /** @param tcp the TCP socket under {@code socket} (the same one unless implicit TLS) */
    private SmtpClient(Socket socket, Socket tcp, String relay, Timeouts timeouts) throws IOException {
        this.socket = socket;
        this.relay = relay;
        this.commandTimeoutMillis = timeouts.command().toMillis();
        this.transactionTimeoutMillis = timeouts.transaction().toMillis();
        this.replyTransferTimeoutMillis = timeouts.replyTransfer().toMillis();
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

    /** Connects, reads the greeting and says EHLO; no TLS, no AUTH; relay.reply_transfer_timeout and
     * relay.transaction_timeout at their defaults. */
    public static SmtpClient open(InetSocketAddress address, String hostName, String heloName,
                                  Duration connectTimeout, Duration commandTimeout)
            throws IOException, SessionRefused {
        try {
            return open(address, hostName, List.of(hostName), heloName, new Timeouts(connectTimeout, commandTimeout,
                    Duration.ofSeconds(10), Duration.ofMinutes(20)), ClientSecurity.PLAIN, Trace.NONE);
        } catch (SecurityFailure e) {
            throw new IllegalStateException("no TLS or AUTH without security settings", e);
        }
    }

    /**
     * Connects, does implicit TLS or STARTTLS as the mode says, says EHLO, and logs in when
     * credentials are configured for {@code names} (the host connected to, then the configured name).
     */
    public static SmtpClient open(InetSocketAddress address, String hostName, List<String> names, String heloName,
                                  Timeouts timeouts, ClientSecurity security, Trace trace)
            throws IOException, SessionRefused, SecurityFailure {
        Duration connectTimeout = timeouts.connect();
        Duration commandTimeout = timeouts.command();
        Socket s = new Socket();
        int port = address.getPort();
        String relay = hostName + "[" + address.getAddress().getHostAddress() + "]:" + port;
        TlsMode mode = security.mode().resolve(port, address.getAddress().isLoopbackAddress());
        Login login = security.logins().find(names, port);
        // auto on a loopback address (resolved to none): STARTTLS when offered, required with credentials
        boolean opportunistic = security.mode() == TlsMode.AUTO && mode == TlsMode.NONE;
        SmtpClient c = null;
        try {
            s.connect(address, (int) connectTimeout.toMillis());
            s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, commandTimeout.toMillis()));
            s.setTcpNoDelay(true);
            trace.step("connect", true, relay + " (tls mode " + (opportunistic ? "auto: starttls when offered" : mode) + ")");
            Socket plain = s;
            if (mode == TlsMode.TLS) {
                s = security.tls().handshake(plain, hostName, port);
                trace.step("tls", true, handshake((SSLSocket) s));
            }
            c = new SmtpClient(s, plain, relay, timeouts);
            c.tlsActive = mode == TlsMode.TLS;
            // A server that accepts TCP but never greets is as unreachable as one that never
            // accepts: the greeting must come within the connect timeout (or the command timeout,
            // when shorter), so a black hole costs one connect timeout, not five minutes.
            Reply greeting = c.greeting(s, Math.min(connectTimeout.toMillis(), commandTimeout.toMillis()));
            trace.step("greeting", greeting.isPositive(), greeting.oneLine());
            if (!greeting.isPositive()) {
                throw new SessionRefused(greeting);
            }
            c.hello(heloName, trace);
            if (mode == TlsMode.STARTTLS || opportunistic && (login != null || c.offers("STARTTLS"))) {
                c.startTls(security.tls(), hostName, port, trace);
                c.hello(heloName, trace);
            }
            if (login != null) {
                c.login(login, hostName, port, security.allowPlaintextAuth(), trace);
            }
            return c;
        } catch (TlsPolicy.TlsFailure e) {
            trace.step("tls", false, e.getMessage() + certificate(e.chain(), false));
            s.close();
            throw new SecurityFailure(e.getMessage(), TEMP_SECURITY, false, e);
        } catch (IOException | SessionRefused | SecurityFailure | RuntimeException e) {
            if (e instanceof SecurityFailure f) {
                trace.step(f.authentication() || f.status() == SmtpAuth.TEMP_AUTH ? "auth" : "tls", false,
                        f.getMessage());
            } else if (!(e instanceof SessionRefused)) {
                trace.step(c == null ? "connect" : "session", false, relay + ": " + e.getMessage());
            }
            if (c != null) {
                c.close();
            }
            s.close();
            throw e;
        }
    }

    /** Reads the greeting within {@code timeoutMillis}, then restores the command timeout. */
    private Reply greeting(Socket s, long timeoutMillis) throws IOException {
        s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis));
        in.setLineTimeoutMillis(timeoutMillis);
        Reply r = reply(timeoutMillis);
        s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, commandTimeoutMillis));
        in.setLineTimeoutMillis(commandTimeoutMillis);
        return r;
    }

    static final EnhancedStatus TEMP_SECURITY = new EnhancedStatus(4, 7, 0);

    private void startTls(TlsPolicy tls, String hostName, int port, Trace trace)
            throws IOException, SecurityFailure {
        if (!offers("STARTTLS")) {
            throw new SecurityFailure(relay + " does not offer STARTTLS, which relay.tls = starttls (or auto, with "
                    + "credentials or off loopback) requires (set relay.tls = \"none\" only for a smarthost on a "
                    + "trusted network)", TEMP_SECURITY, false, null);
        }
        command("STARTTLS");
        Reply r = reply();
        if (r.code() != 220) {
            throw new SecurityFailure(relay + " refused STARTTLS: " + r.oneLine(), TEMP_SECURITY, false, null);
        }
        if (in.hasBuffered()) {
            // bytes after the 220 were sent before TLS: a man in the middle injecting commands
            broken = true;
            throw new SecurityFailure(relay + " sent data after its STARTTLS reply (injection?); refusing",
                    TEMP_SECURITY, false, null);
        }
        Socket tcp = socket;
        SSLSocket ssl = tls.handshake(tcp, hostName, port);
        socket = ssl;
        streams(ssl, tcp);
        tlsActive = true;
        trace.step("starttls", true, handshake(ssl));
    }

    private void login(Login login, String hostName, int port, boolean allowPlaintext, Trace trace)
            throws IOException, SecurityFailure {
        List<String> offered = SmtpAuth.offered(ehloLines);
        if (!tlsActive && !allowPlaintext) {
            throw new SecurityFailure("refusing to send credentials (" + login.origin() + ") to " + relay
                    + " without TLS; use relay.tls = \"starttls\" or \"tls\", or set relay.allow_plaintext_auth = "
                    + "true for a trusted loopback smarthost", SmtpAuth.TEMP_AUTH, false, null);
        }
        if (offered.isEmpty()) {
            throw new SecurityFailure(relay + " does not offer AUTH, but credentials are configured for it ("
                    + login.origin() + ")", SmtpAuth.TEMP_AUTH, false, null);
        }
        String mechanism = SmtpAuth.choose(login, offered);
        if (mechanism == null) {
            throw new SecurityFailure(relay + " offers AUTH " + String.join(" ", offered) + " but we allow only "
                    + String.join(" ", login.mechanisms()) + " (relay.auth_mechanisms or authinfo M:) with the "
                    + "credentials configured", SmtpAuth.TEMP_AUTH, false, null);
        }
        Reply ok = SmtpAuth.authenticate(line -> {
            command(line);
            return reply();
        }, login, mechanism, hostName, port, relay);
        trace.step("auth", true, mechanism + " as " + login.user() + ": " + ok.oneLine());
    }

    private static String handshake(SSLSocket s) {
        TlsPolicy.Handshake h = TlsPolicy.describe(s);
        return h.protocol() + " " + h.cipherSuite() + certificate(h.chain(), true);
    }

    /** Subject, issuer, expiry of the server's certificate, for check's output. */
    static String certificate(List<X509Certificate> chain, boolean verified) {
        if (chain == null || chain.isEmpty()) {
            return "";
        }
        X509Certificate c = chain.get(0);
        return "; certificate subject=" + c.getSubjectX500Principal().getName() + " issuer="
                + c.getIssuerX500Principal().getName() + " expires=" + c.getNotAfter().toInstant()
                + (verified ? " verified" : " NOT verified");
    }

    /** True once TLS protects the connection. */
    public boolean isEncrypted() {
        return tlsActive;
    }

    private void hello(String heloName, Trace trace) throws IOException, SessionRefused {
        command("EHLO " + heloName);
        Reply r = reply();
        trace.step("ehlo", r.isPositive(), r.oneLine());
        if (r.isPositive()) {
            extensions.clear();
            ehloLines = r.lines().subList(1, r.lines().size());
            for (int i = 1; i < r.lines().size(); i++) {
                String line = r.lines().get(i).toUpperCase(Locale.ROOT);
                String[] words = line.split(" ");
                extensions.add(words[0]);
                if (words[0].equals("SIZE") && words.length > 1) {
                    try {
                        maxSize = Long.parseLong(words[1]);
                    } catch (NumberFormatException ignored) {
                        maxSize = 0;
                    }
                }
            }
            return;
        }
        command("HELO " + heloName);
        Reply h = reply();
        trace.step("helo", h.isPositive(), h.oneLine());
        if (!h.isPositive()) {
            throw new SessionRefused(h);
        }
    }

    public String relay() {
        return relay;
    }

    public boolean offers(String extension) {
        return extensions.contains(extension.toUpperCase(Locale.ROOT));
    }

    /** True while the connection can carry another transaction. */
    public boolean isReusable() {
        return !broken && !socket.isClosed();
    }

    public int transactions() {
        return transactions;
    }

    private void command(String line) throws IOException {
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.write('\r');
        out.write('\n');
    }

    private Reply reply() throws IOException {
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

    /**
     * Sends one message to its pending recipients. Returns one outcome per pending recipient, in
     * order. An IOException means the connection failed; the caller classifies it for all.
     */
    public List<DeliveryOutcome> send(Envelope env, InputStream body) throws IOException {
        // Replies read within the transaction's deadline (DeadlineInput); the body's writes, each
        // bounded by the command timeout alone, are cut by the watchdog closing the socket.
        transactionEndNanos = System.nanoTime() + transactionTimeoutMillis * 1_000_000L;
        Deadline whole = Deadline.arm(tcp, transactionTimeoutMillis, transactionName());
        try {
            return transact(env, body);
        } catch (IOException e) {
            broken = true;
            throw whole.expired() && !(e instanceof Deadline.TooSlow) ? whole.timeout() : e;
        } finally {
            whole.close();
            transactionEndNanos = Long.MAX_VALUE;
        }
    }

    private List<DeliveryOutcome> transact(Envelope env, InputStream body) throws IOException {
        List<Recipient> rcpts = env.pending();
        transactions++;
        StringBuilder mail = new StringBuilder("MAIL FROM:").append(env.sender().bracketed());
        if (offers("SIZE")) {
            mail.append(" SIZE=").append(env.sizeBytes());
        }
        if (offers("8BITMIME") && env.bodyType().equals("8BITMIME")) {
            mail.append(" BODY=8BITMIME");
        }
        if (env.smtpUtf8()) {
            if (!offers("SMTPUTF8")) {
                return fail(rcpts, Reply.of(553, EnhancedStatus.NEEDS_SMTPUTF8,
                        "smarthost does not offer SMTPUTF8, which this message needs"));
            }
            mail.append(" SMTPUTF8");
        }
        boolean dsn = offers("DSN");
        if (dsn && !env.ret().isEmpty()) {
            mail.append(" RET=").append(env.ret());
        }
        if (dsn && !env.envId().isEmpty()) {
            mail.append(" ENVID=").append(DsnParameters.encodeXtext(env.envId()));
        }
        if (maxSize > 0 && env.sizeBytes() > maxSize) {
            return fail(rcpts, Reply.of(552, EnhancedStatus.TOO_BIG,
                    "message size " + env.sizeBytes() + " exceeds smarthost limit " + maxSize));
        }
        boolean pipelining = offers("PIPELINING");
        command(mail.toString());
        Reply mailReply = pipelining ? null : reply();
        if (mailReply != null && !mailReply.isPositive()) {
            return failAndReset(rcpts, mailReply);
        }
        List<Reply> rcptReplies = new ArrayList<>();
        for (Recipient r : rcpts) {
            command("RCPT TO:" + r.address().bracketed() + (dsn ? dsnParameters(r) : ""));
            if (!pipelining) {
                rcptReplies.add(reply());
            }
        }
        if (pipelining) {
            command("DATA");
            mailReply = reply();
            for (int i = 0; i < rcpts.size(); i++) {
                rcptReplies.add(reply());
            }
        }
        boolean anyAccepted = mailReply.isPositive() && rcptReplies.stream().anyMatch(Reply::isPositive);
        Reply dataReply;
        if (pipelining) {
            dataReply = reply();
        } else if (anyAccepted) {
            command("DATA");
            dataReply = reply();
        } else {
            dataReply = null;
        }
        if (!mailReply.isPositive()) {
            if (dataReply != null && dataReply.isIntermediate()) {
                command(".");
                reply();
            }
            return failAndReset(rcpts, mailReply);
        }
        List<DeliveryOutcome> outcomes = new ArrayList<>();
        if (!anyAccepted) {
            if (dataReply != null && dataReply.isIntermediate()) {
                command("."); // RFC 2920 3.1: the server took DATA though no RCPT succeeded
                reply();
            }
            command("RSET");
            reply();
            for (Reply r : rcptReplies) {
                outcomes.add(Classifier.classify(r, DeliveryOutcome.Scope.RECIPIENT, relay));
            }
            return outcomes;
        }
        if (!dataReply.isIntermediate()) {
            command("RSET");
            reply();
            return fail(rcpts, dataReply);
        }
        streamBody(env, body);
        Reply end = reply();
        for (Reply r : rcptReplies) {
            outcomes.add(r.isPositive() ? Classifier.classify(end, DeliveryOutcome.Scope.MESSAGE, relay)
                    : Classifier.classify(r, DeliveryOutcome.Scope.RECIPIENT, relay));
        }
        return outcomes;
    }

    /** RFC 3461: NOTIFY and ORCPT as the submitting client gave them, passed on unchanged. */
    private static String dsnParameters(Recipient r) {
        return (r.dsnNotify().isEmpty() ? "" : " NOTIFY=" + r.dsnNotify())
                + (r.orcpt().isEmpty() ? "" : " ORCPT=" + DsnParameters.orcptParameter(r.orcpt()));
    }

    private List<DeliveryOutcome> failAndReset(List<Recipient> rcpts, Reply reply) throws IOException {
        command("RSET");
        reply();
        return fail(rcpts, reply);
    }

    private List<DeliveryOutcome> fail(List<Recipient> rcpts, Reply reply) {
        DeliveryOutcome o = Classifier.classify(reply, DeliveryOutcome.Scope.MESSAGE, relay);
        List<DeliveryOutcome> out = new ArrayList<>();
        for (int i = 0; i < rcpts.size(); i++) {
            out.add(o);
        }
        return out;
    }

    /**
     * Copies the stored body as DATA; a line over 998 octets is broken (Postfix's
     * smtp_line_length_limit), logged so the change to the bytes is never silent.
     */
    private void streamBody(Envelope env, InputStream body) throws IOException {
        long breaks = new DataWriter(DataReader.MAX_LINE_OCTETS).write(body, out);
        if (breaks > 0) {
            log.info("{}: relay={}, {} line break(s) inserted: lines longer than {} octets", env.id(), relay,
                    breaks, DataReader.MAX_LINE_OCTETS);
        }
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
        }
    }
}
