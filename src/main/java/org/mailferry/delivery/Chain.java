package org.mailferry.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.function.UnaryOperator;
import org.mailferry.message.Envelope;

/**
 * Where an attempt stands as it goes down the steps: the message, the address being tried, the
 * connection (opened by this attempt, or {@code reused} from the worker's last message). Immutable:
 * a step hands on a changed copy, and may proceed more than once (the route, once per address).
 */
final class Chain {
    private final List<Step> steps;
    private final int next;
    private final Envelope env;
    private final SmtpClient.Trace trace;
    private final Router.Target target;
    private final List<String> names;
    private final SmtpClient connection;
    private final boolean reused;
    private final UnaryOperator<InputStream> body;

    private Chain(List<Step> steps, int next, Envelope env, SmtpClient.Trace trace, Router.Target target,
                  List<String> names, SmtpClient connection, boolean reused, UnaryOperator<InputStream> body) {
        this.steps = steps;
        this.next = next;
        this.env = env;
        this.trace = trace;
        this.target = target;
        this.names = names;
        this.connection = connection;
        this.reused = reused;
        this.body = body;
    }

    /** An attempt for {@code env}, over the worker's {@code connection} when it has one. */
    static Chain attempt(List<Step> steps, Envelope env, SmtpClient connection) {
        return new Chain(steps, 0, env, SmtpClient.Trace.NONE, null, List.of(), connection, connection != null, UnaryOperator.identity());
    }

    /** A session's setup alone, to {@code target}, reported to {@code trace} ({@code mailferry check}). */
    static Chain session(List<Step> steps, Router.Target target, List<String> names, SmtpClient.Trace trace) {
        return new Chain(steps, 0, null, trace, target, names, null, false, UnaryOperator.identity());
    }

    /** Runs the next step with this chain. */
    Attempted proceed() throws IOException, SmtpClient.SessionRefused, SecurityFailure {
        if (next >= steps.size()) {
            throw new IllegalStateException("the last step of an attempt must not proceed");
        }
        return steps.get(next).proceed(new Chain(steps, next + 1, env, trace, target, names, connection, reused, body));
    }

    /** The message; null for a session's setup alone. */
    Envelope env() {
        return env;
    }

    SmtpClient.Trace trace() {
        return trace;
    }

    /** The address being tried; null before the route. */
    Router.Target target() {
        return target;
    }

    /** "host[address]:port" of the target (or of the reused connection): the site's name in {@link Sites}. */
    String site() {
        if (target == null) {
            return connection.relay();
        }
        return target.hostName() + "[" + target.address().getAddress().getHostAddress() + "]:"
                + target.address().getPort();
    }

    /** Names to look credentials up by: the host connected to, then the configured smarthost names. */
    List<String> names() {
        return names;
    }

    SmtpClient connection() {
        return connection;
    }

    /** True when the connection carried an earlier message: it is open, secured, logged in already. */
    boolean reused() {
        return reused;
    }

    /** With the message changed for the steps after this one (a rewritten sender, fewer recipients). */
    Chain withEnvelope(Envelope e) {
        return new Chain(steps, next, e, trace, target, names, connection, reused, body);
    }

    /** With the stored body read through {@code filter} by the transaction (the header rewritten). */
    Chain withBody(UnaryOperator<InputStream> filter) {
        return new Chain(steps, next, env, trace, target, names, connection, reused, filter);
    }

    /** How the transaction reads the stored body: as it is, unless a step said otherwise. */
    InputStream body(InputStream stored) {
        return body.apply(stored);
    }

    Chain withTarget(Router.Target t, List<String> credentialNames) {
        return new Chain(steps, next, env, trace, t, credentialNames, connection, reused, body);
    }

    /** Over {@code c}; null: without a connection (a fresh session follows). */
    Chain withConnection(SmtpClient c) {
        return new Chain(steps, next, env, trace, target, names, c, c != null && reused, body);
    }
}
