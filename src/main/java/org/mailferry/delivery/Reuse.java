package org.mailferry.delivery;

import java.io.IOException;

/**
 * The first step: a worker's connection from its last message carries this one when it still can
 * (the steps that open a session pass a reused one through). Lost on the way (closed by the server
 * while idle, dropped by a middlebox), it is worth one fresh try; too slow, its site is failing.
 */
final class Reuse implements Step {
    private final Sites sites;

    Reuse(Sites sites) {
        this.sites = sites;
    }

    @Override
    public Attempted proceed(Chain chain) throws IOException, SmtpClient.SessionRefused, SecurityFailure {
        SmtpClient c = chain.connection();
        if (c == null) {
            return chain.proceed();
        }
        if (!c.isReusable()) {
            c.close();
            return chain.withConnection(null).proceed();
        }
        Attempted a = chain.proceed();
        return switch (a.reach()) {
            case LOST -> chain.withConnection(null).proceed();
            case FAILING -> {
                sites.failed(c.relay(), a.failure());
                yield a.siteDown(c.relay());
            }
            default -> a;
        };
    }
}
