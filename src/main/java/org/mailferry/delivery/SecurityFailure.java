package org.mailferry.delivery;

import org.mailferry.smtp.EnhancedStatus;

/**
 * TLS or AUTH toward the smarthost did not work out. Always a temporary failure of the attempt:
 * it is our configuration or the smarthost that is wrong, never the recipient. The message is the
 * real reason (expired certificate, unknown CA, 535 reply...) and never holds a secret.
 */
public final class SecurityFailure extends Exception {
    private final EnhancedStatus status;
    private final boolean authentication;

    public SecurityFailure(String reason, EnhancedStatus status, boolean authentication, Throwable cause) {
        super(reason, cause);
        this.status = status;
        this.authentication = authentication;
    }

    public EnhancedStatus status() {
        return status;
    }

    /** True when the smarthost refused our credentials (a loud log line, never a bounce). */
    public boolean authentication() {
        return authentication;
    }
}
