package org.mailferry.delivery;

import java.io.IOException;

/**
 * A step of opening a session (route, admission, connect, TLS, AUTH, the site back up): a
 * connection reused from the worker's last message went through it already and passes on as it is.
 */
interface SessionStep extends Step {
    @Override
    default Attempted proceed(Chain chain) throws IOException, SmtpClient.SessionRefused, SecurityFailure {
        return chain.reused() ? chain.proceed() : open(chain);
    }

    /** This step's part in opening a fresh session, then {@link Chain#proceed()}. */
    Attempted open(Chain chain) throws IOException, SmtpClient.SessionRefused, SecurityFailure;
}
