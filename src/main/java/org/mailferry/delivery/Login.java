package org.mailferry.delivery;

import java.io.IOException;
import java.util.List;
import org.mailferry.config.Secret;

/**
 * The credentials for one smarthost connection. The password and the OAuth2 token are fetched only
 * when a mechanism needs them (a password command runs only then).
 *
 * @param mechanisms preference order (authinfo M:, else relay.auth_mechanisms)
 * @param origin     where the credentials came from ("/etc/mail/authinfo:3", "relay.username"), for messages
 */
public record Login(String user, String authzId, PasswordSource password, OAuth2Tokens tokens,
                    List<String> mechanisms, String origin) {

    /** Gives the password when asked; null when only OAuth2 is configured. */
    @FunctionalInterface
    public interface PasswordSource {
        Secret get() throws IOException;
    }

    boolean canUse(String mechanism) {
        return switch (mechanism) {
            case "XOAUTH2", "OAUTHBEARER" -> tokens != null;
            case "PLAIN", "LOGIN", "CRAM-MD5" -> password != null;
            default -> false;
        };
    }
}
