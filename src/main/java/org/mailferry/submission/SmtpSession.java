package org.mailferry.submission;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.mailferry.message.Address;
import org.mailferry.message.Envelope;
import org.mailferry.message.Recipient;
import org.mailferry.queue.Spool;
import org.mailferry.smtp.DataReader;
import org.mailferry.smtp.EnhancedStatus;
import org.mailferry.smtp.PathArgument;
import org.mailferry.smtp.Reply;
import org.mailferry.smtp.SmtpInput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP conversation with a submitting client (RFC 5321), as an explicit state machine. Works
 * on any pair of streams, so the same code serves a TCP connection and {@code sendmail -bs}.
 * A message is acknowledged with 250 only after the spool has committed it.
 */
public final class SmtpSession {
    private static final Logger log = LoggerFactory.getLogger("mailferry.smtpd");
    private static final DateTimeFormatter RFC5322_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    enum State { GREETED, READY, MAIL, RCPT }

    /** A command that already answered (STARTTLS): nothing more to send. */
    private static final Reply NO_REPLY = Reply.of(220, null, "");

    private final SessionSettings settings;
    private final Spool spool;
    private final Consumer<Envelope> queued;
    private SmtpInput in;
    private OutputStream out;
    private TlsUpgrade tlsUpgrade;
    private AuthFailures authFailures;
    private PasswordChecks passwordChecks;
    private Refusals refusals = new Refusals();
    private boolean tlsActive;
    private String authUser;
    private final InetAddress clientAddress;
    private final String clientText;

    private State state = State.GREETED;
    private String helo = "";
    private boolean esmtp;
    private int errors;
    /** System.nanoTime() since when the session has waited for a command; 0 while it works (the listener's eviction). */
    private volatile long idleSinceNanos;
    private Address sender;
    private boolean bodyEightBit;
    private boolean smtpUtf8;
    private String ret = "";
    private String envId = "";
    private final List<Recipient> recipients = new ArrayList<>();

    public SmtpSession(SessionSettings settings, Spool spool, Consumer<Envelope> queued, SmtpInput in,
                       OutputStream out, InetAddress clientAddress) {
        this.settings = settings;
        this.spool = spool;
        this.queued = queued;
        this.in = in;
        this.out = out;
        this.clientAddress = clientAddress;
        this.clientText = clientAddress == null ? "local" : "[" + clientAddress.getHostAddress() + "]";
        in.setLineTimeoutMillis(settings.commandTimeout().toMillis());
    }

    /** Switches the connection to TLS after "220 Ready to start TLS"; returns the new streams. */
    public interface TlsUpgrade {
        Streams upgrade() throws IOException;
    }

    public record Streams(SmtpInput in, OutputStream out) {
    }

    /** Offers STARTTLS (and AUTH after it, when users are configured) on this connection. */
    public SmtpSession offerStartTls(TlsUpgrade upgrade) {
        this.tlsUpgrade = upgrade;
        return this;
    }

    /** Hashes AUTH passwords on this pool instead of the session's thread (the listener's, shared). */
    public SmtpSession checkPasswordsOn(PasswordChecks checks) {
        this.passwordChecks = checks;
        return this;
    }

    /** Slows down failed AUTH attempts from this session's client (the listener's, shared by its sessions). */
    public SmtpSession limitAuthFailures(AuthFailures failures) {
        this.authFailures = failures;
        return this;
    }

    /** Logs and counts refusals in the listener's shared {@link Refusals} (its metrics). */
    public SmtpSession reportRefusals(Refusals shared) {
        this.refusals = shared;
        return this;
    }

    /** Runs the conversation until QUIT, end of stream, timeout or too many errors. */
    public void run() throws IOException {
        reply(new Reply(220, null, List.of(settings.hostname() + " ESMTP Mailferry")));
        flush();
        while (true) {
            Reply r;
            try {
                idleSinceNanos = in.hasBuffered() ? 0 : System.nanoTime();
                byte[] raw = in.readLine(SessionSettings.MAX_COMMAND_OCTETS);
                idleSinceNanos = 0;
                if (raw == null) {
                    return;
                }
                r = command(raw);
            } catch (SmtpInput.LineTooLongException e) {
                r = Reply.LINE_TOO_LONG;
            } catch (SocketTimeoutException e) {
                reply(Reply.TIMEOUT);
                flush();
                return;
            }
            if (r == null) {
                return; // QUIT, or DATA ended the conversation
            }
            if (r == NO_REPLY) {
                continue; // STARTTLS answered before switching
            }
            if (r.code() >= 500 && r.code() <= 503 || r.code() == 535) { // syntax and sequence errors count toward the limit
                if (error(r)) {
                    return;
                }
            } else {
                reply(r);
            }
            if (!in.hasBuffered()) {
                flush(); // PIPELINING: replies go out together when the client waits for them
            }
        }
    }

    /** Since when (System.nanoTime()) the client has been idle between commands, or 0 when not idle. */
    long idleSinceNanos() {
        return idleSinceNanos;
    }

    /** Sends an error reply; true when the error limit is reached and the session must end. */
    private boolean error(Reply r) throws IOException {
        reply(r);
        if (++errors >= SessionSettings.MAX_ERRORS) {
            reply(Reply.of(421, EnhancedStatus.TEMP_PROTOCOL, "Too many errors, closing connection"));
            flush();
            return true;
        }
        return false;
    }

    private void reply(Reply r) throws IOException {
        out.write(r.wire());
    }

    private void flush() throws IOException {
        out.flush();
    }

    private Reply command(byte[] raw) throws IOException {
        for (byte b : raw) {
            if (b == 0) {
                return Reply.of(500, EnhancedStatus.SYNTAX, "NUL character in command");
            }
        }
        String line;
        try {
            line = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            return Reply.of(500, EnhancedStatus.SYNTAX, "Invalid UTF-8 in command");
        }
        int sp = line.indexOf(' ');
        String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
        String arg = sp < 0 ? "" : line.substring(sp + 1).strip();
        return switch (verb) {
            case "EHLO" -> hello(arg, true);
            case "HELO" -> hello(arg, false);
            case "MAIL" -> mail(arg);
            case "RCPT" -> rcpt(arg);
            case "DATA" -> data(arg);
            case "RSET" -> {
                reset();
                yield Reply.OK;
            }
            case "NOOP" -> Reply.OK;
            case "VRFY", "EXPN" -> arg.isEmpty() ? Reply.of(501, EnhancedStatus.BAD_PARAMETERS,
                    "Syntax: " + verb + " <address>") : Reply.VRFY;
            case "HELP" -> new Reply(214, EnhancedStatus.OK, List.of(
                    "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP",
                    "See RFC 5321"));
            case "QUIT" -> {
                reply(Reply.CLOSING);
                flush();
                yield null;
            }
            case "STARTTLS" -> startTls(arg);
            case "AUTH" -> auth(arg);
            case "BDAT", "ETRN", "TURN" ->
                    Reply.of(502, EnhancedStatus.UNKNOWN_COMMAND, "Command not implemented");
            default -> Reply.UNKNOWN_COMMAND;
        };
    }

    private Reply startTls(String arg) throws IOException {
        if (tlsUpgrade == null) {
            return Reply.of(502, EnhancedStatus.UNKNOWN_COMMAND, "Command not implemented");
        }
        if (!arg.isEmpty()) {
            return Reply.of(501, EnhancedStatus.BAD_PARAMETERS, "STARTTLS takes no arguments");
        }
        if (tlsActive) {
            return Reply.of(503, EnhancedStatus.BAD_SEQUENCE, "TLS already active");
        }
        reply(Reply.of(220, EnhancedStatus.OK, "Ready to start TLS"));
        flush();
        in.discardBuffered(); // commands sent before the handshake are not trusted (CVE-2011-0411)
        Streams s = tlsUpgrade.upgrade();
        in = s.in();
        in.setLineTimeoutMillis(settings.commandTimeout().toMillis());
        out = s.out();
        tlsActive = true;
        reset();
        state = State.GREETED; // RFC 3207 4.2: forget everything, the client says EHLO again
        helo = "";
        esmtp = false;
        return NO_REPLY;
    }

    private Reply auth(String arg) throws IOException {
        if (settings.users() == null) {
            return Reply.of(502, EnhancedStatus.UNKNOWN_COMMAND, "Command not implemented");
        }
        if (!tlsActive) {
            return SaslExchange.ENCRYPTION_REQUIRED;
        }
        if (state == State.GREETED) {
            return Reply.NEED_HELO;
        }
        if (authUser != null) {
            return SaslExchange.ALREADY;
        }
        if (state != State.READY) {
            return Reply.of(503, EnhancedStatus.BAD_SEQUENCE, "AUTH not allowed during a mail transaction");
        }
        SaslExchange.Result r = SaslExchange.run(arg, settings.users(), passwordChecks, new SaslExchange.Channel() {
            @Override
            public void send(Reply challenge) throws IOException {
                reply(challenge);
                flush();
            }

            @Override
            public byte[] readLine() throws IOException {
                return in.readLine(SaslExchange.MAX_RESPONSE_OCTETS);
            }
        });
        if (r.user() != null) {
            authUser = r.user();
            log.info("{}: authenticated as {}", clientText, sanitize(authUser));
            if (authFailures != null && clientAddress != null) {
                authFailures.succeeded(clientAddress);
            }
        } else if (r.reply() == SaslExchange.AUTH_INVALID) {
            authFailed(arg);
        } else if (r.reply() == SaslExchange.BUSY) {
            refusals.refused(Refusals.Reason.AUTH_FAILED, "AUTH", r.reply(),
                    new Refusals.Context(clientText, null, null, null, null), "password checks busy, not checked");
        }
        return r.reply();
    }

    /** Postfix's log line for a failed AUTH, then the client's growing wait before its 535. */
    private void authFailed(String arg) {
        Reply r = Reply.of(SaslExchange.AUTH_INVALID.code(), SaslExchange.AUTH_INVALID.status(),
                "SASL " + sanitize(arg.strip().split(" +")[0].toUpperCase(Locale.ROOT)) + " authentication failed");
        Refusals.Context c = new Refusals.Context(clientText, null, null, null, null);
        if (authFailures == null || clientAddress == null) {
            refusals.refused(Refusals.Reason.AUTH_FAILED, "AUTH", r, c, "");
            return;
        }
        AuthFailures.Failure f = authFailures.failed(clientAddress);
        refusals.refused(Refusals.Reason.AUTH_FAILED, "AUTH", r, c,
                "failure " + f.count() + " from this client, reply delayed " + f.delay().toMillis() + " ms");
        authFailures.pause(f);
    }

    private Reply hello(String arg, boolean extended) {
        if (arg.isEmpty() || arg.contains(" ") && !arg.startsWith("[")) {
            return Reply.of(501, EnhancedStatus.BAD_PARAMETERS, "Syntax: " + (extended ? "EHLO" : "HELO") + " hostname");
        }
        reset();
        helo = arg;
        esmtp = extended;
        state = State.READY;
        if (!extended) {
            return new Reply(250, null, List.of(settings.hostname()));
        }
        List<String> lines = new ArrayList<>(List.of(
                settings.hostname(),
                "PIPELINING",
                "SIZE " + settings.maxMessageSizeBytes(),
                "8BITMIME",
                "ENHANCEDSTATUSCODES",
                "SMTPUTF8",
                "DSN"));
        if (tlsUpgrade != null && !tlsActive) {
            lines.add("STARTTLS");
        }
        if (settings.users() != null && tlsActive) {
            lines.add("AUTH PLAIN LOGIN");
        }
        lines.add("HELP");
        return new Reply(250, null, lines);
    }

    private void reset() {
        sender = null;
        recipients.clear();
        bodyEightBit = false;
        smtpUtf8 = false;
        ret = "";
        envId = "";
        if (state != State.GREETED) {
            state = State.READY;
        }
    }

    private Reply mail(String arg) {
        if (state == State.GREETED) {
            return Reply.NEED_HELO;
        }
        if (state != State.READY) {
            return Reply.NESTED_MAIL;
        }
        PathArgument p;
        try {
            p = PathArgument.parse(arg, "FROM");
        } catch (PathArgument.SyntaxException e) {
            return Reply.of(501, EnhancedStatus.BAD_SENDER_SYNTAX, e.getMessage());
        }
        EnvelopeParameters.Mail m;
        try {
            m = EnvelopeParameters.mail(p.parameters(), settings.maxMessageSizeBytes());
        } catch (EnvelopeParameters.Refused e) {
            if (e.reply.code() == 552) {
                refusals.refused(Refusals.Reason.MESSAGE_TOO_BIG, "MAIL", e.reply,
                        context(p.address().value(), null), "");
            }
            return e.reply;
        }
        if (p.address().isInternational() && !m.smtpUtf8()) {
            return Reply.of(553, EnhancedStatus.NEEDS_SMTPUTF8, "Non-ASCII address requires SMTPUTF8");
        }
        if (!esmtp && !p.parameters().isEmpty()) {
            return Reply.of(555, EnhancedStatus.BAD_PARAMETERS, "MAIL parameters need EHLO");
        }
        sender = p.address();
        smtpUtf8 = m.smtpUtf8();
        bodyEightBit = m.eightBit();
        ret = m.ret();
        envId = m.envId();
        state = State.MAIL;
        return Reply.SENDER_OK;
    }

    private Reply rcpt(String arg) {
        if (state == State.GREETED) {
            return Reply.NEED_HELO;
        }
        if (state != State.MAIL && state != State.RCPT) {
            return Reply.NEED_MAIL;
        }
        PathArgument p;
        try {
            p = PathArgument.parse(arg, "TO");
        } catch (PathArgument.SyntaxException e) {
            return Reply.of(501, EnhancedStatus.BAD_DESTINATION_SYNTAX, e.getMessage());
        }
        if (p.address().isNull()) {
            return Reply.of(501, EnhancedStatus.BAD_DESTINATION_SYNTAX, "Empty recipient address");
        }
        if (!esmtp && !p.parameters().isEmpty()) {
            return Reply.of(555, EnhancedStatus.BAD_PARAMETERS, "RCPT parameters need EHLO");
        }
        EnvelopeParameters.Rcpt r;
        try {
            r = EnvelopeParameters.rcpt(p.parameters());
        } catch (EnvelopeParameters.Refused e) {
            return e.reply;
        }
        if (p.address().isInternational() && !smtpUtf8) {
            return Reply.of(553, EnhancedStatus.NEEDS_SMTPUTF8, "Non-ASCII address requires SMTPUTF8");
        }
        if (clientAddress != null && authUser == null && !settings.policy().mayRelay(clientAddress)) {
            Reply denied = Reply.of(554, EnhancedStatus.RELAY_DENIED, sanitize(p.address().bracketed())
                    + ": Relay access denied");
            refusals.refused(Refusals.Reason.RELAY_DENIED, "RCPT", denied,
                    context(sender.value(), p.address().value()), "");
            return denied;
        }
        if (recipients.size() >= settings.maxRecipients()) {
            refusals.refused(Refusals.Reason.TOO_MANY_RECIPIENTS, "RCPT", Reply.TOO_MANY_RECIPIENTS,
                    context(sender.value(), p.address().value()), "");
            return Reply.TOO_MANY_RECIPIENTS;
        }
        recipients.add(new Recipient(p.address(), Recipient.State.PENDING, "", r.orcpt(), r.notifyOn()));
        state = State.RCPT;
        return Reply.RECIPIENT_OK;
    }

    private Reply data(String arg) throws IOException {
        if (!arg.isEmpty()) {
            return Reply.of(501, EnhancedStatus.BAD_PARAMETERS, "DATA takes no arguments");
        }
        if (state == State.GREETED) {
            return Reply.NEED_HELO;
        }
        if (state == State.READY) {
            return Reply.NEED_MAIL;
        }
        if (state == State.MAIL) {
            return Reply.NO_VALID_RECIPIENTS;
        }
        Spool.Incoming incoming;
        try {
            incoming = spool.create();
        } catch (IOException e) {
            log.error("spool: cannot create a message file: {}", e.toString());
            return spoolFailure(e);
        }
        try (incoming) {
            Instant now = settings.clock().instant();
            byte[] received = receivedHeader(incoming.id().value(), now);
            reply(Reply.START_DATA);
            flush();
            CountingSink sink = new CountingSink(incoming.body());
            sink.write(received);
            HeaderRewriter headers = settings.headers().forClient(sink, // Bcc removed; local names qualified
                    clientAddress == null || settings.policy().mayRelay(clientAddress)); // for mynetworks
            DataReader.Result r;
            in.limitTransfer(settings.dataLimit());
            try {
                r = new DataReader(settings.maxMessageSizeBytes(), settings.maxLineLength()).read(in, headers);
            } catch (SmtpInput.TransferTooSlowException e) {
                log.warn("{}: client {} too slow in DATA: {} (smtpd.data_timeout, smtpd.min_data_rate); "
                        + "disconnected", incoming.id(), clientText, e.getMessage());
                reply(Reply.TIMEOUT);
                flush();
                return null;
            } finally {
                in.endTransfer();
            }
            headers.finish();
            if (!r.ended()) {
                log.info("{}: client {} disconnected during DATA", incoming.id(), clientText);
                return null;
            }
            Reply refusal = refusal(r);
            if (refusal != null) {
                refusals.refused(reason(r), "END-OF-MESSAGE", refusal, context(sender.value(),
                        recipients.size() == 1 ? recipients.get(0).address().value() : null), "");
                reset();
                return refusal;
            }
            if (sink.failure != null) {
                log.error("{}: spool write failed during DATA: {}", incoming.id(), sink.failure.toString());
                reset();
                return spoolFailure(sink.failure);
            }
            Envelope env = new Envelope(incoming.id(), now, sender, recipients,
                    bodyEightBit || r.eightBit() ? "8BITMIME" : "7BIT", smtpUtf8, sink.count, envId, ret,
                    authUser == null ? clientText : clientText + ", sasl_username=" + sanitize(authUser), // as Postfix logs
                    0, now, false, List.of());
            try {
                spool.commit(incoming, env);
            } catch (IOException e) {
                log.error("{}: spool commit failed: {}", incoming.id(), e.toString());
                reset();
                return spoolFailure(e);
            }
            reset();
            queued.accept(env);
            return Reply.of(250, EnhancedStatus.OK, "Ok: " + incoming.queuedAs());
        }
    }

    private Reply refusal(DataReader.Result r) {
        if (r.oversize()) {
            return Reply.TOO_BIG;
        }
        if (r.bareLineEnding()) {
            return Reply.BARE_LINE_ENDING;
        }
        if (r.nul()) {
            return Reply.NUL_IN_DATA;
        }
        if (r.longLine()) {
            return Reply.DATA_LINE_TOO_LONG;
        }
        return null;
    }

    private static Refusals.Reason reason(DataReader.Result r) {
        return r.oversize() ? Refusals.Reason.MESSAGE_TOO_BIG : r.bareLineEnding() ? Refusals.Reason.BARE_LINE_ENDING
                : r.nul() ? Refusals.Reason.NUL_IN_DATA : Refusals.Reason.LINE_TOO_LONG;
    }

    /** Postfix's {@code from=<> to=<> proto= helo=<>} for a log line; {@code to} null when not one recipient. */
    private Refusals.Context context(String from, String to) {
        return new Refusals.Context(clientText, sanitize(from), to == null ? null : sanitize(to),
                esmtp ? "ESMTP" : "SMTP", sanitize(helo));
    }

    private static Reply spoolFailure(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("No space left") || m.contains("Disk quota") ? Reply.SPOOL_FULL : Reply.SPOOL_FAILURE;
    }

    private byte[] receivedHeader(String id, Instant now) {
        String with = (smtpUtf8 ? "UTF8SMTP" : esmtp ? "ESMTP" : "SMTP") + (tlsActive && esmtp ? "S" : "")
                + (authUser != null && esmtp ? "A" : ""); // RFC 3848
        StringBuilder sb = new StringBuilder(200)
                .append("Received: from ").append(sanitize(helo)).append(" (").append(clientText).append(")\r\n")
                .append(authUser == null ? "" : "\t(Authenticated sender: " + sanitize(authUser) + ")\r\n")
                .append("\tby ").append(settings.hostname()).append(" (Mailferry) with ").append(with)
                .append(clientAddress == null ? "" : " id " + id); // sendmail -bs: the daemon's own Received names its id
        if (recipients.size() == 1) {
            sb.append("\r\n\tfor ").append(recipients.get(0).address().bracketed());
        }
        sb.append("; ").append(RFC5322_DATE.format(now.atZone(ZoneOffset.UTC))).append("\r\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String sanitize(String s) {
        return s.replaceAll("[^\\x21-\\x7e\\u0080-\\uffff]", "?");
    }
}
