package org.mailferry.delivery;

import java.net.UnknownHostException;

/**
 * Routing found no address to try for a smarthost name, and why. {@link Classifier} turns it into
 * the recipients' outcome; the message is one line for logs, mailq and DSNs.
 */
public final class LookupFailure extends UnknownHostException {
    private static final long serialVersionUID = 1L;

    /** What the DNS said. */
    public enum Kind {
        /** The domain publishes a null MX (RFC 7505): it accepts no mail. */
        NULL_MX,
        /** NXDOMAIN: the name does not exist (RFC 5321 5.1: an error, not "no MX"). */
        NO_SUCH_NAME,
        /** The name exists but has no address record, or none of its MX hosts has one. */
        NO_ADDRESS,
        /** SERVFAIL, REFUSED, a timeout or a network error: queued and retried (RFC 5321 5.1). */
        TEMPORARY
    }

    private final Kind kind;

    LookupFailure(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /**
     * Of two failures for the same message, the one its outcome follows: a temporary one wins (the
     * name may resolve next time, as Postfix's "a soft error dominates"), else the first.
     */
    static LookupFailure decisive(LookupFailure first, LookupFailure next) {
        if (first == null) {
            return next;
        }
        return first.kind != Kind.TEMPORARY && next.kind == Kind.TEMPORARY ? next : first;
    }
}
