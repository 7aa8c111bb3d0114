package org.mailferry.delivery;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import org.mailferry.config.AuthinfoEntry;
import org.mailferry.config.RelaySecurity;
import org.mailferry.config.Secret;
import org.mailferry.config.SecretCommand;

/**
 * Finds the credentials for a smarthost: an authinfo/sasl_passwd entry by sendmail's rule
 * (host:port, then host, then the default entry), else relay.username with its password from
 * relay.password_command or relay.password_env, and the OAuth2 token source if configured.
 */
public final class Logins {
    private final RelaySecurity security;
    private final OAuth2Tokens tokens;

    public Logins(RelaySecurity security, Clock clock) {
        this.security = security;
        this.tokens = security.oauth2() == null ? null : new OAuth2Tokens(security.oauth2(), clock);
    }

    /**
     * The login for the first of {@code hosts} (the name connected to, then the configured smarthost
     * name) that has an entry, or null when nothing is configured.
     */
    public Login find(List<String> hosts, int port) {
        AuthinfoEntry e = null;
        for (String host : hosts) {
            e = AuthinfoEntry.match(security.credentials(), host, port);
            if (e != null) {
                break;
            }
        }
        if (e == null) {
            e = AuthinfoEntry.fallback(security.credentials());
        }
        if (e != null) {
            Secret p = e.password();
            return new Login(e.user(), e.authzId(), () -> p, tokens,
                    e.mechanisms().isEmpty() ? security.authMechanisms() : e.mechanisms(), e.source());
        }
        if (security.username().isEmpty()) {
            return null;
        }
        Login.PasswordSource password = null;
        if (!security.passwordCommand().isEmpty()) {
            password = () -> SecretCommand.firstLine(security.passwordCommand(), "relay.password_command");
        } else if (!security.passwordEnv().isEmpty()) {
            String name = security.passwordEnv();
            password = () -> {
                String v = System.getenv(name);
                if (v == null || v.isEmpty()) {
                    throw new IOException("relay.password_env: environment variable " + name + " is not set");
                }
                return new Secret(v);
            };
        }
        return new Login(security.username(), "", password, tokens, security.authMechanisms(), "relay.username");
    }

    public OAuth2Tokens tokens() {
        return tokens;
    }
}
