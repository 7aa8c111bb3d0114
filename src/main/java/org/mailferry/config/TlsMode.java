package org.mailferry.config;

import java.util.Locale;

/**
 * How the connection to the smarthost is protected ({@code relay.tls}). {@link #AUTO} picks by
 * port: 465 is implicit TLS, 587 is STARTTLS (required), a smarthost on a loopback address resolves
 * to NONE here but the client still uses STARTTLS when it is offered, and requires it when
 * credentials are configured; any other port requires STARTTLS. Never a fallback to cleartext
 * after a TLS failure.
 */
public enum TlsMode {
    AUTO, STARTTLS, TLS, NONE;

    public static TlsMode parse(String s) {
        return switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "starttls" -> STARTTLS;
            case "tls", "smtps" -> TLS;
            case "none", "off" -> NONE;
            default -> throw new IllegalArgumentException("'" + s + "' is not a TLS mode; write \"auto\", "
                    + "\"starttls\", \"tls\" or \"none\"");
        };
    }

    /** The mode actually used for a smarthost on {@code port}; never AUTO. */
    public TlsMode resolve(int port, boolean loopback) {
        if (this != AUTO) {
            return this;
        }
        if (port == 465) {
            return TLS;
        }
        if (port == 587) {
            return STARTTLS;
        }
        return loopback ? NONE : STARTTLS;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
