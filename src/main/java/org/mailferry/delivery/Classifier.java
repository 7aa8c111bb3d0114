package org.mailferry.delivery;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import org.mailferry.smtp.EnhancedStatus;
import org.mailferry.smtp.Reply;

/**
 * The one place that decides retry versus bounce (as Postfix's smtp_trouble.c). docs/delivery.md
 * has the same rules as a table; ClassifierTest checks each row. In order:
 * <ol>
 *   <li>2xx: delivered.</li>
 *   <li>4xx: temporary, whatever the enhanced code says (RFC 5321 4.2.1: the reply code's class
 *       rules; a "4xx 5.x.x" is still temporary, and the status is reported as given).</li>
 *   <li>5xx: permanent. Scope: a reply to RCPT concerns that recipient; a reply to MAIL, DATA or
 *       the final dot concerns the whole message (every recipient of the transaction).</li>
 *   <li>The session refused (greeting or EHLO not 2xx, even 5xx): temporary, site scope. A
 *       smarthost that will not talk to us now is a configuration or capacity problem, never the
 *       recipient's; bouncing every queued message on it would be wrong. 5.x.y becomes 4.x.y.</li>
 *   <li>No reply at all (connect refused, timeout, reset): temporary, site scope.</li>
 *   <li>A reply without an enhanced code gets X.0.0 of its class.</li>
 *   <li>No address to connect to ({@link LookupFailure}, RFC 5321 5.1): DNS trouble (SERVFAIL,
 *       REFUSED, timeout) is temporary, 4.4.3, site scope; a null MX (RFC 7505) is permanent,
 *       5.1.10, for the whole message; a name that does not exist (NXDOMAIN) or has no address, or
 *       whose MX hosts have none, is permanent, 5.4.4. Permanent only when every smarthost in the
 *       list failed so ({@link LookupFailure#decisive}).</li>
 * </ol>
 * Expiry (queue.lifetime over) is decided by the queue runner, not here: status 4.4.7.
 */
public final class Classifier {
    /** X.4.3, "directory server failure" (RFC 3463): the DNS did not answer usefully. */
    static final EnhancedStatus TEMP_DNS = new EnhancedStatus(4, 4, 3);
    /** X.1.10, "recipient address has null MX" (RFC 7505 4.2). */
    static final EnhancedStatus NULL_MX = new EnhancedStatus(5, 1, 10);
    /** X.4.4, "unable to route" (RFC 3463), as Postfix reports a name that is not found. */
    static final EnhancedStatus NO_ROUTE = new EnhancedStatus(5, 4, 4);

    private Classifier() {
    }

    public static DeliveryOutcome classify(Reply reply, DeliveryOutcome.Scope scope, String relay) {
        EnhancedStatus status = reply.status() != null ? reply.status() : defaultStatus(reply.code());
        String text = reply.oneLine();
        if (reply.isPositive()) {
            return new DeliveryOutcome.Delivered(relay, text, status);
        }
        if (reply.isTransientNegative()) {
            return new DeliveryOutcome.TemporaryFailure(scope, relay, text, status);
        }
        return new DeliveryOutcome.PermanentFailure(scope, relay, text, status);
    }

    /** The greeting or EHLO/HELO was refused: always temporary, site scope (rule 4). */
    public static DeliveryOutcome.TemporaryFailure classifySessionRefused(Reply reply, String relay) {
        EnhancedStatus s = reply.status() != null ? reply.status() : defaultStatus(reply.code());
        EnhancedStatus temporary = s.klass() == 5 ? new EnhancedStatus(4, s.subject(), s.detail()) : s;
        return new DeliveryOutcome.TemporaryFailure(DeliveryOutcome.Scope.SITE, relay,
                "smarthost refused the session: " + reply.oneLine(), temporary);
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
            case NO_SUCH_NAME, NO_ADDRESS -> new DeliveryOutcome.PermanentFailure(DeliveryOutcome.Scope.MESSAGE, "none",
                    f.getMessage(), NO_ROUTE);
        };
    }

    private static EnhancedStatus defaultStatus(int code) {
        if (code < 300) {
            return EnhancedStatus.OK;
        }
        return code < 500 ? new EnhancedStatus(4, 0, 0) : EnhancedStatus.PERM_OTHER;
    }
}
