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

    record TemporaryFailure(Scope scope, String relay, String text, EnhancedStatus status) implements DeliveryOutcome {
    }

    record PermanentFailure(Scope scope, String relay, String text, EnhancedStatus status) implements DeliveryOutcome {
    }
}
