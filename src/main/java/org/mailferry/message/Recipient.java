package org.mailferry.message;

/**
 * One recipient of a queued message and where it stands. {@code lastReply} is the last reason
 * (smarthost reply or our own diagnostic), empty before the first attempt.
 */
public record Recipient(Address address, State state, String lastReply, String orcpt, String dsnNotify) {

    public enum State {
        /** Not delivered yet; will be tried (again). */
        PENDING,
        /** Accepted by the smarthost. */
        DELIVERED,
        /** Refused permanently, or expired: a DSN is owed to the sender. */
        FAILED,
        /** Removed by an operator before delivery; no DSN. */
        DELETED;

        public boolean isFinal() {
            return this != PENDING;
        }
    }

    public Recipient {
        lastReply = lastReply == null ? "" : lastReply;
        orcpt = orcpt == null ? "" : orcpt;
        dsnNotify = dsnNotify == null ? "" : dsnNotify;
    }

    public static Recipient pending(Address address) {
        return new Recipient(address, State.PENDING, "", "", "");
    }

    public Recipient with(State newState, String reply) {
        return new Recipient(address, newState, reply, orcpt, dsnNotify);
    }
}
