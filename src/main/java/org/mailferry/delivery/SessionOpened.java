package org.mailferry.delivery;

import java.io.IOException;

/**
 * The session is open (connected, greeted, secured, logged in): its site is up, and when it was
 * down, it is back, before the transaction (other workers stop skipping it at once).
 */
final class SessionOpened implements SessionStep {
    private final Sites sites;

    SessionOpened(Sites sites) {
        this.sites = sites;
    }

    @Override
    public Attempted open(Chain chain) throws IOException, SmtpClient.SessionRefused, SecurityFailure {
        boolean back = sites.succeeded(chain.site());
        return chain.proceed().withSiteBack(back);
    }
}
