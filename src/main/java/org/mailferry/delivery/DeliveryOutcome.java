package org.mailferry.delivery;

import org.mailferry.smtp.EnhancedStatus;

/**
 * What one attempt did for one recipient. Expected failures are values, not exceptions.
 * {@code relay} is "host[address]:port", or "none" when no connection was made.
 */
public sealed interface DeliveryOutcome {

    /** How far a failure reaches: the whole site (connection), the message, or this recipient. */
    enum Scope { SITE, MESSAGE, RECIPIENT }

    String relay();

    /** The reply or diagnostic, on one line, for logs, mailq and DSNs. */
    String text();

    EnhancedStatus status();

    record Delivered(String relay, String text, EnhancedStatus status) implements DeliveryOutcome {
    }

    /**
     * @param quota the row of {@link QuotaReplies} the reply matched: the route's quota is used up
     *              and the route pauses until it resets; null for any other failure
     */
    record TemporaryFailure(Scope scope, String relay, String text, EnhancedStatus status, QuotaReplies.Row quota)
            implements DeliveryOutcome {
        TemporaryFailure(Scope scope, String relay, String text, EnhancedStatus status) {
            this(scope, relay, text, status, null);
        }
    }

    record PermanentFailure(Scope scope, String relay, String text, EnhancedStatus status) implements DeliveryOutcome {
    }
}
