package org.mailferry.delivery;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import org.mailferry.smtp.EnhancedStatus;
import org.mailferry.smtp.Reply;

/**
 * The one place that decides retry versus bounce (as Postfix's smtp_trouble.c). Rules, in order:
 * <ol>
 *   <li>2xx: delivered.</li>
 *   <li>4xx: temporary, whatever the enhanced code says (RFC 5321 4.2.1: the code class rules).</li>
 *   <li>5xx: permanent, except 5.7.x at site scope is still permanent, and a 5xx to EHLO/MAIL
 *       applies to the whole message.</li>
 *   <li>Network failures, timeouts, name lookups, protocol garbage: temporary, site scope.
 *       It is never the recipient's fault when we could not talk to the smarthost.</li>
 * </ol>
 */
public final class Classifier {
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

    /** A failure that produced no reply at all: always temporary. */
    public static DeliveryOutcome.TemporaryFailure classify(IOException e, String what, String relay) {
        EnhancedStatus status = e instanceof SocketTimeoutException ? EnhancedStatus.TEMP_TIMEOUT
                : e instanceof UnknownHostException ? EnhancedStatus.TEMP_ROUTING
                : e instanceof ConnectException ? EnhancedStatus.TEMP_NETWORK
                : EnhancedStatus.TEMP_NETWORK;
        String reason = e instanceof SocketTimeoutException ? "timeout" : e.getMessage() == null
                ? e.getClass().getSimpleName() : e.getMessage();
        return new DeliveryOutcome.TemporaryFailure(DeliveryOutcome.Scope.SITE, relay, what + ": " + reason, status);
    }

    private static EnhancedStatus defaultStatus(int code) {
        if (code < 300) {
            return EnhancedStatus.OK;
        }
        return code < 500 ? new EnhancedStatus(4, 0, 0) : new EnhancedStatus(5, 0, 0);
    }
}
