package org.mailferry.submission;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.mailferry.smtp.Reply;
import org.mailferry.submission.SmtpSession.State;

/**
 * The commands the session knows and the states each is valid in: the one place that decides
 * whether a command may run now (OpenSMTPD's smtp_session.c keeps the same decision in each
 * {@code smtp_check_*}). {@link #refusal} applies the table in a fixed order: is the command offered
 * on this connection, does it take arguments, is it valid in this state. What passes goes on to the
 * command's own check step (syntax, policy) and then its proceed step, in {@link SmtpSession}.
 */
enum Command {
    //       valid in                              offered                     arguments
    HELO(    EnumSet.allOf(State.class),           Offered.ALWAYS,             Arguments.CHECKED),
    EHLO(    EnumSet.allOf(State.class),           Offered.ALWAYS,             Arguments.CHECKED),
    MAIL(    EnumSet.of(State.READY),              Offered.ALWAYS,             Arguments.CHECKED),
    RCPT(    EnumSet.of(State.MAIL, State.RCPT),   Offered.ALWAYS,             Arguments.CHECKED),
    DATA(    EnumSet.of(State.RCPT),               Offered.ALWAYS,             Arguments.NONE),
    RSET(    EnumSet.allOf(State.class),           Offered.ALWAYS,             Arguments.IGNORED),
    NOOP(    EnumSet.allOf(State.class),           Offered.ALWAYS,             Arguments.IGNORED),
    VRFY(    EnumSet.allOf(State.class),           Offered.ALWAYS,             Arguments.CHECKED),
    EXPN(    EnumSet.allOf(State.class),           Offered.ALWAYS,             Arguments.CHECKED),
    HELP(    EnumSet.allOf(State.class),           Offered.ALWAYS,             Arguments.IGNORED),
    QUIT(    EnumSet.allOf(State.class),           Offered.ALWAYS,             Arguments.IGNORED),
    STARTTLS(EnumSet.allOf(State.class),           Offered.WITH_TLS,           Arguments.NONE),
    AUTH(    EnumSet.of(State.READY),              Offered.WITH_USERS_OVER_TLS, Arguments.CHECKED),
    BDAT(    EnumSet.noneOf(State.class),          Offered.NEVER,              Arguments.IGNORED),
    ETRN(    EnumSet.noneOf(State.class),          Offered.NEVER,              Arguments.IGNORED),
    TURN(    EnumSet.noneOf(State.class),          Offered.NEVER,              Arguments.IGNORED);

    /** When the connection offers a command. */
    enum Offered {
        ALWAYS,
        /** Known, never offered: 502. */
        NEVER,
        /** The listener has a certificate (smtpd.tls_cert), else 502. */
        WITH_TLS,
        /**
         * The listener has users (smtpd.users), else 502; then only after STARTTLS (538) and only
         * once (RFC 4954 4: 503 after a successful AUTH).
         */
        WITH_USERS_OVER_TLS
    }

    /** What the table says about a command's arguments. */
    enum Arguments {
        /** The command's check step judges them (501 and the like). */
        CHECKED,
        /** Any argument is refused with 501 "VERB takes no arguments". */
        NONE,
        /** Not looked at (RFC 5321 allows a string after HELP and NOOP; RSET and QUIT take it in stride). */
        IGNORED
    }

    private static final Map<String, Command> BY_VERB = new HashMap<>();

    static {
        for (Command c : values()) {
            BY_VERB.put(c.name(), c);
        }
    }

    @SuppressWarnings("ImmutableEnumChecker") // an EnumSet given in the table above, never changed
    private final Set<State> validIn;
    private final Offered offered;
    private final Arguments arguments;

    Command(Set<State> validIn, Offered offered, Arguments arguments) {
        this.validIn = validIn;
        this.offered = offered;
        this.arguments = arguments;
    }

    /** The command for an upper-case verb; null when the session does not know it (500). */
    static Command of(String verb) {
        return BY_VERB.get(verb);
    }

    boolean validIn(State state) {
        return validIn.contains(state);
    }

    /**
     * What the table refuses for this command now, or null to go on to its check step. The order is
     * the client's view: not offered here (502, 538, 503 already authenticated), then arguments where
     * none are taken (501), then the state (503, or 554 for DATA without a recipient).
     */
    Reply refusal(SmtpSession s, String arg) {
        Reply r = switch (offered) {
            case ALWAYS -> null;
            case NEVER -> Replies.NOT_IMPLEMENTED;
            case WITH_TLS -> s.startTlsOffered() ? null : Replies.NOT_IMPLEMENTED;
            // Checked before the state: once authenticated the state is never GREETED again (STARTTLS is
            // refused over TLS), so "already authenticated" is what a client in a transaction hears.
            case WITH_USERS_OVER_TLS -> !s.authOffered() ? Replies.NOT_IMPLEMENTED
                    : !s.client().tlsActive() ? Replies.ENCRYPTION_REQUIRED
                    : s.client().user() != null ? Replies.ALREADY_AUTHENTICATED : null;
        };
        if (r == null && arguments == Arguments.NONE && !arg.isEmpty()) {
            r = Replies.takesNoArguments(name());
        }
        return r != null ? r : outOfState(s.state());
    }

    /** The refusal for this command in {@code state}; null when it is valid there. */
    Reply outOfState(State state) {
        if (validIn(state)) {
            return null;
        }
        if (state == State.GREETED) {
            return Replies.NEED_HELO; // nothing but the commands valid everywhere before EHLO or HELO
        }
        return switch (this) {
            case MAIL -> Replies.NESTED_MAIL;
            case RCPT -> Replies.NEED_MAIL;
            case DATA -> state == State.READY ? Replies.NEED_MAIL : Replies.NO_VALID_RECIPIENTS;
            case AUTH -> Replies.AUTH_IN_TRANSACTION;
            default -> throw new IllegalStateException(this + " has no refusal for " + state);
        };
    }
}
