package org.mailferry.submission;

import java.io.IOException;
import java.util.Locale;
import org.mailferry.smtp.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proceed step of AUTH (OpenSMTPD's smtp_proceed_auth): runs the SASL exchange
 * ({@link SaslExchange}), then records the user, or logs the failure and makes the client wait
 * ({@link AuthFailures}) before its 535. AUTH has no check step of its own: the {@link Command}
 * table admits it only when users are configured, over TLS, once, outside a transaction.
 */
final class AuthStep {
    private static final Logger log = LoggerFactory.getLogger("mailferry.smtpd");

    private final SmtpSession session;
    private final Client client;
    private final Users users;

    AuthStep(SmtpSession session, Client client, Users users) {
        this.session = session;
        this.client = client;
        this.users = users;
    }

    Reply proceed(String arg) throws IOException {
        SaslExchange.Result r = SaslExchange.run(arg, users, session.passwordChecks(), new SaslExchange.Channel() {
            @Override
            public void send(Reply challenge) throws IOException {
                session.reply(challenge);
                session.flush();
            }

            @Override
            public byte[] readLine() throws IOException {
                return session.input().readLine(SaslExchange.MAX_RESPONSE_OCTETS);
            }
        });
        if (r.user() != null) {
            client.authenticated(r.user());
            log.info("{}: authenticated as {}", client.text(), Client.printable(r.user()));
            if (session.authFailures() != null && client.address() != null) {
                session.authFailures().succeeded(client.address());
            }
        } else if (Replies.AUTH_INVALID.equals(r.reply())) {
            failed(arg);
        } else if (Replies.AUTH_BUSY.equals(r.reply())) {
            session.refusals().refused(Refusals.Reason.AUTH_FAILED, "AUTH", r.reply(), client.contextAlone(),
                    "password checks busy, not checked");
        }
        return r.reply();
    }

    /** Postfix's log line for a failed AUTH, then the client's growing wait before its 535. */
    private void failed(String arg) {
        Reply r = Replies.saslFailed(Client.printable(arg.strip().split(" +")[0].toUpperCase(Locale.ROOT)));
        AuthFailures failures = session.authFailures();
        if (failures == null || client.address() == null) {
            session.refusals().refused(Refusals.Reason.AUTH_FAILED, "AUTH", r, client.contextAlone(), "");
            return;
        }
        AuthFailures.Failure f = failures.failed(client.address());
        session.refusals().refused(Refusals.Reason.AUTH_FAILED, "AUTH", r, client.contextAlone(),
                "failure " + f.count() + " from this client, reply delayed " + f.delay().toMillis() + " ms");
        failures.pause(f);
    }
}
