package org.mailferry.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.mailferry.message.Envelope;
import org.mailferry.queue.Spool;

/**
 * The last step: the body from the spool, one transaction over the session ({@link SmtpTransaction}),
 * its replies judged by {@link Classifier} into one outcome per recipient. A body that cannot be
 * read is our problem, not the site's: the connection stays usable. A session that breaks midway
 * is judged too: a fresh try (a reused connection), a failing site, or the message deferred.
 */
final class Transaction implements Step {
    private final Spool spool;

    Transaction(Spool spool) {
        this.spool = spool;
    }

    @Override
    public Attempted proceed(Chain chain) {
        SmtpClient c = chain.connection();
        Envelope env = chain.env();
        InputStream body;
        try {
            body = chain.body(spool.openBody(env.id()));
        } catch (IOException e) {
            return new Attempted(Outcomes.same(env.pending(), Classifier.unreadableBody(e)), c, false, List.of(),
                    false, Attempted.Reach.SESSION, null);
        }
        try (body) {
            Transcript t = c.transaction(() -> SmtpTransaction.send(c, env, body));
            return new Attempted(Classifier.outcomes(t), keep(c), c.offers("DSN"), List.of(), false,
                    Attempted.Reach.SESSION, null);
        } catch (IOException e) {
            c.close();
            DeliveryOutcome.TemporaryFailure f = Classifier.classify(e, "conversation with " + c.relay(), c.relay());
            return Attempted.failed(env, f, switch (Classifier.broken(e, chain.reused())) {
                case RETRY_FRESH -> Attempted.Reach.LOST;
                case SITE_FAILING -> Attempted.Reach.FAILING;
                case DEFERRED -> Attempted.Reach.SESSION;
            });
        }
    }

    private static SmtpClient keep(SmtpClient c) {
        if (c.isReusable()) {
            return c;
        }
        c.close();
        return null;
    }
}
