package org.mailferry.delivery;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Clock;
import org.mailferry.config.RelaySecurity;
import org.mailferry.config.TlsMode;

/** TLS and AUTH settings for smarthost connections, built once from {@link RelaySecurity}. */
public record ClientSecurity(TlsMode mode, TlsPolicy tls, Logins logins, boolean allowPlaintextAuth) {

    /** Plain SMTP, no AUTH: for tests and callers that want the skeleton's behaviour. */
    public static final ClientSecurity PLAIN = new ClientSecurity(TlsMode.NONE, null,
            new Logins(RelaySecurity.DEFAULT, Clock.systemUTC()), false);

    /** @throws IllegalArgumentException naming relay.ca_file when the CA file cannot be used */
    public static ClientSecurity from(RelaySecurity s, Clock clock) {
        TlsPolicy tls;
        try {
            tls = TlsPolicy.from(s);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("relay.ca_file " + s.caFile() + ": not a PEM file of CA certificates ("
                    + e.getMessage() + ")");
        }
        return new ClientSecurity(s.tls(), tls, new Logins(s, clock), s.allowPlaintextAuth());
    }
}
