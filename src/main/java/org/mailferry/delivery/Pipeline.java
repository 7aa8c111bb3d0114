package org.mailferry.delivery;

import java.io.IOException;
import java.util.List;
import org.mailferry.message.Envelope;

/**
 * The attempt: its steps in order, run for one message at a time. The list the daemon uses is
 * built where delivery is wired ({@link DeliveryWiring}):
 * {@link Reuse} (the worker's open connection) -> {@link Route} (the smarthosts' addresses, in
 * order) -> {@link Admission} (each by its site's state) -> {@link Connect} (greeting, EHLO) ->
 * {@link StartTls} -> {@link Authenticate} -> {@link SessionOpened} -> {@link Rewrite} (the sender) ->
 * {@link Transaction}.
 */
final class Pipeline {
    private final List<Step> steps;

    Pipeline(List<Step> steps) {
        this.steps = List.copyOf(steps);
    }

    /**
     * One attempt for {@code env}, over the worker's {@code connection} when it has one. Whatever
     * the smarthost does is an outcome; an exception is a bug or our side's trouble.
     */
    Attempted deliver(Envelope env, SmtpClient connection) {
        try {
            Attempted a = Chain.attempt(steps, env, connection).proceed();
            if (a.connection() != null) {
                a.connection().usedBy(this);
            }
            return a;
        } catch (IOException | SmtpClient.SessionRefused | SecurityFailure e) {
            throw new IllegalStateException("a session failure got past the site's step: " + e, e);
        }
    }

    /** A session's setup alone, up to its last step, which holds the connection. */
    SmtpClient open(Router.Target target, List<String> names, SmtpClient.Trace trace)
            throws IOException, SmtpClient.SessionRefused, SecurityFailure {
        return Chain.session(steps, target, names, trace).proceed().connection();
    }
}
