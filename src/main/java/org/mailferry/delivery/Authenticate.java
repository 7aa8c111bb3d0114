package org.mailferry.delivery;

import java.io.IOException;
import java.util.List;
import org.mailferry.smtp.Reply;

/**
 * AUTH when credentials are configured for the host connected to (or the configured smarthost
 * name): never without TLS unless relay.allow_plaintext_auth, with a mechanism both sides allow
 * ({@link SmtpAuth}). Refused credentials are a {@link SecurityFailure}: the message stays queued.
 */
final class Authenticate implements SessionStep {
    private final ClientSecurity security;

    Authenticate(ClientSecurity security) {
        this.security = security;
    }

    @Override
    public Attempted open(Chain chain) throws IOException, SmtpClient.SessionRefused, SecurityFailure {
        int port = chain.target().address().getPort();
        Login login = security.logins().find(chain.names(), port);
        if (login != null) {
            login(chain.connection(), login, chain.target().hostName(), port, chain.trace());
            chain.connection().loggedIn(login.user(), chain.names());
        }
        return chain.proceed();
    }

    private void login(SmtpClient c, Login login, String hostName, int port, SmtpClient.Trace trace)
            throws IOException, SecurityFailure {
        List<String> offered = SmtpAuth.offered(c.ehloLines());
        if (!c.isEncrypted() && !security.allowPlaintextAuth()) {
            throw new SecurityFailure("refusing to send credentials (" + login.origin() + ") to " + c.relay()
                    + " without TLS; use relay.tls = \"starttls\" or \"tls\", or set relay.allow_plaintext_auth = "
                    + "true for a trusted loopback smarthost", SmtpAuth.TEMP_AUTH, false, null);
        }
        if (offered.isEmpty()) {
            throw new SecurityFailure(c.relay() + " does not offer AUTH, but credentials are configured for it ("
                    + login.origin() + ")", SmtpAuth.TEMP_AUTH, false, null);
        }
        String mechanism = SmtpAuth.choose(login, offered);
        if (mechanism == null) {
            throw new SecurityFailure(c.relay() + " offers AUTH " + String.join(" ", offered) + " but we allow only "
                    + String.join(" ", login.mechanisms()) + " (relay.auth_mechanisms or authinfo M:) with the "
                    + "credentials configured", SmtpAuth.TEMP_AUTH, false, null);
        }
        Reply ok = SmtpAuth.authenticate(line -> {
            c.command(line);
            return c.reply();
        }, login, mechanism, hostName, port, c.relay());
        trace.step("auth", true, mechanism + " as " + login.user() + ": " + ok.oneLine());
    }
}
