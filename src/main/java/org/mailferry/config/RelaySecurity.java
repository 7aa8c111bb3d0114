package org.mailferry.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * How Mailferry protects and authenticates its connection to the smarthost: the {@code relay.tls*}
 * and {@code relay.auth*} keys, with the credential files already read and checked.
 *
 * @param caFile           PEM file of trusted CA certificates; null: the JDK's trust store
 * @param tlsPins          "sha256:..." fingerprints of the certificate or its public key; empty: no pinning
 * @param credentials      entries of relay.authinfo, then relay.sasl_passwd, in file order
 * @param authMechanisms   preference order, upper case
 * @param username         relay.username, "" when unset: used when no file entry matches
 * @param passwordCommand  argv run without a shell; first line of its output is the password
 * @param passwordEnv      name of an environment variable holding the password, "" when unset
 * @param oauth2           OAuth2 token source for XOAUTH2/OAUTHBEARER, null when not configured
 */
public record RelaySecurity(TlsMode tls, Path caFile, List<String> tlsPins, List<AuthinfoEntry> credentials,
                            List<String> authMechanisms, boolean allowPlaintextAuth, String username,
                            List<String> passwordCommand, String passwordEnv, OAuth2 oauth2) {

    public static final List<String> DEFAULT_MECHANISMS = List.of("OAUTHBEARER", "XOAUTH2", "CRAM-MD5", "PLAIN",
            "LOGIN");

    /** No TLS settings beyond the defaults, no credentials. */
    public static final RelaySecurity DEFAULT = new RelaySecurity(TlsMode.AUTO, null, List.of(), List.of(),
            DEFAULT_MECHANISMS, false, "", List.of(), "", null);

    /**
     * Either {@code tokenCommand} (argv; first output line is the access token) or the refresh
     * flow: client id + secret + refresh token posted to {@code tokenEndpoint}.
     */
    public record OAuth2(List<String> tokenCommand, String clientId, Secret clientSecret, Secret refreshToken,
                         URI tokenEndpoint) {
    }

    /** True when some way to log in is configured. */
    public boolean hasCredentials() {
        return !credentials.isEmpty() || !username.isEmpty();
    }
}
