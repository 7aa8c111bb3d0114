package org.mailferry.delivery;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mailferry.message.Address;
import org.mailferry.smtp.EnhancedStatus;
import org.mailferry.smtp.Reply;

/**
 * The one place that decides retry versus bounce (as Postfix's smtp_trouble.c); no other class
 * judges a reply, a failure or the clock. docs/delivery.md has the same rules as a table;
 * ClassifierTest checks each row. In order:
 * <ol>
 *   <li>2xx: delivered.</li>
 *   <li>4xx: temporary, whatever the enhanced code says (RFC 5321 4.2.1: the reply code's class
 *       rules; a "4xx 5.x.x" is still temporary, and the status is reported as given).</li>
 *   <li>5xx: permanent. Scope: a reply to RCPT concerns that recipient; a reply to MAIL, DATA or
 *       the final dot concerns the whole message (every recipient of the transaction)
 *       ({@link #outcomes(Transcript)}).</li>
 *   <li>The session refused (greeting or EHLO not 2xx, even 5xx): temporary, site scope. A
 *       smarthost that will not talk to us now is a configuration or capacity problem, never the
 *       recipient's; bouncing every queued message on it would be wrong. 5.x.y becomes 4.x.y.
 *       TLS or AUTH that does not work out is the same: temporary, site scope.</li>
 *   <li>No reply at all (connect refused, timeout, reset): temporary, site scope. A session that
 *       times out midway marks its site down like one that cannot be reached; a reused connection
 *       lost otherwise gets one fresh try ({@link #broken}).</li>
 *   <li>A reply without an enhanced code gets X.0.0 of its class.</li>
 *   <li>No address to connect to ({@link LookupFailure}, RFC 5321 5.1): DNS trouble (SERVFAIL,
 *       REFUSED, timeout) is temporary, 4.4.3, site scope; a null MX (RFC 7505) is permanent,
 *       5.1.10, for the whole message (as the MX issue asks; Postfix reports 5.1.0); a smarthost name
 *       that does not exist (NXDOMAIN) or has no address, or whose MX hosts have none, is a
 *       configuration problem of ours, not the recipient's: temporary, 4.3.5, site scope, as
 *       Postfix's smtp_connect.c softens any hard error for the relayhost ("relayhost configuration
 *       problem"), so a typo in relay.smarthost keeps mail queued instead of bouncing all of it.</li>
 *   <li>What the smarthost cannot take (SMTPUTF8 not offered, over its SIZE): permanent, message
 *       scope, without sending it; a body we cannot read: temporary, message scope.</li>
 *   <li>Expiry: past queue.lifetime a message is not tried again, and a temporary failure at or
 *       after its end is final; either way the recipient bounces with 4.4.7 ({@link #fate}).</li>
 *   <li>A quota reply ({@link QuotaReplies}: a daily cap, a rate limit, SubmissionQuotaExceeded,
 *       x.4.5), at any stage, even 5xx: temporary (5.x.y reported as 4.x.y), marked with its row so
 *       the runner pauses the whole route until the quota resets. The provider refuses the login
 *       for now, never the recipient: a bounce would lose mail that goes through tomorrow.</li>
 * </ol>
 */
public final class Classifier {
    /** A recipient that failed because the message stayed queued too long (RFC 3463). */
    static final EnhancedStatus EXPIRED = new EnhancedStatus(4, 4, 7);
    /** No smarthost configured: the message waits for one (temporary, never a bounce). */
    static final EnhancedStatus NO_SMARTHOST = new EnhancedStatus(4, 3, 5);
    /** X.4.3, "directory server failure" (RFC 3463): the DNS did not answer usefully. */
    static final EnhancedStatus TEMP_DNS = new EnhancedStatus(4, 4, 3);
    /** X.1.10, "recipient address has null MX" (RFC 7505 4.2). */
    static final EnhancedStatus NULL_MX = new EnhancedStatus(5, 1, 10);

    private Classifier() {
    }

    public static DeliveryOutcome classify(Reply reply, DeliveryOutcome.Scope scope, String relay) {
        EnhancedStatus status = reply.status() != null ? reply.status() : defaultStatus(reply.code());
        String text = reply.oneLine();
        if (reply.isPositive()) {
            return new DeliveryOutcome.Delivered(relay, text, status);
        }
        QuotaReplies.Row quota = QuotaReplies.match(reply);
        if (quota != null) {
            // rule 10: the route's quota is used up; it pauses, the message waits (a 5.4.5 never bounces)
            return new DeliveryOutcome.TemporaryFailure(scope, relay, text, temporary(status), quota);
        }
        if (reply.isTransientNegative()) {
            return new DeliveryOutcome.TemporaryFailure(scope, relay, text, status);
        }
        return new DeliveryOutcome.PermanentFailure(scope, relay, text, status);
    }

    /** The greeting or EHLO/HELO was refused: always temporary, site scope (rule 4). */
    public static DeliveryOutcome.TemporaryFailure classifySessionRefused(Reply reply, String relay) {
        EnhancedStatus s = reply.status() != null ? reply.status() : defaultStatus(reply.code());
        return new DeliveryOutcome.TemporaryFailure(DeliveryOutcome.Scope.SITE, relay,
                "smarthost refused the session: " + reply.oneLine(), temporary(s), QuotaReplies.match(reply));
    }

    /** 5.x.y becomes 4.x.y: a failure that is not the recipient's, reported as temporary. */
    private static EnhancedStatus temporary(EnhancedStatus s) {
        return s.klass() == 5 ? new EnhancedStatus(4, s.subject(), s.detail()) : s;
    }

    /** TLS or AUTH did not work out: temporary, site scope, the status the failure names (rule 4). */
    static DeliveryOutcome.TemporaryFailure classify(SecurityFailure e, String relay) {
        return new DeliveryOutcome.TemporaryFailure(DeliveryOutcome.Scope.SITE, relay, e.getMessage(), e.status());
    }

    /** A failure that produced no reply at all: always temporary, site scope (rule 5). */
    public static DeliveryOutcome.TemporaryFailure classify(IOException e, String what, String relay) {
        EnhancedStatus status = e instanceof SocketTimeoutException ? EnhancedStatus.TEMP_TIMEOUT
                : e instanceof UnknownHostException ? EnhancedStatus.TEMP_ROUTING
                : EnhancedStatus.TEMP_NETWORK;
        String reason = e instanceof Deadline.TooSlow ? e.getMessage()
                : e instanceof SocketTimeoutException ? "timeout" : e.getMessage() == null
                ? e.getClass().getSimpleName() : e.getMessage();
        return new DeliveryOutcome.TemporaryFailure(DeliveryOutcome.Scope.SITE, relay, what + ": " + reason, status);
    }

    /** No address to try for any smarthost (rule 7). */
    public static DeliveryOutcome classify(LookupFailure f) {
        return switch (f.kind()) {
            case TEMPORARY -> new DeliveryOutcome.TemporaryFailure(DeliveryOutcome.Scope.SITE, "none", f.getMessage(),
                    TEMP_DNS);
            case NULL_MX -> new DeliveryOutcome.PermanentFailure(DeliveryOutcome.Scope.MESSAGE, "none", f.getMessage(),
                    NULL_MX);
            case NO_SUCH_NAME, NO_ADDRESS -> new DeliveryOutcome.TemporaryFailure(DeliveryOutcome.Scope.SITE, "none",
                    f.getMessage(), NO_SMARTHOST);
        };
    }

    /** What a session that broke in the middle of a transaction means for its site (rule 5). */
    enum Broken {
        /** A reused connection, closed by the server while idle or dropped by a middlebox: one fresh try. */
        RETRY_FRESH,
        /**
         * The site answered too slowly or not at all: it is failing, marked down as if its session
         * could not be opened (Postfix throttles a destination after a timeout, smtp_stream_except).
         */
        SITE_FAILING,
        /** The connection was lost: the message is deferred, the site stays up. */
        DEFERRED
    }

    /** @param reused the connection had carried an earlier message */
    static Broken broken(IOException e, boolean reused) {
        if (reused) {
            // a reused connection that was too slow is the site's doing; any other loss may be the idle connection's
            return e instanceof Deadline.TooSlow ? Broken.SITE_FAILING : Broken.RETRY_FRESH;
        }
        return e instanceof SocketTimeoutException ? Broken.SITE_FAILING : Broken.DEFERRED;
    }

    /**
     * One outcome per recipient of a transaction (rules 1 to 3, 8): what we could not send
     * refuses the message; a refused MAIL FROM, DATA or final dot concerns every recipient; a
     * refused RCPT concerns its recipient; an accepted one gets the final dot's reply.
     */
    static Outcomes outcomes(Transcript t) {
        Reply whole = t.unsendable() != null ? unsendable(t.unsendable())
                : !t.mail().isPositive() ? t.mail()
                : t.noneAccepted() ? null
                : !t.data().isIntermediate() ? t.data() : null;
        Map<Address, DeliveryOutcome> out = new LinkedHashMap<>();
        for (Address a : t.recipients()) {
            Reply rcpt = t.rcpt().get(a);
            DeliveryOutcome o = whole != null ? classify(whole, DeliveryOutcome.Scope.MESSAGE, t.relay())
                    : rcpt.isPositive() ? classify(t.end(), DeliveryOutcome.Scope.MESSAGE, t.relay())
                    : classify(rcpt, DeliveryOutcome.Scope.RECIPIENT, t.relay());
            out.putIfAbsent(a, o);
        }
        return new Outcomes(out);
    }

    /** Rule 8: the smarthost cannot take the message as it is; a copy would be refused the same way. */
    private static Reply unsendable(Transcript.Unsendable u) {
        return switch (u) {
            case Transcript.Unsendable.NeedsSmtpUtf8 n -> Reply.of(553, EnhancedStatus.NEEDS_SMTPUTF8,
                    "smarthost does not offer SMTPUTF8, which this message needs");
            case Transcript.Unsendable.TooBig b -> Reply.of(552, EnhancedStatus.TOO_BIG,
                    "message size " + b.sizeBytes() + " exceeds smarthost limit " + b.limitBytes());
        };
    }

    /** Rule 8: the body cannot be read from the spool: our problem, neither the site's nor the recipient's. */
    static DeliveryOutcome.TemporaryFailure unreadableBody(IOException e) {
        return new DeliveryOutcome.TemporaryFailure(DeliveryOutcome.Scope.MESSAGE, "none",
                "cannot read the message body from the spool: " + e, EnhancedStatus.TEMP_LOCAL_ERROR);
    }

    /** Rule 9: past its lifetime (strictly), a message is not tried again. */
    static boolean tooOldToTry(Instant arrival, Duration lifetime, Instant now) {
        return now.isAfter(arrival.plus(lifetime));
    }

    /** Rule 9: at or after its lifetime's end, an attempt's temporary failure is final. */
    static boolean expired(Instant arrival, Duration lifetime, Instant now) {
        return !now.isBefore(arrival.plus(lifetime));
    }

    /** What becomes of a pending recipient after an attempt. */
    enum Fate {
        DELIVERED, BOUNCED, EXPIRED, DEFERRED,
        /** Not tried by this attempt (a step left it out), still in time: pending, unchanged. */
        UNTRIED
    }

    /**
     * @param o       the recipient's outcome; null when it was not tried (the message expired
     *                untried, or a step of the attempt left it out)
     * @param expired the message's lifetime is over ({@link #expired})
     */
    static Fate fate(DeliveryOutcome o, boolean expired) {
        if (o instanceof DeliveryOutcome.Delivered) {
            return Fate.DELIVERED;
        }
        if (o instanceof DeliveryOutcome.PermanentFailure) {
            return Fate.BOUNCED;
        }
        return expired ? Fate.EXPIRED : o == null ? Fate.UNTRIED : Fate.DEFERRED;
    }

    /** The status a failure notice gives a failed recipient: its permanent reply's, else 4.4.7 (expired). */
    static String failureStatus(DeliveryOutcome o) {
        return o instanceof DeliveryOutcome.PermanentFailure p ? p.status().toString() : EXPIRED.toString();
    }

    private static EnhancedStatus defaultStatus(int code) {
        if (code < 300) {
            return EnhancedStatus.OK;
        }
        return code < 500 ? new EnhancedStatus(4, 0, 0) : EnhancedStatus.PERM_OTHER;
    }
}
