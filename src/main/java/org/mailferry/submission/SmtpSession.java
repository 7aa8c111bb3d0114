package org.mailferry.submission;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Consumer;
import org.mailferry.message.Envelope;
import org.mailferry.queue.Spool;
import org.mailferry.smtp.Reply;
import org.mailferry.smtp.SmtpInput;

/**
 * One SMTP conversation with a submitting client (RFC 5321), as an explicit state machine. Works
 * on any pair of streams, so the same code serves a TCP connection and {@code sendmail -bs}.
 * A message is acknowledged with 250 only after the spool has committed it.
 * <p>
 * Shaped after OpenSMTPD's smtp_session.c: each command line is looked up in the {@link Command}
 * table, which refuses what is not offered, not valid in this state or given arguments it takes
 * none of; then the command's check step (syntax, policy: the refusal) and its proceed step (do
 * it). MAIL and RCPT are in {@link EnvelopeSteps}, DATA in {@link DataStep}, AUTH in {@link AuthStep};
 * every reply text is in {@link Replies}.
 */
public final class SmtpSession {
    enum State { GREETED, READY, MAIL, RCPT }

    /** A command that already answered (STARTTLS): nothing more to send. */
    private static final Reply NO_REPLY = Reply.of(220, null, "");

    private final SessionSettings settings;
    private SmtpInput in;
    private OutputStream out;
    private TlsUpgrade tlsUpgrade;
    private AuthFailures authFailures;
    private PasswordChecks passwordChecks;
    private Refusals refusals = new Refusals();
    private final Client client;
    private final Transaction transaction = new Transaction();
    private final EnvelopeSteps envelope;
    private final DataStep data;
    private final AuthStep auth;

    private State state = State.GREETED;
    private boolean greetingSent;
    private int errors;
    /** System.nanoTime() since when the session has waited for a command; 0 while it works (the listener's eviction). */
    private volatile long idleSinceNanos;

    public SmtpSession(SessionSettings settings, Spool spool, Consumer<Envelope> queued, SmtpInput in,
                       OutputStream out, InetAddress clientAddress) {
        this.settings = settings;
        this.in = in;
        this.out = out;
        this.client = new Client(clientAddress);
        this.envelope = new EnvelopeSteps(this, client, settings, transaction);
        this.data = new DataStep(this, client, settings, spool, queued, transaction);
        this.auth = new AuthStep(this, client, settings.users());
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

    /** The listener wrote the greeting as it accepted the connection: the session starts at the first command. */
    public SmtpSession greetingSent() {
        this.greetingSent = true;
        return this;
    }

    /** Logs and counts refusals in the listener's shared {@link Refusals} (its metrics). */
    public SmtpSession reportRefusals(Refusals shared) {
        this.refusals = shared;
        return this;
    }

    /** Runs the conversation until QUIT, end of stream, timeout or too many errors. */
    public void run() throws IOException {
        if (!greetingSent) {
            reply(Replies.greeting(settings.hostname()));
            flush();
        }
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
                r = Replies.LINE_TOO_LONG;
            } catch (SocketTimeoutException e) {
                reply(Replies.TIMEOUT);
                flush();
                return;
            }
            if (r == null) {
                return; // QUIT, or DATA ended the conversation
            }
            if (NO_REPLY.equals(r)) {
                continue; // STARTTLS answered before switching
            }
            if ((r.code() >= 500 && r.code() <= 503) || r.code() == 535) { // syntax and sequence errors count toward the limit
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
            reply(Replies.TOO_MANY_ERRORS);
            flush();
            return true;
        }
        return false;
    }

    /** One command line: decoded, looked up in the table, then its check and proceed steps. Null ends the session. */
    private Reply command(byte[] raw) throws IOException {
        for (byte b : raw) {
            if (b == 0) {
                return Replies.NUL_IN_COMMAND;
            }
        }
        String line;
        try {
            line = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            return Replies.INVALID_UTF8;
        }
        int sp = line.indexOf(' ');
        Command c = Command.of((sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT));
        if (c == null) {
            return Replies.UNKNOWN_COMMAND;
        }
        String arg = sp < 0 ? "" : line.substring(sp + 1).strip();
        Reply refused = c.refusal(this, arg);
        return refused != null ? refused : checkAndProceed(c, arg);
    }

    /** The command's check step and, when it refuses nothing, its proceed step. */
    private Reply checkAndProceed(Command c, String arg) throws IOException {
        return switch (c) {
            case HELO, EHLO -> {
                Reply r = checkHello(c, arg);
                yield r != null ? r : proceedHello(c, arg);
            }
            case MAIL -> {
                EnvelopeSteps.Checked<EnvelopeSteps.MailFrom> m = envelope.checkMail(arg);
                yield m.refusal() != null ? m.refusal() : envelope.proceedMail(m.command());
            }
            case RCPT -> {
                EnvelopeSteps.Checked<EnvelopeSteps.RcptTo> r = envelope.checkRcpt(arg);
                yield r.refusal() != null ? r.refusal() : envelope.proceedRcpt(r.command());
            }
            case DATA -> data.proceed(); // the table is its check: after RCPT, no arguments
            case RSET -> {
                reset();
                yield Replies.OK;
            }
            case NOOP -> Replies.OK;
            case VRFY, EXPN -> arg.isEmpty() // check: an address given; proceed: 252, never a lookup
                    ? Replies.syntax(c.name(), "<address>") : Replies.CANNOT_VERIFY;
            case HELP -> Replies.HELP;
            case QUIT -> {
                reply(Replies.CLOSING);
                flush();
                yield null;
            }
            case STARTTLS -> client.tlsActive() // check: not over TLS already; proceed: the handshake
                    ? Replies.TLS_ALREADY_ACTIVE : proceedStartTls();
            case AUTH -> auth.proceed(arg); // the table is its check: offered, over TLS, once, outside a transaction
            case BDAT, ETRN, TURN -> throw new IllegalStateException(c + " is never offered: the table refuses it");
        };
    }

    private static Reply checkHello(Command c, String arg) {
        return arg.isEmpty() || (arg.contains(" ") && !arg.startsWith("[")) ? Replies.syntax(c.name(), "hostname") : null;
    }

    private Reply proceedHello(Command c, String arg) {
        reset();
        client.greeted(arg, c == Command.EHLO);
        state = State.READY;
        return client.esmtp() ? Replies.ehlo(settings.hostname(), settings.maxMessageSizeBytes(),
                startTlsOffered() && !client.tlsActive(), authOffered() && client.tlsActive())
                : Replies.helo(settings.hostname());
    }

    private Reply proceedStartTls() throws IOException {
        reply(Replies.READY_TO_START_TLS);
        flush();
        in.discardBuffered(); // commands sent before the handshake are not trusted (CVE-2011-0411)
        Streams s = tlsUpgrade.upgrade();
        in = s.in();
        in.setLineTimeoutMillis(settings.commandTimeout().toMillis());
        out = s.out();
        client.tlsStarted();
        reset();
        state = State.GREETED; // RFC 3207 4.2: forget everything, the client says EHLO again
        return NO_REPLY;
    }

    /** Ends the transaction (RSET, EHLO, the end of DATA): back to READY unless still waiting for EHLO. */
    void reset() {
        transaction.clear();
        if (state != State.GREETED) {
            state = State.READY;
        }
    }

    void reply(Reply r) throws IOException {
        out.write(r.wire());
    }

    void flush() throws IOException {
        out.flush();
    }

    SmtpInput input() {
        return in;
    }

    State state() {
        return state;
    }

    void enter(State next) {
        state = next;
    }

    boolean startTlsOffered() {
        return tlsUpgrade != null;
    }

    boolean authOffered() {
        return settings.users() != null;
    }

    Client client() {
        return client;
    }

    Refusals refusals() {
        return refusals;
    }

    AuthFailures authFailures() {
        return authFailures;
    }

    PasswordChecks passwordChecks() {
        return passwordChecks;
    }
}
